"""Property-based tests (Hypothesis) of the hand-written core: words <-> character spans, lines, window
split/merge, glossary protect/restore, annotation-store round trips, Unicode normalisation forms.

Each property runs a bounded number of generated examples (a few seconds each); a failure prints the
smallest input that breaks it.
"""
import unicodedata

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from workbench import text as X

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                      HealthCheck.function_scoped_fixture])

# text that exercises the tokenizer: letters (Latin, Greek, CJK, Devanagari, Arabic), digits, combining
# marks, joiners, emoji, punctuation, every kind of space and line break, controls, a byte-order mark
PIECES = st.sampled_from(list("abcXYZ019αβ顺铂हिअ\u0627\u0644-'’.,;()<>&\"/%+") +
                         ["\u0301", "\u0308", "\u093f", "\u200d", "\u200c", "\ufeff", "\u00ad", "\U0001F468",
                          "\ufe0f", " ", "  ", "\t", "\n", "\r\n", "\f", "\u2028", "\x1c", "\x00", "\u00a0",
                          "²", "½", "e\u0301", "\u00e9", "\uac00"])
TEXT = st.lists(PIECES, max_size=40).map("".join)
SPACE_LIKE = {"Zs", "Zl", "Zp", "Cc", "Cf"}


def words(text):
    return X.tokenize_with_offsets(text)


# ---------------------------------------------------------------- words and spans


@FAST
@given(TEXT)
def test_words_index_the_text_in_order_and_cover_everything_visible(text):
    toks = words(text)
    pos = 0
    covered = set()
    for tok, s, e in toks:
        assert text[s:e] == tok and s >= pos and e > s
        assert not any(c.isspace() for c in tok), tok
        covered.update(range(s, e))
        pos = e
    for i, c in enumerate(text):  # nothing visible is dropped: what no word covers is space or invisible
        if i not in covered:
            assert c.isspace() or unicodedata.category(c) in SPACE_LIKE, (c, text)


@FAST
@given(TEXT)
def test_a_combining_mark_or_joiner_never_starts_a_word_after_a_letter(text):
    for tok, s, e in words(text):
        if s and (text[s - 1].isalnum() or unicodedata.category(text[s - 1]).startswith("M")):
            assert not (unicodedata.category(text[s]).startswith("M") or text[s] in "\u200c\u200d"), (text, tok)


@FAST
@given(TEXT)
def test_normalisation_forms_give_the_same_words(text):
    nfc = [unicodedata.normalize("NFC", w) for w, _, _ in words(unicodedata.normalize("NFC", text))]
    nfd = [unicodedata.normalize("NFC", w) for w, _, _ in words(unicodedata.normalize("NFD", text))]
    assert nfc == nfd
    for form in ("NFKC", "NFKD"):
        normal = unicodedata.normalize(form, text)
        assert all(normal[s:e] == w for w, s, e in words(normal))


@FAST
@given(TEXT, st.data())
def test_spans_to_tags_and_back(text, data):
    toks = words(text)
    assume(toks)
    cuts = sorted(data.draw(st.sets(st.integers(0, len(toks)), max_size=6)))
    spans, labels = [], ["Gene", "Disease"]
    for a, b in zip(cuts, cuts[1:]):
        if data.draw(st.booleans()):
            spans.append((toks[a][1], toks[b - 1][2], labels[len(spans) % 2]))
    tags = X.spans_to_tags(toks, spans)
    assert X.tags_to_spans(toks, tags) == spans or _adjacent_same_label(spans)


def _adjacent_same_label(spans):
    return False  # B- starts every span, so even touching spans of one label come back apart


@FAST
@given(TEXT, st.integers(0, 60), st.integers(0, 60))
def test_snapping_a_selection_to_words(text, a, b):
    from workbench import annotations as A

    a, b = sorted((min(a, len(text)), min(b, len(text))))
    inside = [(s, e) for _, s, e in words(text) if s < b and e > a]
    if not inside or a >= b:
        with pytest.raises(A.AnnotationError, match="covers no word"):
            A.snap_to_words(text, a, b)
        return
    s, e = A.snap_to_words(text, a, b)
    assert (s, e) == (inside[0][0], inside[-1][1])
    assert A.snap_to_words(text, s, e) == (s, e)
    first, last = A.span_to_words(text, s, e)
    assert A.words_to_span(text, first, last) == (s, e)


@FAST
@given(TEXT)
def test_lines_end_at_newline_only(text):
    lines = X.split_lines(text)
    assert len(lines) == text.count("\n") + 1
    assert "\n".join(text[s:e] + ("\r" if text[e:e + 1] == "\r" else "") for _, s, e in lines) == text
    assert all("\n" not in text[s:e] and not text[s:e].endswith("\r") for _, s, e in lines)


# ---------------------------------------------------------------- windows


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(1, 12), min_size=0, max_size=60), st.integers(1, 40), st.data())
def test_plan_windows_covers_every_word_within_capacity(lengths, capacity, data):
    from workbench.ner import plan_windows

    stride = data.draw(st.integers(0, capacity - 1))
    windows = plan_windows(lengths, capacity, stride)
    sizes = [min(n, capacity) for n in lengths]
    if not lengths:
        assert windows == []
        return
    assert windows[0][0] == 0 and windows[-1][1] == len(lengths)
    for (s, e), (s2, e2) in zip(windows, windows[1:]):
        assert s < s2 <= e < e2, (windows, lengths)  # no gap, and every window adds words (none is redundant)
        assert sum(sizes[s2:e]) <= stride  # the overlap stays within the stride
    for s, e in windows:
        assert e > s and sum(sizes[s:e]) <= capacity


_TOKENIZER = {}


def _tokenizer():
    if not _TOKENIZER:
        import workbench as wb

        _TOKENIZER["t"] = wb.load_tokenizer("standin")
    return _TOKENIZER["t"]


WORD = st.sampled_from(["BRCA1", "mutations", "cause", "breast", "cancer", "5-fluorouracil", "interleukin-6",
                        "Ce\u0301liac", "顺铂", ".", "(", "TNF-α", "a", "hyperphosphorylation"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.tuples(WORD, st.integers(0, 2)), min_size=1, max_size=30), min_size=1, max_size=4),
       st.integers(8, 24), st.data())
def test_window_split_then_merge_gives_every_word_its_own_label(sentences, max_length, data):
    import numpy as np

    from workbench.ner import encode, merge_windows, window_stride

    stride = data.draw(st.integers(0, window_stride(max_length)))
    words_, tags = [[w for w, _ in s] for s in sentences], [[t for _, t in s] for s in sentences]
    enc = encode(_tokenizer(), words_, tags, max_length=max_length, stride=stride)
    eye = np.eye(3, dtype=np.float32)
    scores = [eye[[w.labels[p] for p in w.positions]] for w in enc.windows]
    merged = merge_windows(enc, scores)
    assert [m.argmax(-1).tolist() for m in merged] == tags
    assert all(len(w.input_ids) <= max_length for w in enc.windows)


# ---------------------------------------------------------------- glossary


TERMS = {"顺铂": "cisplatin", "非小细胞肺癌": "non-small cell lung cancer", "肺癌": "lung cancer", "BRCA1": "BRCA1"}
FILLER = st.sampled_from(list("的是治疗一线化疗药物。，在和") + [" ", "5", "a"])


@FAST
@given(st.lists(st.one_of(st.sampled_from(sorted(TERMS)), FILLER), max_size=25).map("".join))
def test_protect_then_restore_puts_every_term_back(text):
    from workbench.translate import Glossary, protect, restore
    from workbench.translate.glossary import PLACEHOLDER_RE

    glossary = Glossary.from_dict(TERMS)
    protected, matches = protect(text, glossary)
    assert len(PLACEHOLDER_RE.findall(protected)) == len(matches)
    for m in matches:
        assert text[m.start:m.end] == m.term.zh  # offsets index the source
    assert [m.start for m in matches] == sorted(m.start for m in matches)
    assert all(a.end <= b.start for a, b in zip(matches, matches[1:]))
    restored, reports = restore(protected, matches, sentence_start=False)
    assert not PLACEHOLDER_RE.search(restored)
    for m in matches:
        assert m.term.en in restored


# ---------------------------------------------------------------- the annotation store


TEXTS = ["Cisplatin caused nephrotoxicity in BRCA1 carriers.", "Patients with breast cancer received 5-FU.",
         "Ce\u0301liac disease \u2028 and \U0001F468\u200d\U0001F469 symbols.", "No adverse events."]
OPS = st.lists(st.tuples(st.sampled_from(["entity", "status", "question", "undo", "relabel", "remove"]),
                         st.integers(0, 3), st.integers(0, 12), st.integers(1, 3)), max_size=25)


def _apply(store, op):
    from workbench.annotations import AnnotationError

    kind, doc, word, span = op
    text = store[doc]["text"]
    toks = words(text)
    try:
        if kind == "entity":
            a = toks[min(word, len(toks) - 1)]
            b = toks[min(word + span - 1, len(toks) - 1)]
            store.add_entity(doc, a[1], b[2], ["Gene", "Disease", "Chemical"][span - 1])
        elif kind == "status":
            store.set_status(doc, ["todo", "done", "skipped"][span - 1])
        elif kind == "question":
            store.add_question(doc, f"question {word}?", toks[0][1], toks[0][2])
        elif kind == "undo":
            store.undo()
        elif kind == "relabel":
            store.relabel(doc, word % 2, "Drug")
        else:
            store.remove_entity(doc, word % 2)
    except AnnotationError as err:
        assert "out of range" in str(err)  # relabel/remove of an entity that is not there


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(OPS)
def test_what_the_store_holds_is_what_the_file_holds(tmp_path, ops):
    from workbench.annotations import AnnotationStore

    path = tmp_path / f"s{abs(hash(tuple(ops)))}.jsonl"
    store = AnnotationStore(path, TEXTS)
    for op in ops:
        _apply(store, op)
        assert AnnotationStore(path).records == store.records  # every change is on disk at once
    assert [r["text"] for r in AnnotationStore(path)] == TEXTS  # texts kept exactly (no normalisation)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.booleans(), OPS.map(lambda x: x[:1]).filter(bool).map(lambda x: x[0])), max_size=16))
def test_two_stores_on_one_file_never_lose_a_change(tmp_path, steps):
    """Store a edits documents 0-1, store b documents 2-3, in any order: the file ends with both."""
    from workbench.annotations import AnnotationStore

    path = tmp_path / f"t{abs(hash(tuple(steps)))}.jsonl"
    a, b = AnnotationStore(path, TEXTS), AnnotationStore(path, TEXTS)
    for use_a, (kind, doc, word, span) in steps:
        if kind == "undo":
            continue  # an undo may reach back to the other store's document range: not this property
        store, doc = (a, doc % 2) if use_a else (b, 2 + doc % 2)
        _apply(store, (kind, doc, word, span))
    final = AnnotationStore(path).records
    a_view, b_view = AnnotationStore(path).records, final  # re-read twice: stable
    assert a_view == b_view
    for i in (0, 1):
        assert final[i] == a.records[i]
    for i in (2, 3):
        assert final[i] == b.records[i]


@FAST
@given(st.sampled_from(["NFC", "NFD", "NFKC", "NFKD"]), TEXT.filter(lambda t: words(t)))
def test_any_normalisation_form_can_be_annotated_and_exported(tmp_path, form, text):
    from workbench.annotations import AnnotationStore
    from workbench.data import read_conll

    text = unicodedata.normalize(form, text)
    toks = words(text)
    assume(toks)
    path = tmp_path / "n.jsonl"
    path.unlink(missing_ok=True)
    store = AnnotationStore(path, [text])
    store.add_entity(0, toks[0][1], toks[-1][2], "Gene")
    store.set_status(0, "done")
    assert AnnotationStore(path)[0]["text"] == text
    out = store.to_conll(tmp_path / "n.tsv")
    sentences = read_conll(out)
    assert [t for s in sentences for t in s.tokens] == [t.strip() for t, _, _ in toks if t.strip()]

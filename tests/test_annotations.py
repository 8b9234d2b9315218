"""workbench.annotations: records, span <-> word mapping, the JSONL store, undo, exports, HTML."""
import json
import os

import pytest

from workbench import annotations as A
from workbench.data import load_ner_dataset, read_conll
from workbench.text import tags_to_spans, tokenize_with_offsets

TEXTS = [
    "Cisplatin caused nephrotoxicity in BRCA1 carriers.",
    "Patients with breast cancer received 5-fluorouracil.",
    "No adverse events were reported.",
]


@pytest.fixture
def store(tmp_path):
    return A.AnnotationStore(tmp_path / "ann.jsonl", TEXTS)


def saved(store):
    return [json.loads(line) for line in store.path.read_text(encoding="utf-8").splitlines()]


# ---------------------------------------------------------------- spans and words


def test_snap_to_words_widens_a_partial_mouse_selection():
    text = TEXTS[1]
    start = text.index("reast")
    assert A.snap_to_words(text, start, start + 8) == (text.index("breast"), text.index("breast") + len("breast cancer"))
    with pytest.raises(A.AnnotationError, match="covers no word"):
        A.snap_to_words("a   b", 1, 4)


def test_snap_of_leading_space_selects_the_following_word():
    text = TEXTS[1]
    i = text.index(" cancer")
    assert A.snap_to_words(text, i, i + 3) == (i + 1, i + 7)


@pytest.mark.parametrize("text", TEXTS + ["IL-6 (interleukin-6) rose; TNF-α fell.", "  leading and trailing  "])
def test_words_to_span_and_back_round_trip(text):
    toks = tokenize_with_offsets(text)
    for first in range(len(toks)):
        for last in range(first, min(first + 3, len(toks))):
            s, e = A.words_to_span(text, first, last)
            assert (s, e) == (toks[first][1], toks[last][2])
            assert A.span_to_words(text, s, e) == (first, last)
    with pytest.raises(A.AnnotationError, match="out of range"):
        A.words_to_span(text, 0, len(toks))


def test_resolve_overlaps_keeps_earlier_then_longer():
    kept, dropped = A.resolve_overlaps([(5, 9, "B"), (0, 4, "A"), (2, 7, "C"), (5, 12, "D")])
    assert kept == [(0, 4, "A"), (5, 12, "D")]
    assert sorted(dropped) == [(2, 7, "C"), (5, 9, "B")]


def test_record_to_tags_widens_model_spans_cutting_words():
    rec = A.new_record(TEXTS[0])
    rec["entities"].append(A.make_entity(TEXTS[0], 2, 7, "Chemical"))  # "splat" inside Cisplatin
    tokens, tags = A.record_to_tags(rec)
    assert tokens[0] == "Cisplatin" and tags[0] == "B-Chemical" and set(tags[1:]) == {"O"}


def test_make_entity_rejects_bad_spans_and_labels():
    with pytest.raises(A.AnnotationError, match="outside the text"):
        A.make_entity("abc", 1, 9, "X")
    with pytest.raises(A.AnnotationError, match="outside the text"):
        A.make_entity("abc", 2, 2, "X")
    with pytest.raises(A.AnnotationError, match="label"):
        A.make_entity("abc", 0, 1, "")


# ---------------------------------------------------------------- store: changes, saving, undo


def test_every_change_is_saved_at_once(store):
    store.add_entity(0, 0, 9, "Chemical")
    assert saved(store)[0]["entities"][0]["text"] == "Cisplatin"
    store.relabel(0, 0, "Drug")
    assert saved(store)[0]["entities"][0]["label"] == "Drug"
    store.remove_entity(0, 0)
    assert saved(store)[0]["entities"] == []
    store.set_status(2, "done")
    assert [r["status"] for r in saved(store)] == ["todo", "todo", "done"]


def test_new_entity_replaces_overlapping_ones_and_their_relations(store):
    t = TEXTS[1]
    store.add_entity(1, t.index("breast"), t.index("breast") + 6, "Disease")
    store.add_entity(1, t.index("5-"), len(t) - 1, "Chemical")
    store.add_relation(1, 0, 1, "treats")
    store.add_entity(1, t.index("breast"), t.index("cancer") + 6, "Disease")
    ents = store[1]["entities"]
    assert [e["text"] for e in ents] == ["breast cancer", "5-fluorouracil"]
    assert store[1]["relations"] == []  # it named the replaced "breast" entity


def test_undo_restores_each_previous_state_and_saves(store):
    store.add_entity(0, 0, 9, "Chemical")
    store.add_entity(0, TEXTS[0].index("BRCA1"), TEXTS[0].index("BRCA1") + 5, "Gene")
    store.set_status(0, "done")
    assert store.undo() == 0 and saved(store)[0]["status"] == "todo"
    assert store.undo() == 0 and [e["label"] for e in saved(store)[0]["entities"]] == ["Chemical"]
    assert store.undo() == 0 and saved(store)[0]["entities"] == []
    assert store.undo() is None and not store.can_undo


def test_pre_annotations_pending_accept_reject_and_done(store):
    t = TEXTS[0]
    preds = [[{"start": 0, "end": 9, "label": "Chemical", "score": 0.91},
              {"start": t.index("nephro"), "end": t.index(" in"), "label": "Gene", "score": 0.4}],
             [], [{"start": 3, "end": 10, "label": "Disease", "score": 0.3}]]
    assert store.pre_annotate(preds) == 3
    assert [e["status"] for e in store[0]["entities"]] == ["pending", "pending"]
    assert store.accept(0, 0) == 1
    store.relabel(0, 1, "Disease")  # the user's correction: now a human annotation
    assert store[0]["entities"][1]["source"] == "human" and store[0]["entities"][1]["status"] == "accepted"
    assert store.reject(2) == 1 and store[2]["entities"] == []
    # a second pre-annotation leaves reviewed documents alone
    store.set_status(0, "done")
    assert store.pre_annotate([[], [], preds[2]]) == 2
    assert [e["label"] for e in store[0]["entities"]] == ["Chemical", "Disease"]


def test_done_accepts_pending_and_conll_export_skips_pending(store, tmp_path):
    store.pre_annotate([[{"start": 0, "end": 9, "label": "Chemical"}],
                        [{"start": 14, "end": 27, "label": "Disease"}], []])
    store.set_status(0, "done")
    store.set_status(1, "done")
    store.undo()  # document 1 back to todo with its suggestion pending
    out = store.to_conll(tmp_path / "all.tsv", only_done=False)
    sents = read_conll(out)
    assert [s.tags[0] for s in sents] == ["B-Chemical", "O", "O"]
    assert "B-Disease" not in sents[1].tags
    sents = read_conll(store.to_conll(tmp_path / "pending.tsv", only_done=False, include_pending=True))
    assert sents[1].tags[2:5] == ["B-Disease", "I-Disease", "O"]


def test_resume_reopens_with_every_change_and_first_todo(tmp_path):
    path = tmp_path / "ann.jsonl"
    st = A.AnnotationStore(path, TEXTS)
    st.add_entity(0, 0, 9, "Chemical")
    st.set_status(0, "done")
    st.add_question(1, "Who received 5-fluorouracil?", 0, 8)
    del st
    again = A.AnnotationStore(path, TEXTS + ["A new fourth text."])
    assert len(again) == 4 and again.resume_index() == 1
    assert again[0]["entities"][0]["text"] == "Cisplatin" and again[0]["status"] == "done"
    assert again[1]["qa"][0]["answers"][0]["text"] == "Patients"
    assert again.progress() == (1, 4)
    assert not again.can_undo  # history is per session
    assert len(A.AnnotationStore(path)) == 4  # reopen without texts


def test_reopen_with_different_texts_refuses_and_keeps_the_file(tmp_path):
    path = tmp_path / "ann.jsonl"
    A.AnnotationStore(path, TEXTS).add_entity(0, 0, 9, "Chemical")
    before = path.read_bytes()
    with pytest.raises(A.AnnotationError, match=r"ann\.jsonl:1: document '0' is saved with a different text"):
        A.AnnotationStore(path, ["Another text entirely."] + TEXTS[1:])
    assert path.read_bytes() == before
    st = A.AnnotationStore(path, ["Another text entirely."], ids=["new"])
    assert [r["id"] for r in st] == ["0", "1", "2", "new"]


@pytest.mark.parametrize("line, message", [
    ("{not json", "not valid JSON"),
    ('{"text": 3}', "needs a string 'text'"),
    ('{"text": "abc", "entities": [{"start": 0, "end": 9, "label": "X"}]}', "outside the text"),
    ('{"text": "abc", "entities": [{"start": 0, "end": 2, "label": "X", "text": "bc"}]}', "does not match"),
    ('{"text": "abc", "status": "maybe"}', "status 'maybe'"),
    ('{"text": "abc", "entities": [{"start": 0}]}', "malformed annotation"),
])
def test_bad_store_lines_name_file_and_line(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "text": "fine"}\n\n' + line + "\n", encoding="utf-8")
    with pytest.raises(A.AnnotationError, match=rf"bad\.jsonl:3: .*{message}"):
        A.AnnotationStore(path)


def test_atomic_write_leaves_no_temp_files_and_replaces_whole(tmp_path):
    path = tmp_path / "f.jsonl"
    A.atomic_write_text(path, "one\n")
    A.atomic_write_text(path, "two\n")
    assert path.read_text() == "two\n"
    assert os.listdir(tmp_path) == ["f.jsonl"]


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ann.jsonl"
    st = A.AnnotationStore(path, TEXTS)
    st.add_entity(0, 0, 9, "Chemical")
    before = path.read_text()

    def boom(*args):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        st.set_status(0, "done")
    assert path.read_text() == before
    assert sorted(os.listdir(tmp_path)) == ["ann.jsonl"]


def test_in_memory_store_and_bad_arguments():
    st = A.AnnotationStore(None, TEXTS)
    st.add_entity(0, 0, 9, "Chemical")
    assert st.saves == 0
    with pytest.raises(A.AnnotationError, match="out of range"):
        st.remove_entity(0, 5)
    with pytest.raises(A.AnnotationError, match="out of range"):
        st.set_status(7, "done")
    with pytest.raises(A.AnnotationError, match="ids"):
        A.AnnotationStore(None, TEXTS, ids=["a", "a", "b"])
    with pytest.raises(A.AnnotationError, match="predictions"):
        st.pre_annotate([[]])
    with pytest.raises(A.AnnotationError, match="two different entities"):
        st.add_relation(0, 0, 0, "x")
    with pytest.raises(A.AnnotationError, match="question is empty"):
        st.add_question(0, "  ")


# ---------------------------------------------------------------- exports load for training


def test_conll_export_round_trips_through_workbench_data(store, tmp_path):
    t0, t1 = TEXTS[0], TEXTS[1]
    store.add_entity(0, 0, 9, "Chemical")
    store.add_entity(0, t0.index("nephro"), t0.index(" in"), "Disease")
    store.add_entity(0, t0.index("BRCA1"), t0.index("BRCA1") + 5, "Gene")
    store.add_entity(1, t1.index("breast"), t1.index("cancer") + 6, "Disease")
    store.add_entity(1, t1.index("5-"), len(t1) - 1, "Chemical")
    for i in range(3):
        store.set_status(i, "done")
    folder = store.to_ner_folder(tmp_path / "ner", dev_fraction=0.34, seed=1)
    ds = load_ner_dataset(folder)
    assert set(ds) == {"train", "devel"} and ds["train"].num_rows + ds["devel"].num_rows == 3
    names = ds["train"].features["ner_tags"].feature.names
    got = {}
    for split in ds.values():
        for row in split:
            text = " ".join(row["tokens"])
            spans = tags_to_spans(tokenize_with_offsets(text), [names[t] for t in row["ner_tags"]])
            got[row["tokens"][0]] = sorted((text[s:e], lab) for s, e, lab in spans)
    assert got["Cisplatin"] == [("BRCA1", "Gene"), ("Cisplatin", "Chemical"), ("nephrotoxicity", "Disease")]
    assert got["Patients"] == [("5-fluorouracil", "Chemical"), ("breast cancer", "Disease")]
    assert got["No"] == []


def test_export_with_nothing_done_is_a_clear_error(store, tmp_path):
    with pytest.raises(A.AnnotationError, match="no document is marked done"):
        store.to_ner_folder(tmp_path / "ner")


def test_squad_export_loads_with_workbench_qa(store, tmp_path):
    qa = pytest.importorskip("workbench.qa")
    t = TEXTS[1]
    store.add_question(1, "Which drug was given?", t.index("5-"), len(t) - 1)
    store.add_question(1, "What was the dose?")  # unanswerable in this text
    store.add_question(0, "What caused nephrotoxicity?", 0, 4)  # snapped to the whole word
    for i in (0, 1):
        store.set_status(i, "done")
    store.to_squad(tmp_path / "qa.json")
    ds = qa.load_squad(tmp_path / "qa.json")
    rows = {r["question"]: r for r in ds}
    assert rows["Which drug was given?"]["answers"] == {"text": ["5-fluorouracil"], "answer_start": [t.index("5-")]}
    assert rows["What was the dose?"]["answers"] == {"text": [], "answer_start": []}
    assert rows["What caused nephrotoxicity?"]["answers"]["text"] == ["Cisplatin"]
    assert len({r["id"] for r in ds}) == 3


def test_relation_export_loads_with_workbench_relations(store, tmp_path):
    rel = pytest.importorskip("workbench.relations")
    t = TEXTS[0]
    store.add_entity(0, 0, 9, "Chemical")
    store.add_entity(0, t.index("nephro"), t.index(" in"), "Disease")
    store.add_entity(0, t.index("BRCA1"), t.index("BRCA1") + 5, "Gene")
    store.add_relation(0, 0, 1, "causes")
    store.set_status(0, "done")
    rows = rel.read_pairs_jsonl(store.to_relations_jsonl(tmp_path / "pairs.jsonl", negative="0"))
    labels = sorted((r["head"]["text"], r["tail"]["text"], r["label"]) for r in rows)
    assert ("Cisplatin", "nephrotoxicity", "causes") in labels
    assert ("nephrotoxicity", "Cisplatin", "0") not in labels  # the reverse of a relation is not a negative
    assert len(labels) == 1 + 4  # 3 entities: 6 ordered pairs, minus the relation and its reverse
    store.remove_entity(0, 1)
    assert store[0]["relations"] == []


def test_plain_jsonl_export(store, tmp_path):
    store.pre_annotate([[{"start": 0, "end": 9, "label": "Chemical", "score": 0.9}], [], []])
    store.set_status(0, "done")
    rows = [json.loads(x) for x in store.to_jsonl(tmp_path / "out.jsonl").read_text().splitlines()]
    assert rows == [{"id": "0", "text": TEXTS[0], "entities": [{"start": 0, "end": 9, "label": "Chemical",
                                                                 "text": "Cisplatin"}], "relations": [], "qa": []}]


# ---------------------------------------------------------------- HTML


EVIL = "Dose <script>alert('x')</script> & <b>cisplatin</b>"


def test_format_functions_escape_the_document():
    rec = A.new_record(EVIL)
    s = EVIL.index("<b>")
    rec["entities"] = [A.make_entity(EVIL, s, len(EVIL), "Chemical", "model", 0.8)]
    rec["qa"] = [{"id": "q", "question": "<img src=x onerror=alert(1)>", "answers": [A._answer(EVIL, s, len(EVIL))]}]
    rec["relations"] = [{"head": A._bare(rec["entities"][0]), "tail": A._bare(rec["entities"][0]), "label": "<i>"}]
    for markup in (A.format_record(rec), A.format_annotatable(EVIL, rec["entities"]), A.format_qa(rec),
                   A.format_relations(rec)):
        assert "<script>" not in markup and "<b>cisplatin" not in markup and "<img" not in markup
        assert "&lt;" in markup and "&gt;" in markup
    assert "&lt;script&gt;" in A.format_record(rec) and "&lt;i&gt;" in A.format_relations(rec)
    assert "Chemical?" in A.format_record(rec)  # a pending suggestion is marked as such


def test_format_annotatable_maps_words_to_offsets_and_marks():
    text = TEXTS[1]
    s = text.index("breast")
    ents = [A.make_entity(text, s, s + 13, "Disease")]
    markup = A.format_annotatable(text, ents, selection=(0, 8), selected_entity=0)
    for tok, a, b in tokenize_with_offsets(text):
        assert f"data-s='{a}' data-e='{b}'" in markup
    assert markup.count("<mark") == 1 and "data-k='0'" in markup and "outline:3px" in markup
    assert markup.count("wb-sel") == 1  # "Patients"
    inside = markup.split("<mark")[1].split("</mark>")[0]
    assert "breast" in inside and "cancer" in inside and "received" not in inside


def test_format_progress():
    assert "<b>2</b> of 5 done" in A.format_progress(2, 5, index=0) and "Document <b>1</b>" in A.format_progress(2, 5, 0)


def test_join_tokens_gives_text_whose_words_are_the_tokens():
    tokens = ["Levels", "of", "IL-6", "(", "interleukin", ")", "rose", "by", "40", "%", "in", "the", "patient", "'s",
              "serum", "."]
    text, offsets = A.join_tokens(tokens)
    assert text == "Levels of IL-6 (interleukin) rose by 40% in the patient's serum."
    assert [text[s:e] for s, e in offsets] == tokens
    with pytest.raises(A.AnnotationError, match="token 1"):
        A.join_tokens(["a", "b c"])


def test_join_tokens_round_trips_the_project_ner_sample():
    from workbench.data import load_ner_sample
    for split in load_ner_sample().values():
        for tokens in split["tokens"]:
            text, _ = A.join_tokens(tokens)
            assert [t for t, _, _ in tokenize_with_offsets(text)] == tokens


def test_split_to_texts_gives_texts_and_gold_spans():
    from workbench.data import load_ner_sample
    split = load_ner_sample()["devel"]
    texts, gold = A.split_to_texts(split, max_rows=5)
    assert len(texts) == len(gold) == 5
    names = split.features["ner_tags"].feature.names
    for row, text, spans in zip(split.select(range(5)), texts, gold):
        n_gold = sum(names[t].startswith("B-") for t in row["ner_tags"])
        assert len(spans) == n_gold and all(text[s:e] and " " != text[s] for s, e, _ in spans)

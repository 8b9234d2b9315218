"""Bad-input cases for the Python API: loaders, the annotation store, text helpers, HTML, models."""
from __future__ import annotations

import contextlib
import json
import os
import stat

from corpus import NERD, RED, Case, O, Q, Result, run_api

TEXTS = ["Cisplatin caused nephrotoxicity in BRCA1 carriers.", "Patients with breast cancer received 5-fluorouracil.",
         "No adverse events were reported."]


def _err(id_, area, func, match, **kw):
    return Case(id_, area, lambda env: run_api(func, env), "error", match, **kw)


def _ok(id_, area, func, check, **kw):
    return Case(id_, area, lambda env: run_api(func, env), "ok", check=check, **kw)


def _store(env, name="ann.jsonl", texts=TEXTS):
    from workbench.annotations import AnnotationStore

    return AnnotationStore(env.tmp / name, texts)


def _value(check):
    return lambda res, env: check(res.value)


def _true(cond, detail=""):
    assert cond, detail


# ---------------------------------------------------------------- annotation store (data loss when wrong)


@contextlib.contextmanager
def disk_full(limit: int = 100):
    """Writing more than ``limit`` bytes to a file fails (EFBIG) as on a full disk: the file-size limit of
    this process (RLIMIT_FSIZE; its SIGXFSZ ignored). Works for root too, unlike a read-only folder."""
    import resource
    import signal

    old_limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, old_limit[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, old_limit)
        signal.signal(signal.SIGXFSZ, old_handler)


def _two_stores(env):
    from workbench.annotations import AnnotationStore

    path = env.tmp / "two.jsonl"
    a, b = AnnotationStore(path, TEXTS), AnnotationStore(path, TEXTS)
    a.add_entity(0, 0, 9, "Chemical")
    b.add_entity(1, 14, 27, "Disease")
    a.set_status(2, "done")
    return [json.loads(x) for x in path.read_text().splitlines()]


def _two_stores_same_doc(env):
    from workbench.annotations import AnnotationStore

    path = env.tmp / "same.jsonl"
    a, b = AnnotationStore(path, TEXTS), AnnotationStore(path, TEXTS)
    a.add_entity(0, 0, 9, "Chemical")
    b.set_status(0, "skipped")  # must be refused: b's copy of document 0 is stale


def _full_disk_rollback(env):
    from workbench.annotations import AnnotationStore

    path = env.tmp / "full.jsonl"
    st = AnnotationStore(path, TEXTS)
    before = path.read_bytes()
    with disk_full():
        try:
            st.add_entity(0, 0, 9, "Chemical")
        except OSError:
            pass
    return st, path.read_bytes() == before


def _widget_full_disk(env):
    from workbench.widgets import EntityAnnotator

    path = env.tmp / "widget.jsonl"
    ann = EntityAnnotator(TEXTS, ["Chemical"], store=path, selector="words")
    with disk_full():
        ann.select_words(0)
        try:
            ann.label_buttons["Chemical"].click()
        except OSError:  # before issue 18 the error died inside the widget callback
            pass
    return ann


def _symlinked_store(env):
    from workbench.annotations import AnnotationStore

    target = env.tmp / "drive" / "ann.jsonl"
    target.parent.mkdir(exist_ok=True)
    AnnotationStore(target, TEXTS)
    os.chmod(target, 0o644)
    link = env.tmp / "link.jsonl"
    if not link.is_symlink():
        link.symlink_to(target)
    AnnotationStore(link, TEXTS).add_entity(0, 0, 9, "Chemical")
    return link, target


def _export_full_disk(env):
    st = _store(env, "exp.jsonl")
    st.add_entity(0, 0, 9, "Chemical")
    st.set_status(0, "done")
    out = env.tmp / "exp" / "train.tsv"
    st.to_conll(out)
    before = out.read_bytes()
    st.add_entity(1, 14, 27, "Disease")
    st.set_status(1, "done")
    with disk_full():
        try:
            st.to_conll(out)
        except OSError:
            pass
    return out.read_bytes() == before and sorted(p.name for p in out.parent.iterdir()) == ["train.tsv"]


def store_cases() -> list[Case]:
    area = "annotation store"
    loss = dict(loss=True)
    return [
        _ok("store-two-stores-merge", area, _two_stores,
            _value(lambda recs: _true([len(r["entities"]) for r in recs] == [1, 1, 0] and recs[2]["status"] == "done",
                                      recs)), **loss),
        _err("store-two-stores-same-document", area, _two_stores_same_doc,
             r"document\(s\) \['0'\] were changed by another store.*NOT saved", loss=True),
        _ok("store-full-disk-rolls-back", area, _full_disk_rollback,
            _value(lambda v: _true(v[0][0]["entities"] == [] and v[1], "the failed change stayed in memory")), **loss),
        _ok("store-widget-shows-failed-save", area, _widget_full_disk,
            _value(lambda ann: _true("NOT SAVED" in ann.message.value and ann.entities == [], ann.message.value)),
            **loss),
        _ok("store-through-symlink", area, _symlinked_store,
            _value(lambda v: _true(v[0].is_symlink() and "Chemical" in v[1].read_text()
                                   and stat.S_IMODE(v[1].stat().st_mode) == 0o644, "link replaced or mode lost")),
            **loss),
        _ok("store-export-full-disk-keeps-old-file", area, _export_full_disk, _value(lambda v: _true(v)), **loss),
        _err("store-doc-index-99", area, lambda env: _store(env).add_entity(99, 0, 5, "Gene"),
             r"document index 99 out of range"),
        _err("store-doc-index-str", area, lambda env: _store(env).set_status("0", "done"), r"must be a whole number"),
        _err("store-span-reversed", area, lambda env: _store(env).add_entity(0, 9, 2, "Gene", snap=False),
             r"span \(9, 2\) is outside"),
        _err("store-span-whitespace", area, lambda env: _store(env, texts=["a   b"]).add_entity(0, 1, 4, "Gene"),
             r"covers no word"),
        _err("store-label-with-space", area, lambda env: _store(env).add_entity(0, 0, 9, "Rare disease"),
             r"'Rare disease' contains a space.*use e\.g\. 'Rare_disease'"),
        _err("store-label-with-tab", area, lambda env: _store(env).add_entity(0, 0, 9, "Gene\t"), r"contains a space, tab"),
        _err("store-label-empty", area, lambda env: _store(env).add_entity(0, 0, 9, ""), r"non-empty string"),
        _err("store-entity-index-99", area, lambda env: _store(env).remove_entity(0, 99), r"entity index 99 out of range"),
        _err("store-relabel-nothing", area, lambda env: _store(env).relabel(0, 0, "Gene"), r"entity index 0 out of range"),
        _err("store-relation-self", area, lambda env: _store(env).add_relation(0, 0, 0, "x"), r"two different entities"),
        _err("store-question-empty", area, lambda env: _store(env).add_question(0, "  "), r"the question is empty"),
        _err("store-status-bad", area, lambda env: _store(env).set_status(0, "finished"), r"status must be one of"),
        _err("store-texts-string", area, lambda env: _store(env, "s.jsonl", texts="one text"), r"got one string"),
        _err("store-texts-not-str", area, lambda env: _store(env, "n.jsonl", texts=[1, 2]), r"texts\[0\] is int"),
        _err("store-path-folder", area, lambda env: _store(env, "."), r"is a folder"),
        _err("store-reopen-other-text", area,
             lambda env: (_store(env, "re.jsonl"), _store(env, "re.jsonl", texts=["other"]))[1],
             r"re\.jsonl:1: document '0' is saved with a different text"),
        _err("store-file-bad-json", area, lambda env: _open(env, "ann_badjson.jsonl"), r"ann_badjson\.jsonl:2: not valid JSON"),
        _err("store-file-span", area, lambda env: _open(env, "ann_span.jsonl"), r"ann_span\.jsonl:1: span \(0, 99\)"),
        _err("store-file-text-mismatch", area, lambda env: _open(env, "ann_mismatch.jsonl"),
             r"ann_mismatch\.jsonl:1: entity text 'TP53' does not match"),
        _err("store-file-status", area, lambda env: _open(env, "ann_status.jsonl"), r"ann_status\.jsonl:1: status 'finished'"),
        _err("store-file-duplicate-ids", area, lambda env: _open(env, "ann_dupids.jsonl"), r"ids are not unique"),
        _err("store-file-latin1", area, lambda env: _open(env, "ann_latin1.jsonl"), r"ann_latin1\.jsonl:1: not UTF-8"),
        _ok("store-file-bom", area, lambda env: _open(env, "ann_bom.jsonl"),
            _value(lambda st: _true(st[0]["text"] == "BRCA1 mutations", st[0]))),
        _err("store-pre-annotate-length", area, lambda env: _store(env).pre_annotate([[]]),
             r"predictions: 1 lists for 3 documents"),
        _err("store-pre-annotate-span", area,
             lambda env: _store(env).pre_annotate([[{"start": 0, "end": 999, "label": "Gene"}], [], []]),
             r"predictions\[0\]: span \(0, 999\)"),
        _err("store-export-nothing-done", area, lambda env: _store(env).to_ner_folder(env.tmp / "nd"),
             r"nothing to export"),
        _err("store-export-dev-fraction", area, lambda env: _done(env).to_ner_folder(env.tmp / "df", dev_fraction=1.5),
             r"dev_fraction must be"),
        _err("store-export-label-with-space", area, _export_space_label, r"'Rare disease'.*relabel it before exporting"),
        _err("widget-label-with-space", area, _widget_space_label, r"'Rare disease' contains a space"),
    ]


def _open(env, name):
    import shutil

    from workbench.annotations import AnnotationStore

    copy = env.tmp / name
    shutil.copy(env.corpus / "other" / name, copy)
    return AnnotationStore(copy)


def _done(env):
    st = _store(env, "done.jsonl")
    st.add_entity(0, 0, 9, "Chemical")
    st.set_status(0, "done")
    return st


def _export_space_label(env):
    from workbench.annotations import AnnotationStore

    path = env.tmp / "space.jsonl"
    path.write_text(json.dumps({"id": "0", "text": "breast cancer", "status": "done",
                                "entities": [{"start": 0, "end": 13, "label": "Rare disease"}]}) + "\n")
    return AnnotationStore(path).to_conll(env.tmp / "space.tsv")


def _widget_space_label(env):
    from workbench.widgets import EntityAnnotator

    return EntityAnnotator(TEXTS, ["Rare disease"], store=None, selector="words")


# ---------------------------------------------------------------- loaders


def loader_cases() -> list[Case]:
    from workbench import data as D

    area = "loaders"
    return [
        _ok("read-conll-bom-and-trailing-spaces", area, lambda env: D.read_conll(NERD("ner_bom_trailing")(env) / "train.tsv"),
            _value(lambda s: _true(s[0].tokens == ["BRCA1", "mutations"] and s[0].tags == ["B-Gene", "O"], s))),
        _err("read-conll-folder", area, lambda env: D.read_conll(NERD("ner_nofiles")(env)), r"is a folder"),
        _err("read-conll-missing", area, lambda env: D.read_conll(env.tmp / "nope.tsv"), r"nope\.tsv: no such file"),
        _err("write-conll-tag-with-space", area,
             lambda env: D.write_conll([(["breast"], ["B-Rare disease"])], env.tmp / "w.tsv"), r"is not IOB2"),
        _err("write-conll-token-with-tab", area, lambda env: D.write_conll([(["a\tb"], ["O"])], env.tmp / "w.tsv"),
             r"contains a tab"),
        _err("write-conll-to-folder", area, lambda env: D.write_conll([(["a"], ["O"])], env.tmp), r"is a folder"),
        _err("load-ner-missing-folder", area, lambda env: D.load_ner_dataset(env.tmp / "nope"), r"nope: not a folder"),
        _ok("read-re-tsv-bom-header", area, lambda env: _re().read_re_tsv(RED("re_bom_header")(env) / "test.tsv"),
            _value(lambda rows: _true(len(rows) == 2 and rows[0]["label"] == "1", rows))),
        _err("load-re-label-only-in-test", area, lambda env: _re().load_re_dataset(RED("re_label2")(env)),
             r"test\.tsv:2: label '2' never occurs in train\.tsv"),
        _err("read-pairs-span", area, lambda env: _re().read_pairs_jsonl(O("pairs_span.jsonl")(env)),
             r"pairs_span\.jsonl:1: .*tail span \(6, 99\)"),
        _ok("load-squad-bom", area, lambda env: _qa().load_squad(Q("squad_bom.json")(env)),
            _value(lambda ds: _true(len(ds) == 1 and ds[0]["answers"]["text"] == ["ABL1"], ds))),
        _err("load-squad-missing-answers", area, lambda env: _qa().load_squad(Q("squad_missing_answers.json")(env)),
             r"question q2 has no answers"),
        _ok("load-glossary-bom", area, lambda env: _tr().load_glossary(O("gloss_bom.tsv")(env)),
            _value(lambda g: _true(list(g.terms) == ["顺铂"] and g.terms["顺铂"].label == "Drug", g.terms))),
        _err("load-glossary-type-conflict", area, lambda env: _tr().load_glossary(O("gloss_type_conflict.tsv")(env)),
             r"has type 'Gene' here but 'Drug'"),
        _err("read-jsonl-folder", area, lambda env: D.read_jsonl(env.tmp), r"is a folder"),
        _err("read-meta-bad", area, lambda env: _models().read_meta(env.models / "bad_meta"),
             r"bad_meta/workbench_model\.json: not valid JSON"),
        _err("load-tagger-re-folder", area, lambda env: _ner().load_tagger(env.models / "re", device="cpu"),
             r"holds a relation classification model, not a NER"),
        _err("relation-classifier-ner-folder", area,
             lambda env: _re().RelationClassifier.from_pretrained(env.models / "ner", device="cpu"),
             r"holds a NER \(token classification\) model, not a relation classification"),
        _err("load-model-typo", area, lambda env: _models().load_model("biobret"), r"unknown model 'biobret'"),
        _err("resolve-empty-name", area, lambda env: _models().resolve(" "), r"model name must be"),
    ]


def _re():
    from workbench import relations

    return relations


def _qa():
    from workbench import qa

    return qa


def _tr():
    from workbench import translate

    return translate


def _models():
    from workbench import models

    return models


def _ner():
    from workbench import ner

    return ner


# ---------------------------------------------------------------- text and HTML


def text_cases() -> list[Case]:
    from workbench import text as X
    from workbench import viz

    area = "text and HTML"
    words = lambda s: [w for w, _, _ in X.tokenize_with_offsets(s)]  # noqa: E731
    return [
        _ok("words-nfd", area, lambda env: words("Ce\u0301liac disease"),
            _value(lambda w: _true(w == ["Ce\u0301liac", "disease"], w))),
        _ok("words-zwj", area, lambda env: words("Dev\u200danagari x"), _value(lambda w: _true(w == ["Dev\u200danagari", "x"], w))),
        _ok("words-hindi", area, lambda env: words("हिन्दी भाषा"), _value(lambda w: _true(len(w) == 2, w))),
        _ok("words-bom-not-a-token", area, lambda env: words("\ufeffBRCA1 x"), _value(lambda w: _true(w == ["BRCA1", "x"], w))),
        _ok("lines-formfeed-u2028", area, lambda env: X.split_lines("a\fb\u2028c\x1cd\r\ne"),
            _value(lambda v: _true([n for n, _, _ in v] == [1, 2] and v[0][1:] == (0, 7), v))),
        _err("viz-colour-injection", area,
             lambda env: viz.format_spans("BRCA1", [(0, 5, "Gene")], colors={"Gene": "red' onmouseover='alert(1)"}),
             r"is not a CSS colour"),
        _err("annotatable-colour-injection", area, lambda env: _display().format_annotatable(
            "BRCA1", [{"start": 0, "end": 5, "label": "Gene"}], colors={"Gene": "x;background:url(evil)"}),
             r"is not a CSS colour"),
        _ok("viz-script-escaped", area, lambda env: viz.format_spans("<script>x</script> BRCA1", [(19, 24, "<b>")]),
            _value(lambda h: _true("<script>" not in h and "<b>" not in h and "&lt;script&gt;" in h, h))),
        _err("as-span-too-short", area, lambda env: X.as_span((1,)), r"a span needs at least"),
        _err("span-to-tags-mid-word", area, lambda env: X.spans_to_tags([(0, 5), (6, 9)], [(1, 4, "Gene")]),
             r"does not start/end on token boundaries"),
    ]


def _display():
    from workbench import annotations

    return annotations


def cases() -> list[Case]:
    return store_cases() + loader_cases() + text_cases()


__all__ = ["cases", "Result"]

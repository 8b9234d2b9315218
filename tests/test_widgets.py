"""workbench.widgets, driven headlessly: buttons are .click()ed, the text view gets the same
messages its JavaScript sends, and the stored JSONL and exports are checked."""
import json

import pytest

from workbench import annotations as A
from workbench import widgets as Wg
from workbench.data import load_ner_dataset, read_conll

TEXTS = [
    "Cisplatin caused nephrotoxicity in BRCA1 carriers.",
    "Patients with breast cancer received 5-fluorouracil.",
    "Dose <script>alert(1)</script> given.",
]
LABELS = ["Disease", "Chemical", "Gene"]


def stored(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def ents(rows, i):
    return [(e["text"], e["label"], e["status"]) for e in rows[i]["entities"]]


def browser(widget, **msg):
    """Send what the TextView JavaScript sends on a mouse or key event."""
    widget.view._handle_custom_msg(msg, [])


@pytest.fixture
def ann(tmp_path):
    return Wg.EntityAnnotator(TEXTS, LABELS, store=tmp_path / "ann.jsonl")


def test_uses_the_anywidget_text_view_and_escapes_the_text(ann):
    assert ann.selector == "mouse" and isinstance(ann.view, Wg.TextView)
    ann.go(2)
    assert "<script" not in ann.view.html and "&lt;</span><span" in ann.view.html and ">script<" in ann.view.html
    assert "<b>1</b> of 3" not in ann.progress.value and "Document <b>3</b> of 3" in ann.progress.value


def test_label_by_words_and_buttons_saves_char_spans(ann, tmp_path):
    ann.select_words(2)
    ann.label_buttons["Disease"].click()
    ann.select_words(4)
    ann.label_buttons["Gene"].click()
    rows = stored(tmp_path / "ann.jsonl")
    assert ents(rows, 0) == [("nephrotoxicity", "Disease", "accepted"), ("BRCA1", "Gene", "accepted")]
    e = rows[0]["entities"][1]
    assert TEXTS[0][e["start"]:e["end"]] == "BRCA1"
    assert ann.selection is None and "BRCA1" in ann.message.value


def test_a_sloppy_mouse_drag_snaps_to_words_and_a_key_labels_it(ann, tmp_path):
    ann.go(1)
    t = TEXTS[1]
    browser(ann, type="select", start=t.index("reast"), end=t.index("canc") + 2)
    assert ann.selection == (t.index("breast"), t.index("cancer") + 6)
    assert ann.view.html.count("wb-sel") == 2
    browser(ann, type="key", key="1", ctrl=False)  # 1 = Disease
    assert ents(stored(tmp_path / "ann.jsonl"), 1) == [("breast cancer", "Disease", "accepted")]
    browser(ann, type="key", key="Escape", ctrl=False)
    browser(ann, type="key", key="q", ctrl=False)  # not a shortcut: nothing happens
    assert ann.index == 1 and len(stored(tmp_path / "ann.jsonl")[1]["entities"]) == 1


def test_click_word_shift_click_extends_then_key_labels(ann, tmp_path):
    ann.next_button.click()
    assert ann.index == 1
    browser(ann, type="word", i=2, extend=False)   # "breast"
    browser(ann, type="word", i=3, extend=True)    # shift-click "cancer"
    browser(ann, type="key", key="1", ctrl=False)  # 1 = Disease
    browser(ann, type="word", i=5, extend=False)
    browser(ann, type="key", key="2", ctrl=False)  # 2 = Chemical
    assert ents(stored(tmp_path / "ann.jsonl"), 1) == [("breast cancer", "Disease", "accepted"),
                                                      ("5-fluorouracil", "Chemical", "accepted")]
    browser(ann, type="key", key="Enter", ctrl=False)  # done -> next to do (document 2)
    rows = stored(tmp_path / "ann.jsonl")
    assert rows[1]["status"] == "done" and ann.index == 2
    browser(ann, type="key", key="ArrowLeft", ctrl=False)
    assert ann.index == 1
    browser(ann, type="key", key="z", ctrl=True)  # ctrl+z: undo the "done"
    assert stored(tmp_path / "ann.jsonl")[1]["status"] == "todo"


def test_entity_click_then_label_relabels_and_x_removes(ann, tmp_path):
    ann.add(0, 9, "Disease")  # wrong label
    browser(ann, type="entity", k=0)
    assert ann.selected_entity == 0 and "outline:3px" in ann.view.html
    ann.label_buttons["Chemical"].click()
    assert ents(stored(tmp_path / "ann.jsonl"), 0) == [("Cisplatin", "Chemical", "accepted")]
    browser(ann, type="entity", k=0)
    browser(ann, type="key", key="x", ctrl=False)
    assert ents(stored(tmp_path / "ann.jsonl"), 0) == []
    ann.undo_button.click()
    assert ents(stored(tmp_path / "ann.jsonl"), 0) == [("Cisplatin", "Chemical", "accepted")]


def test_ui_errors_are_shown_not_raised(ann, tmp_path):
    ann.label_buttons["Gene"].click()  # nothing selected
    assert "select some words first" in ann.message.value
    browser(ann, type="select", start=50, end=50)
    assert "covers no word" in ann.message.value
    assert stored(tmp_path / "ann.jsonl")[0]["entities"] == []
    with pytest.raises(A.AnnotationError, match="unknown label"):
        ann.select_words(0)
        ann.label("Protein")


def test_pre_annotations_accept_reject_edit_and_done(tmp_path):
    t = TEXTS[0]
    preds = [[{"start": 0, "end": 9, "label": "Chemical", "score": 0.93},
              {"start": t.index("nephro"), "end": t.index(" in"), "label": "Gene", "score": 0.41},
              {"start": t.index("carriers"), "end": t.index("carriers") + 8, "label": "Disease", "score": 0.3}],
             [{"start": 14, "end": 27, "label": "Disease", "score": 0.88}], []]
    ann = Wg.EntityAnnotator(TEXTS, LABELS, store=tmp_path / "ann.jsonl", pre_annotations=preds)
    assert "Gene?" in ann.view.html and "dashed" in ann.view.html  # suggestions look different
    rows = ann.entity_list.children
    assert len(rows) == 3
    rows[0].children[0].click()                 # ✓ accept Cisplatin
    ann.entity_list.children[2].children[1].click()  # ✗ reject "carriers"
    ann.relabel(1, "Disease")                   # edit: nephrotoxicity is a Disease
    assert ents(stored(tmp_path / "ann.jsonl"), 0) == [("Cisplatin", "Chemical", "accepted"),
                                                      ("nephrotoxicity", "Disease", "accepted")]
    ann.done_button.click()
    assert ann.index == 1
    ann.accept_button.click()                   # accept all suggestions of document 1
    assert ents(stored(tmp_path / "ann.jsonl"), 1) == [("breast cancer", "Disease", "accepted")]
    ann.done_button.click()
    ann.skip_button.click()
    assert ann.store.progress() == (3, 3) and "All 3 documents are done" in ann.message.value
    # exports load for training through workbench.data
    folder = ann.store.to_ner_folder(tmp_path / "ner")
    ds = load_ner_dataset(folder)
    assert ds["train"].num_rows == 2  # the skipped document is not exported
    tags = [s.tags for s in read_conll(folder / "train.tsv")]
    assert tags[0][:3] == ["B-Chemical", "O", "B-Disease"] and tags[1][2:4] == ["B-Disease", "I-Disease"]


def test_pre_annotations_from_a_tagger_callable(tmp_path):
    def tagger(texts):
        return [[{"start": 0, "end": 9, "label": "Chemical", "score": 0.9}] if t.startswith("Cis") else []
                for t in texts]
    ann = Wg.EntityAnnotator(TEXTS, LABELS, store=tmp_path / "a.jsonl", pre_annotations=tagger)
    assert ents(stored(tmp_path / "a.jsonl"), 0) == [("Cisplatin", "Chemical", "pending")]
    browser(ann, type="key", key="a", ctrl=False)
    assert ents(stored(tmp_path / "a.jsonl"), 0) == [("Cisplatin", "Chemical", "accepted")]


def test_reopening_resumes_where_the_user_stopped(tmp_path):
    path = tmp_path / "ann.jsonl"
    first = Wg.EntityAnnotator(TEXTS, LABELS, store=path)
    first.add(0, 9, "Chemical")
    first.done_button.click()
    first.select_words(2, 3)
    first.label_buttons["Disease"].click()  # document 1, not done yet
    again = Wg.EntityAnnotator(TEXTS, LABELS, store=path, pre_annotations=[[{"start": 0, "end": 4, "label": "Gene"}]] * 3)
    assert again.index == 1
    assert ents(stored(path), 0) == [("Cisplatin", "Chemical", "accepted")]  # done: not overwritten
    assert ents(stored(path), 1) == [("breast cancer", "Disease", "accepted")]  # human work kept
    assert ents(stored(path), 2) == [("Dose", "Gene", "pending")]


def test_word_button_fallback(tmp_path):
    ann = Wg.EntityAnnotator(TEXTS, LABELS, store=tmp_path / "w.jsonl", selector="words")
    assert ann.selector == "words"
    buttons = ann.word_box.children
    assert [b.description for b in buttons][:3] == ["Cisplatin", "caused", "nephrotoxicity"]
    ann.word_box.children[4].click()      # BRCA1: first click selects
    ann.word_box.children[5].click()      # second click stretches to "carriers"
    ann.label_buttons["Gene"].click()
    assert ents(stored(tmp_path / "w.jsonl"), 0) == [("BRCA1 carriers", "Gene", "accepted")]
    assert ann.word_box.children[4].style.button_color == ann.colors["Gene"]
    ann.go(2)
    assert "<script>" not in ann.view.value  # escaped here too
    ann.press("Escape")


def test_bad_arguments():
    with pytest.raises(ValueError, match="labels"):
        Wg.EntityAnnotator(TEXTS, [], store=None)
    with pytest.raises(ValueError, match="at most 9"):
        Wg.EntityAnnotator(TEXTS, [f"L{i}" for i in range(10)], store=None)
    with pytest.raises(ValueError, match="selector"):
        Wg.EntityAnnotator(TEXTS, LABELS, store=None, selector="laser")
    with pytest.raises(ValueError, match="nothing to annotate"):
        Wg.EntityAnnotator([], LABELS, store=None)


# ---------------------------------------------------------------- relations


def test_relation_annotator_click_two_entities_then_type(tmp_path):
    t = TEXTS[0]
    entities = [[(0, 9, "Chemical"), (t.index("nephro"), t.index(" in"), "Disease"),
                 (t.index("BRCA1"), t.index("BRCA1") + 5, "Gene")], [], []]
    rel = Wg.RelationAnnotator(TEXTS, ["causes", "treats"], entities=entities, store=tmp_path / "rel.jsonl")
    assert [o[1] for o in rel.head.options] == [0, 1, 2]
    browser(rel, type="entity", k=0)  # head
    browser(rel, type="entity", k=1)  # tail
    assert (rel.head.value, rel.tail.value) == (0, 1)
    rel.relation_buttons["causes"].click()
    rel.pick(2, 1)
    browser(rel, type="key", key="2", ctrl=False)  # 2 = treats
    rows = stored(tmp_path / "rel.jsonl")
    got = [(r["head"]["text"], r["label"], r["tail"]["text"]) for r in rows[0]["relations"]]
    assert got == [("Cisplatin", "causes", "nephrotoxicity"), ("BRCA1", "treats", "nephrotoxicity")]
    rel.relation_list.children[1].children[0].click()  # ✗ the second one
    rel.done_button.click()
    rows = A.AnnotationStore(tmp_path / "rel.jsonl")
    pairs = rows.to_relations_jsonl(tmp_path / "pairs.jsonl")
    from workbench.relations import read_pairs_jsonl
    labels = sorted(r["label"] for r in read_pairs_jsonl(pairs))
    assert labels == ["0"] * 4 + ["causes"]
    with pytest.raises(A.AnnotationError, match="unknown relation"):
        rel.relate("inhibits")


# ---------------------------------------------------------------- question answering


def test_qa_annotator_question_and_answer_to_squad(tmp_path):
    qa = Wg.QAAnnotator(TEXTS[:2], store=tmp_path / "qa.jsonl")
    qa.question.value = "What caused nephrotoxicity?"
    browser(qa, type="select", start=1, end=5)  # part of "Cisplatin"
    qa.add_button.click()
    qa.question.value = "How many patients?"
    qa.no_answer_button.click()
    qa.add_button.click()  # empty question, no selection: shown, not raised
    assert "select the answer" in qa.message.value or "question is empty" in qa.message.value
    qa.done_button.click()
    qa.ask("Which drug did the patients receive?", *A.words_to_span(TEXTS[1], 5))
    qa.done_button.click()
    rows = stored(tmp_path / "qa.jsonl")
    assert [q["question"] for q in rows[0]["qa"]] == ["What caused nephrotoxicity?", "How many patients?"]
    assert rows[0]["qa"][0]["answers"][0]["text"] == "Cisplatin"
    assert "A1" in qa.view.html  # answers are highlighted
    squad = qa.store.to_squad(tmp_path / "qa.json")
    from workbench.qa import load_squad
    ds = load_squad(tmp_path / "qa.json")
    answers = {r["question"]: r["answers"]["text"] for r in ds}
    assert answers == {"What caused nephrotoxicity?": ["Cisplatin"], "How many patients?": [],
                       "Which drug did the patients receive?": ["5-fluorouracil"]}
    assert squad["data"][0]["paragraphs"][0]["context"] == TEXTS[0]

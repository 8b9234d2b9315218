"""workbench.usecases_real: the ADE corpus reader, PubMed-ID split, span matching, overlap resolution and the
three-level ADE measure -- on small synthetic cases with answers worked out by hand -- and, on the real
corpora (``realdata``), the cached taggers and classifiers of notebook 05 measured against the issue's targets.

The synthetic sentences use invented drug and reaction names (zorbanib, quellitol, "Vantry rash"): they state
no biomedical fact.
"""
from pathlib import Path

import pytest

from workbench import usecases_real as UR
from workbench.taggers import DictionaryTagger, combine_taggers

ROOT = Path(__file__).resolve().parent.parent


def write_ade(folder: Path, rel_lines, neg_lines):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "DRUG-AE.rel").write_text("\n".join(rel_lines) + "\n", encoding="utf-8")
    (folder / "ADE-NEG.txt").write_text("\n".join(neg_lines) + "\n", encoding="utf-8")
    return folder


S1 = "Zorbanib-induced Vantry rash and hepatitis after quellitol."
S2 = "A patient on quellitol for gout developed a Vantry rash."


@pytest.fixture()
def ade_folder(tmp_path):
    return write_ade(tmp_path / "ade_half", [
        # offsets are abstract-level in the corpus: the reader must ignore them and find the text
        f"11|{S1}|Vantry rash|900|911|Zorbanib|880|888",
        f"11|{S1}|hepatitis|916|925|quellitol|932|941",
        f"12|{S2}|Vantry rash|40|51|quellitol|13|22",
        f"12|{S2}|Vantry rash|40|51|quellitol|13|22",  # a repeated row counts once
        f"13|A short sentence.|nausea|1|7|zorbanib|9|17",  # neither mention is in the sentence
    ], ["12 NEG Quellitol was stopped and the Vantry rash resolved.", "14 NEG No reaction was seen."])


def test_locate_prefers_whole_words_and_the_same_case():
    text = "Dosing of Aspirin; aspirin-like drugs; ASPIRIN."
    assert UR.locate(text, "aspirin") == (19, 26)  # whole word (hyphen ends the word), same case
    assert UR.locate(text, "Aspirin") == (10, 17)
    assert UR.locate("aspirinate", "aspirin") == (0, 7)  # substring only as a last resort
    assert UR.locate("nothing here", "aspirin") is None and UR.locate("x", " ") is None


def test_read_ade_merges_relations_and_locates_mentions_by_text(ade_folder):
    sentences = UR.read_ade(ade_folder)
    assert [(s.pmid, s.has_ade) for s in sentences] == [("11", True), ("12", True), ("13", False), ("12", False),
                                                         ("14", False)]
    s1, s2, s3 = sentences[:3]
    zorb, rash = UR.locate(S1, "Zorbanib"), UR.locate(S1, "Vantry rash")
    assert S1[zorb[0]:zorb[1]] == "Zorbanib" and S1[rash[0]:rash[1]] == "Vantry rash"
    assert s1.pairs == [(zorb, rash), (UR.locate(S1, "quellitol"), UR.locate(S1, "hepatitis"))]
    assert len(s1.drugs) == 2 and len(s1.effects) == 2
    assert len(s2.pairs) == 1 and s3.unlocated == 2 and s3.pairs == []


def test_read_ade_names_the_bad_line(tmp_path):
    folder = write_ade(tmp_path / "bad", ["11|a sentence|x|1|2"], [])
    with pytest.raises(Exception, match=r"DRUG-AE.rel:1: expected 8"):
        UR.read_ade(folder)
    folder = write_ade(tmp_path / "bad2", [], ["11 POS a sentence"])
    with pytest.raises(Exception, match=r"ADE-NEG.txt:1: expected 'PubMed-ID NEG sentence'"):
        UR.read_ade(folder)


def test_split_by_pmid_keeps_each_pmid_on_one_side_and_is_stable():
    items = [(str(p), k) for p in range(1000) for k in range(3)]
    train, test = UR.split_by_pmid(items, 0.2, pmid=lambda x: x[0])
    assert not {p for p, _ in train} & {p for p, _ in test}
    assert 0.15 < len(test) / len(items) < 0.25
    again = UR.split_by_pmid(list(reversed(items)), 0.2, pmid=lambda x: x[0])[1]
    assert sorted(again) == sorted(test)  # order does not matter
    other = UR.split_by_pmid(items, 0.2, pmid=lambda x: x[0], salt="devel")[1]
    assert other and set(other) != set(test)
    with pytest.raises(ValueError, match="between 0 and 1"):
        UR.split_by_pmid(items, 1.0)


def test_pair_scores_exact_and_overlapping_spans_one_to_one():
    gold = [[((0, 8), (17, 28))], [((13, 22), (44, 55))], []]
    pred = [[((0, 16), (17, 28))],                        # drug span too long: overlap only
            [((13, 22), (44, 55)), ((13, 22), (44, 50))],  # exact, plus a second overlapping the same gold pair
            [((0, 3), (5, 9))]]                           # a false positive
    exact, overlap = UR.pair_scores(pred, gold), UR.pair_scores(pred, gold, overlap=True)
    assert (exact["matched"], exact["predicted"], exact["gold"]) == (1, 4, 2)
    assert exact["precision"] == 0.25 and exact["recall"] == 0.5
    assert overlap["matched"] == 2 and overlap["precision"] == 0.5 and overlap["recall"] == 1.0
    assert overlap["f1"] == round(2 * 0.5 * 1.0 / 1.5, 3)
    with pytest.raises(ValueError, match="2 predicted lists for 3"):
        UR.pair_scores(pred[:2], gold)


def test_combine_taggers_longest_mention_wins_across_types():
    genes = DictionaryTagger({"Gene": ["QRT1"]})
    diseases = DictionaryTagger({"Disease": ["QRT1 linked Vantry syndrome"]})
    text = ["QRT1 linked Vantry syndrome and QRT1."]
    first = combine_taggers(genes, diseases, names=["genes", "diseases"])(text)[0]
    longest = combine_taggers(genes, diseases, names=["genes", "diseases"], resolve="longest")(text)[0]
    assert [(e["text"], e["label"]) for e in first] == [("QRT1", "Gene"), ("QRT1", "Gene")]  # the disease is lost
    assert [(e["text"], e["source"]) for e in longest] == [("QRT1 linked Vantry syndrome", "diseases"),
                                                           ("QRT1", "genes")]

    def scored(label, score):
        return lambda texts: [[{"start": 0, "end": 4, "label": label, "text": t[:4], "score": score}] for t in texts]

    assert combine_taggers(scored("Gene", 0.6), scored("Disease", 0.9), resolve="longest")(["QRT1"])[0][0]["label"] \
        == "Disease"  # same length: the higher score
    with pytest.raises(ValueError, match="resolve must be"):
        combine_taggers(genes, resolve="biggest")


def test_ner_dataset_and_relation_pairs_from_ade_sentences(ade_folder):
    sentences = UR.read_ade(ade_folder)
    assert sum(map(len, UR.ade_ner_dataset(sentences, negatives=0.0).values())) == 2  # positive sentences only
    data = UR.ade_ner_dataset(sentences, dev_fraction=0.5, negatives=1.0)
    rows = list(data["train"]) + list(data["devel"])
    assert len(rows) == 4  # and as many negative sentences, tagged O
    assert sum(all(t == 0 for t in r["ner_tags"]) for r in rows) == 2
    names = data["train"].features["ner_tags"].feature.names
    first = next(r for r in rows if r["tokens"][0] == "Zorbanib-induced")
    tags = [names[t] for t in first["ner_tags"]]
    assert tags[:4] == ["B-Chemical", "B-Disease", "I-Disease", "O"]  # the hyphenated word carries the drug
    pairs = UR.ade_pairs(sentences, UR.ade_names(sentences[:2]))
    labelled = {(p["pmid"], p["sentence"]): p["label"] for p in pairs}
    assert labelled[("11", "@CHEMICAL$-induced @DISEASE$ and hepatitis after quellitol.")] == "1"
    assert labelled[("11", "@CHEMICAL$-induced Vantry rash and @DISEASE$ after quellitol.")] == "0"  # not annotated
    assert labelled[("12", "@CHEMICAL$ was stopped and the @DISEASE$ resolved.")] == "0"  # an ADE-NEG sentence
    assert sum(p["label"] == "1" for p in pairs) == 3 and not any(p["pmid"] == "14" for p in pairs)


class FakeADEClassifier:
    """ADE when the drug mask comes before the event mask."""

    style, negative = "mask", "0"

    def __call__(self, sentences):
        return [{"label": "1" if s.index("@CHEMICAL$") < s.index("@DISEASE$") else "0", "score": 0.9}
                for s in sentences]


def test_evaluate_ade_three_levels_by_hand(ade_folder):
    sentences = UR.read_ade(ade_folder)
    ner = DictionaryTagger({"Chemical": ["Zorbanib-induced", "quellitol"], "Disease": ["Vantry rash", "gout"]})
    result = UR.evaluate_ade(sentences, ner, FakeADEClassifier())
    rows = {r["level"]: r for r in result["rows"]}
    # S1: ("Zorbanib-induced", Vantry rash) called ADE: the drug span is too long (overlap, not exact);
    #     quellitol comes after the rash: not called; hepatitis is not tagged.
    # S2: (quellitol, gout) and (quellitol, Vantry rash) both called ADE: one right, one wrong.
    # NEG 12: (Quellitol, Vantry rash) called ADE: a false sentence and a false pair.
    sentence = rows["sentence (contains an ADE)"]
    assert (sentence["predicted"], sentence["matched"], sentence["gold"]) == (3, 2, 2)
    exact, overlap = rows["pair, exact spans"], rows["pair, overlapping spans"]
    assert (exact["predicted"], exact["matched"], exact["gold"]) == (4, 1, 3)
    assert (overlap["predicted"], overlap["matched"], overlap["gold"]) == (4, 2, 3)
    drugs, effects = result["rows"][3], result["rows"][4]
    assert (drugs["matched"], drugs["gold"], drugs["recall_overlap"]) == (2, 3, 1.0)  # Zorbanib only overlaps
    assert (effects["matched"], effects["gold"], effects["recall_overlap"]) == (2, 3, 0.667)  # hepatitis missed
    assert result["sentences"] == 5 and result["with_ade"] == 2
    assert list(UR.ade_table(result).index)[0] == "sentence (contains an ADE)"


class ScoredADEClassifier(FakeADEClassifier):
    """As :class:`FakeADEClassifier`, sure (0.9) in sentences that say "developed" or "after", unsure (0.6) elsewhere."""

    def __call__(self, sentences):
        return [{**r, "score": 0.9 if ("developed" in s or "after" in s) else 0.6}
                for r, s in zip(super().__call__(sentences), sentences)]


def test_choose_threshold_trades_recall_for_precision_by_hand(ade_folder):
    sentences = UR.read_ade(ade_folder)
    ner = DictionaryTagger({"Chemical": ["Zorbanib-induced", "quellitol"], "Disease": ["Vantry rash", "gout"]})
    clf = ScoredADEClassifier()
    chosen = UR.choose_threshold(sentences, ner, clf)
    # at 0.5-0.6 the NEG sentence's unsure pair is called an ADE: sentence F1 0.8, overlapping-pair F1 0.571;
    # from 0.65 on only the sure pairs of S1 and S2 remain: sentence F1 1.0, pair F1 0.667 (2 of 3 right);
    # above 0.9 nothing is called an ADE
    grid = {g["min_score"]: (g["sentence_f1"], g["pair_f1"]) for g in chosen["grid"]}
    assert grid[0.5] == grid[0.6] == (0.8, 0.571) and grid[0.65] == grid[0.9] == (1.0, 0.667)
    assert grid[0.95] == (0.0, 0.0)
    assert chosen["min_score"] == 0.65 and chosen["sentences"] == 5  # the lowest of the best
    clf.min_score = chosen["min_score"]
    result = UR.evaluate_ade(sentences, ner, clf)  # the classifier's own threshold is the default
    assert result["min_score"] == 0.65 and result["rows"][0]["predicted"] == 2
    assert UR.evaluate_ade(sentences, ner, clf, min_score=0.5)["rows"][0]["predicted"] == 3



class DoubtingScreen:
    """A sentence screen that doubts (P 0.3) sentences saying "stopped" and trusts (P 0.9) the rest."""

    labels, negative = ["0", "1"], "0"

    def __call__(self, sentences):
        return [{"label": "0", "score": 0.7} if "stopped" in s else {"label": "1", "score": 0.9} for s in sentences]


def test_thresholds_chosen_together_with_a_sentence_screen_by_hand(ade_folder, tmp_path):
    import types

    from workbench.models import write_meta

    sentences = UR.read_ade(ade_folder)
    ner = DictionaryTagger({"Chemical": ["Zorbanib-induced", "quellitol"], "Disease": ["Vantry rash", "gout"]})
    clf, screen = ScoredADEClassifier(), DoubtingScreen()
    chosen = UR.choose_threshold(sentences, ner, clf, screen=screen)
    # the NEG sentence ("Quellitol was stopped ...") is the only one the screen doubts (0.3): from a sentence
    # threshold of 0.35 its unsure pair is vetoed, so the lowest pair threshold already gives sentence F1 1.0 and
    # pair F1 0.667; without the screen that took min_score 0.65
    grid = {(g["min_score"], g["min_sentence_score"]): (g["sentence_f1"], g["pair_f1"]) for g in chosen["grid"]}
    assert len(grid) == len(UR.ade.THRESHOLDS) * len(UR.ade.SENTENCE_THRESHOLDS)
    assert grid[(0.1, 0.3)] == (0.8, 0.571) and grid[(0.1, 0.35)] == grid[(0.6, 0.9)] == (1.0, 0.667)
    assert grid[(0.1, 0.95)] == (0.0, 0.0)
    assert (chosen["min_score"], chosen["min_sentence_score"]) == (0.1, 0.35)

    # saved with the classifier, they are what evaluate_ade uses with and without the screen
    folder = tmp_path / "ade-model"
    write_meta(folder, {"threshold": {"min_score": 0.65, "screened": {"min_score": 0.1, "min_sentence_score": 0.35}}})
    saved = types.SimpleNamespace(folder=folder, min_score=None)  # as RelationClassifier.from_pretrained sets them
    assert UR.chosen_thresholds(saved) == {"min_score": 0.65}
    assert UR.chosen_thresholds(saved, screened=True) == {"min_score": 0.1, "min_sentence_score": 0.35}
    assert UR.chosen_thresholds(object(), screened=True) == {"min_score": 0.5, "min_sentence_score": 0.5}
    clf.folder = folder
    screened = UR.evaluate_ade(sentences, ner, clf, screen=screen)
    assert (screened["min_score"], screened["min_sentence_score"]) == (0.1, 0.35)
    assert screened["rows"][0]["predicted"] == 2 and screened["rows"][2]["f1"] == 0.667
    assert screened["events"].p_sentence.notna().all()
    alone = UR.evaluate_ade(sentences, ner, clf)
    assert alone["min_score"] == 0.65 and alone["min_sentence_score"] is None and alone["rows"][0]["predicted"] == 2
    assert UR.evaluate_ade(sentences, ner, clf, screen=screen, min_sentence_score=0.25)["rows"][0]["predicted"] == 3


def test_sentence_dataset_labels_whole_sentences_and_splits_by_pmid():
    text = "Zorbanib caused a Vantry rash."
    drug, rash = UR.locate(text, "Zorbanib"), UR.locate(text, "Vantry rash")
    sentences = [UR.ADESentence(str(p), text, [drug], [rash], [(drug, rash)]) for p in range(40)]
    sentences += [UR.ADESentence(str(p), "Quellitol was given.") for p in range(40)]
    data = UR.ade_sentence_dataset(sentences)
    assert data["train"].features["label"].names == ["0", "1"]
    for split in ("train", "test"):
        rows = list(data[split])
        assert {(r["sentence"], r["label"]) for r in rows} == {(text, 1), ("Quellitol was given.", 0)}
    assert set(data["train"]["pmid"]).isdisjoint(data["test"]["pmid"]) and len(data["test"]) > 0
    assert set(data["test"]["pmid"]) == {s.pmid for s in UR.split_by_pmid(sentences)[1]}


def test_relation_dataset_takes_hard_negatives_from_the_tagger(tmp_path):
    folder = write_ade(tmp_path / "ade_half", [f"11|{S1}|Vantry rash|1|2|Zorbanib|3|4"],
                       ["15 NEG Brivotane was given for Kellar fever.", "16 NEG Quellitol alone."])
    sentences = UR.read_ade(folder)
    tagger = DictionaryTagger({"Chemical": ["Brivotane", "Zorbanib"], "Disease": ["Kellar fever", "Vantry rash"]})
    plain = UR.ade_relation_dataset(sentences, test_fraction=0.01, balance=False)
    hard = UR.ade_relation_dataset(sentences, test_fraction=0.01, balance=False, tagger=tagger)
    assert set(plain["train"]["pmid"]) == {"11"}  # the training names (Zorbanib, Vantry rash) miss PMID 15
    added = [(r["sentence"], r["label"], r["pmid"]) for r in hard["train"] if r["pmid"] == "15"]
    assert added == [("@CHEMICAL$ was given for @DISEASE$.", 0, "15")]
    assert len(hard["train"]) == len(plain["train"]) + 1  # the positive sentence's pairs are not doubled
    assert list(hard["test"]) == list(plain["test"])  # the test split keeps the dictionary's negatives only


def test_real_tagger_without_corpora_is_the_dictionary_and_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WORKBENCH_SHARED_DATA", str(tmp_path / "none"))
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("WORKBENCH_OFFLINE", "1")
    tagger = UR.real_tagger([("ade_half", ("Chemical", "Disease")), ("bc2gm", ("Gene",))])
    assert "lexicon only" in tagger.description
    out = capsys.readouterr().out
    assert "ade_half tagger not available" in out and "bc2gm tagger not available" in out
    assert [e["label"] for e in tagger(["BRCA1 in breast cancer"])[0]] == ["Gene", "Disease"]
    assert UR.real_sentences(["ncbi_disease"]) == [] and "not on this machine" in capsys.readouterr().out


# ---------------------------------------------------------------- the real corpora


@pytest.mark.realdata
def test_read_ade_on_the_shared_half(shared_data):
    sentences = UR.read_ade()
    positive = [s for s in sentences if s.has_ade]
    assert len(positive) == 2088 and len(sentences) - len(positive) == 8102  # PROVENANCE.md counts
    assert sum(s.unlocated for s in sentences) == 0
    assert all(s.text[a:b] for s in positive for a, b in s.drugs + s.effects)
    train, test = UR.split_by_pmid(sentences)
    assert not {s.pmid for s in train} & {s.pmid for s in test}
    assert 0.15 < len(test) / len(sentences) < 0.25


FLOORS = {"sentence": 0.7, "pair": 0.5}  # measured on all held-out sentences: see bench/usecases.py


@pytest.fixture(scope="module")
def notebook_runs():
    """The runs/ folder notebook 05 uses (it runs from notebooks/): models built here are reused there."""
    mp = pytest.MonkeyPatch()
    mp.setenv("WORKBENCH_RUNS", str(ROOT / "notebooks" / "runs"))
    yield
    mp.undo()


@pytest.mark.realdata
def test_ade_pipeline_on_held_out_pmids(shared_data, notebook_runs):
    """The trained pipeline, with and without its sentence screen, against the dictionary on the same held-out
    sentences. The issue's targets (sentence F1 0.75, pair F1 0.5, on all 2,002 held-out sentences) are printed by
    notebook 05 and bench/usecases.py; on this 600-sentence sample the floors sit below what the fast budget
    measured there (FLOORS)."""
    import workbench as wb

    tagger, clf, screen = UR.corpus_tagger(UR.ADE), UR.ade_classifier(), UR.ade_screen()
    chosen = wb.models.read_meta(clf.folder)["threshold"]
    assert clf.min_score == chosen["min_score"] and len(chosen["grid"]) == len(UR.ade.THRESHOLDS)
    assert chosen["sentences"] > 500, "the threshold comes from a real share of the training PubMed IDs"
    assert chosen["screened"]["screen"] == screen.folder.name
    pair_and_sentence = {k: chosen["screened"][k] for k in ("min_score", "min_sentence_score")}
    assert UR.chosen_thresholds(clf, screened=True) == pair_and_sentence
    test = UR.ade_test_sentences(600)
    assert {s.pmid for s in test}.isdisjoint(s.pmid for s in UR.split_by_pmid(UR.read_ade())[0])
    assert UR.held_out_scores(screen)["f1"] >= 0.6, "the screen alone, on all held-out sentences"
    screened = UR.ade_table(UR.evaluate_ade(test, tagger, clf, screen=screen))
    alone = UR.ade_table(UR.evaluate_ade(test, tagger, clf))
    dictionary = UR.ade_table(UR.evaluate_ade(test, wb.usecases.lexicon_tagger(("Chemical", "Disease")), clf))
    print("with the screen\n", screened.to_string(), "\nwithout\n", alone.to_string())
    sentence, pairs = "sentence (contains an ADE)", "pair, overlapping spans"
    assert screened.loc[sentence, "f1"] >= FLOORS["sentence"] and screened.loc[pairs, "f1"] >= FLOORS["pair"]
    assert screened.loc[sentence, "precision"] > alone.loc[sentence, "precision"], "the screen vetoes wrong sentences"
    assert alone.loc[sentence, "f1"] > 2 * dictionary.loc[sentence, "f1"]
    assert screened.loc[pairs, "f1"] >= screened.loc["pair, exact spans", "f1"]


@pytest.mark.realdata
def test_gene_disease_tagger_on_real_sentences(shared_data, notebook_runs):
    tagger = UR.real_tagger()
    docs = UR.real_sentences(max_per_corpus=100)
    figures = UR.mining_figures(docs, tagger)
    assert figures["sentences"] == 200
    assert figures["with a gene"] >= 40 and figures["with a disease"] >= 40  # half the sentences come from each corpus
    assert figures["gene x disease pairs classified"] >= figures["with both (pairs reach the classifier)"] > 0


def test_relation_dataset_balances_training_pairs_and_keeps_pmids_apart():
    text = "Zorbanib caused a Vantry rash and mild gout."
    drug, rash, gout = UR.locate(text, "Zorbanib"), UR.locate(text, "Vantry rash"), UR.locate(text, "mild gout")
    sentences = []
    for p in range(60):  # per PubMed ID: one annotated pair and one unannotated, plus a sentence with only the pair
        sentences.append(UR.ADESentence(str(p), text, [drug], [rash, gout], [(drug, rash)]))
        sentences.append(UR.ADESentence(str(p), text, [drug], [rash], [(drug, rash)]))
    raw = UR.ade_relation_dataset(sentences, balance=False)
    balanced = UR.ade_relation_dataset(sentences)
    assert raw["train"]["label"].count(1) == 2 * raw["train"]["label"].count(0) > 0
    assert balanced["train"]["label"].count(1) == balanced["train"]["label"].count(0) == raw["train"]["label"].count(0)
    assert balanced["test"]["label"] == raw["test"]["label"]  # the test split keeps its natural mix
    assert set(balanced["train"]["pmid"]).isdisjoint(balanced["test"]["pmid"])


def test_check_sample_draws_supported_pairs_with_their_sentence_id():
    import pandas as pd

    table = pd.DataFrame([
        {"gene": "QRT1", "disease": "Vantry syndrome", "sentences": 2,
         "evidence": ["[ncbi_disease/test/7] QRT1 loss causes Vantry syndrome .", "[bc2gm/test/3] other"]},
        {"gene": "KLM2", "disease": "Kellar fever", "sentences": 0, "evidence": []},  # tested, not supported
        {"gene": "ZX9", "disease": "Brivo disease", "sentences": 1, "evidence": ["[bc2gm/test/12] ZX9 ] in Brivo ."]},
    ])
    sample = UR.check_sample(table, n=5)
    assert sorted((r["gene"], r["doc_id"]) for r in sample) == [("QRT1", "ncbi_disease/test/7"), ("ZX9", "bc2gm/test/12")]
    assert {r["evidence"] for r in sample} == {"[ncbi_disease/test/7] QRT1 loss causes Vantry syndrome .",
                                               "[bc2gm/test/12] ZX9 ] in Brivo ."}
    assert UR.check_sample(table, n=1, seed=3) == UR.check_sample(table, n=1, seed=3)  # seeded


def test_the_whole_ade_build_in_full_mode_on_an_invented_corpus(tmp_path, monkeypatch):
    """ADE tagger -> sentence screen -> pair classifier -> thresholds chosen on kept-out IDs, as ``ade_classifier``
    builds them on a GPU (full sizes), each training capped at two optimizer steps: the code path, not the quality.
    Invented drug and reaction names only."""
    import workbench as wb

    drugs, effects = ["Zorbanib", "Quellitol", "Brivotane", "Kellamycin"], ["Vantry rash", "Kellar fever", "Obrin palsy"]
    rel, neg = [], []
    for p in range(90):
        d, e, other = drugs[p % 4], effects[p % 3], effects[(p + 1) % 3]
        text = f"{d}-induced {e} was seen in patient {p}."
        rel.append(f"{1000 + p}|{text}|{e}|0|1|{d}|2|3")
        neg.append(f"{1000 + p} NEG {d} was given for {other} in patient {p}.")
    write_ade(tmp_path / "shared" / "ade_half", rel, neg)
    for name, value in {"WORKBENCH_SHARED_DATA": tmp_path / "shared", "WORKBENCH_RUNS": tmp_path / "runs",
                        "WORKBENCH_FAST": "0", "WORKBENCH_MAX_STEPS": "2"}.items():
        monkeypatch.setenv(name, str(value))
    clf = UR.ade_classifier("standin", device="cpu")
    screen = UR.ade_screen("standin", device="cpu")
    assert clf.folder.name.startswith("ade-classifier-full-") and screen.folder.name.startswith("ade-screen-full-")
    assert (tmp_path / "runs" / "ner").is_dir() and clf.folder.parent == screen.folder.parent == tmp_path / "runs" / "re"
    screen_meta = wb.models.read_meta(screen.folder)
    fit, dev, test = UR.models._threshold_split()
    assert screen_meta["train_examples"] == len(fit) and screen_meta["metrics"]["n"] == len(test)  # full: all of them
    assert screen_meta["epochs"] == wb.run_sizes("usecase-ade-screen", fast=False).epochs
    threshold = wb.models.read_meta(clf.folder)["threshold"]
    assert threshold["sentences"] == len(dev) > 0 and threshold["screened"]["screen"] == screen.folder.name
    assert len(threshold["screened"]["grid"]) == len(UR.ade.THRESHOLDS) * len(UR.ade.SENTENCE_THRESHOLDS)
    result = UR.evaluate_ade(test, UR.corpus_tagger(UR.ADE, "standin", device="cpu"), clf, screen=screen)
    assert (result["min_score"], result["min_sentence_score"]) == (threshold["screened"]["min_score"],
                                                                   threshold["screened"]["min_sentence_score"])
    assert result["sentences"] == len(test) and result["with_ade"] == len(test) // 2

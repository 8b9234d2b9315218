"""workbench.usecases: gene-disease mining, adverse drug events, mechanism roles, trial matching --
each on small inputs with known answers, plus one run with a real (stand-in) classifier."""
import sys

import pytest

from workbench import relations as R
from workbench.data import DATA_DIR
from workbench import usecases as U

sys.path.insert(0, str(DATA_DIR))
import make_re_sample  # noqa: E402  (the generator of the use-case samples)


class KeywordClassifier:
    """A test double for a relation classifier: negative when the sentence holds a negation cue."""

    style, negative = "mask", "0"

    def __call__(self, sentences):
        cues = (" no ", " not ", "for @DISEASE$", "treat @DISEASE$")
        return [{"label": "0" if any(c in f" {s} " for c in cues) else "1", "score": 0.8} for s in sentences]


@pytest.fixture(scope="module")
def lexicon_ner():
    return U.lexicon_tagger()


# ---------------------------------------------------------------- samples and NER


def test_lexicon_tagger_and_samples(lexicon_ner):
    ents = lexicon_ner(["Rapamycin inhibits MTOR and mTOR signalling in breast cancer."])[0]
    assert [(e["text"], e["label"]) for e in ents] == [("Rapamycin", "Chemical"), ("MTOR", "Gene"),
                                                       ("mTOR", "Pathway"), ("breast cancer", "Disease")]
    assert U.lexicon_tagger(["Gene"])(["BRCA1 in breast cancer"])[0][0]["text"] == "BRCA1"
    with pytest.raises(ValueError, match=r"\['Protein'\] are not in the lexicon"):
        U.lexicon_tagger(["Protein"])
    docs = U.load_abstracts()
    assert len(docs) == 40 and docs[0]["doc_id"] == "WB0001"
    assert len(U.load_lines("case_reports")) == 24
    assert U.load_lines("mechanisms") == [sentence for sentence, _ in make_re_sample.MECHANISMS]
    trials, patients = U.load_trials()
    assert [t["trial_id"] for t in trials] == ["WB-T01", "WB-T02"] and len(patients) == 3


def test_default_tagger_without_the_model_says_so():
    tagger = U.default_tagger()
    assert "lexicon only" in tagger.description
    assert tagger(["BRCA1"])[0][0]["source"] == "lexicon"


def test_default_tagger_adds_a_given_ner_tagger_and_never_trains():
    def fake_ner(texts):
        return [[{"start": 0, "end": 5, "label": "Gene", "text": t[:5], "score": 0.9}] for t in texts]

    tagger = U.default_tagger(fake_ner)
    ents = tagger(["ZZZQ1 and BRCA1 mutations."])[0]
    assert [(e["text"], e["source"]) for e in ents] == [("ZZZQ1", "ner-model"), ("BRCA1", "lexicon")]
    assert "lexicon" in tagger.description and "trained tagger" in tagger.description
    with pytest.raises(TypeError, match="ner must be a tagger"):
        U.default_tagger("sample")


def test_bad_abstracts_file_names_the_line(tmp_path):
    f = tmp_path / "a.jsonl"
    f.write_text('{"doc_id": 1, "text": "x"}\n{"text": "no id"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"a\.jsonl:2: expected"):
        U.load_abstracts(f)


# ---------------------------------------------------------------- 1 gene-disease mining


DOCS = [{"doc_id": "A", "text": "BRCA1 mutations cause breast cancer. APOE variants raise Alzheimer disease risk."},
        {"doc_id": "B", "text": "Germline BRCA1 variants predispose to breast cancer. BRCA1 is linked to breast cancer."},
        {"doc_id": "C", "text": "KRAS was not associated with asthma. We found no role for KRAS in asthma."}]


def test_mine_gene_disease_ranks_pairs_with_counts_and_evidence(lexicon_ner):
    table = U.mine_gene_disease(DOCS, lexicon_ner, KeywordClassifier())
    assert list(zip(table["gene"], table["disease"])) == [("BRCA1", "breast cancer"), ("APOE", "Alzheimer disease"),
                                                          ("KRAS", "asthma")]
    top = table.iloc[0]
    assert (top["sentences"], top["docs"], top["against"], top["doc_ids"]) == (3, 2, 0, ["A", "B"])
    assert top["evidence"][0] == "[A] BRCA1 mutations cause breast cancer."
    kras = table.iloc[2]  # tested, never supported: kept at the bottom
    assert (kras["sentences"], kras["against"]) == (0, 2) and kras["mean_score"] is None or kras["mean_score"] != kras["mean_score"]
    assert len(U.mine_gene_disease(DOCS, lexicon_ner, KeywordClassifier(), evidence=1).iloc[0]["evidence"]) == 1
    ax = U.plot_associations(table, top=2)
    assert len(ax.patches) == 4  # supporting + against bars for two pairs


def test_mine_gene_disease_accepts_plain_strings_and_min_score(lexicon_ner):
    texts = [d["text"] for d in DOCS]
    table = U.mine_gene_disease(texts, lexicon_ner, KeywordClassifier(), min_score=0.9)
    assert (table["sentences"] == 0).all()  # every score 0.8 < 0.9: nothing counts as support
    assert U.mine_gene_disease(texts, lexicon_ner, KeywordClassifier()).iloc[0]["doc_ids"] == ["0", "1"]


# ---------------------------------------------------------------- 2 adverse drug events


def test_detect_adverse_events_separates_events_from_indications(lexicon_ner):
    texts = ["We report cardiomyopathy induced by doxorubicin in a patient with breast cancer.",
             "Metformin was started to treat type 2 diabetes."]
    table = U.detect_adverse_events(texts, lexicon_ner, KeywordClassifier())
    rows = {(r.drug, r.event): r for r in table.itertuples()}
    assert set(rows) == {("doxorubicin", "cardiomyopathy"), ("doxorubicin", "breast cancer"),
                         ("Metformin", "type 2 diabetes")}
    assert rows[("doxorubicin", "cardiomyopathy")].is_ade
    assert not rows[("Metformin", "type 2 diabetes")].is_ade
    for r in table.itertuples():
        text = texts[int(r.doc)]
        assert text[slice(*r.drug_span)] == r.drug and text[slice(*r.event_span)] == r.event



class LeaningClassifier(KeywordClassifier):
    """Two labels; leans against an ADE (label "0", score 0.7) where the keyword classifier says no."""

    labels = ["0", "1"]

    def __call__(self, sentences):
        return [{**r, "score": 0.7 if r["label"] == "0" else 0.9} for r in super().__call__(sentences)]


def test_min_score_is_a_probability_of_ade_for_two_label_classifiers(lexicon_ner):
    texts = ["Metformin was started to treat type 2 diabetes.", "We report cardiomyopathy induced by doxorubicin."]
    table = U.detect_adverse_events(texts, lexicon_ner, LeaningClassifier())
    rows = {r.drug: r for r in table.itertuples()}
    assert (rows["Metformin"].score, rows["Metformin"].p_ade) == (0.7, 0.3)  # P(ADE) = 1 - P(not ADE)
    assert (rows["doxorubicin"].score, rows["doxorubicin"].p_ade) == (0.9, 0.9)
    assert [r.is_ade for r in table.itertuples()] == [False, True]
    low = U.detect_adverse_events(texts, lexicon_ner, LeaningClassifier(), min_score=0.25)
    assert low.is_ade.all(), "below 0.5 a pair the classifier leans against counts"
    assert not U.detect_adverse_events(texts, lexicon_ner, LeaningClassifier(), min_score=0.95).is_ade.any()
    no_labels = U.detect_adverse_events(texts, lexicon_ner, KeywordClassifier(), min_score=0.25)
    assert list(no_labels.is_ade) == [False, True], "without two known labels only the positive label counts"



class WordScreen:
    """A test double for a sentence screen: P(the sentence reports an ADE) 0.8 when it says "report", else 0.3;
    it records the sentences it was shown."""

    labels, negative = ["0", "1"], "0"

    def __init__(self):
        self.seen = []

    def __call__(self, sentences):
        self.seen += list(sentences)
        return [{"label": "1", "score": 0.8} if "report" in s else {"label": "0", "score": 0.7} for s in sentences]


def test_a_sentence_screen_vetoes_pairs_of_sentences_it_doubts(lexicon_ner):
    texts = ["We report cardiomyopathy induced by doxorubicin. Cardiomyopathy after doxorubicin was seen.",
             "No drug was named here."]
    screen = WordScreen()
    table = U.detect_adverse_events(texts, lexicon_ner, KeywordClassifier(), screen=screen)
    rows = {r.sentence: r for r in table.itertuples()}
    first, second = texts[0].split(". ")
    assert rows[first + "."].p_sentence == 0.8 and rows[first + "."].is_ade
    assert rows[second].p_sentence == 0.3 and rows[second].p_ade == 0.8
    assert not rows[second].is_ade, "the pair classifier says ADE, the screen doubts the sentence"
    assert sorted(screen.seen) == sorted([first + ".", second]), "only sentences with a candidate pair, once each"
    lenient = U.detect_adverse_events(texts, lexicon_ner, KeywordClassifier(), screen=screen, min_sentence_score=0.25)
    assert lenient.is_ade.all()
    plain = U.detect_adverse_events(texts, lexicon_ner, KeywordClassifier())
    assert plain.p_sentence.isna().all() and plain.is_ade.all()
    assert U.positive_probability({"label": "0", "score": 0.7}, screen) == pytest.approx(0.3)


# ---------------------------------------------------------------- 3 mechanisms


LEXICON = {"Chemical": ["X-101", "lithium", "zorbanib"], "Gene": ["KRAS", "TNF-α", "GSK3B", "BRAF", "EGFR"],
           "Pathway": ["NF-κB", "MAPK"], "Outcome": ["proliferation", "inflammation",
                                                 "transcription of pro-inflammatory cytokines"],
           "Disease": [], "Trigger": {"down": ["inhibits", "inhibiting", "suppresses", "suppressing", "reduces", "reducing"],
                                        "up": ["activates", "promotes"]}}


def roles(sentence, lexicon=LEXICON):
    [m] = U.extract_mechanisms(sentence, lexicon=lexicon)
    for e in (m.agent, m.target, m.pathway, m.outcome):  # every role is a span of the sentence
        assert e is None or sentence[e["start"]:e["end"]] == e["text"]
    text = lambda e: e and e["text"]  # noqa: E731
    return m, (text(m.agent), text(m.target), text(m.pathway), text(m.outcome))


def test_mechanism_active_voice():
    m, found = roles("TNF-α activates NF-κB signalling.")
    assert found == ("TNF-α", None, "NF-κB", None) and m.chain() == "TNF-α -> NF-κB"
    assert [s["construction"] for s in m.steps] == ["active"]


def test_mechanism_passive_voice_takes_the_agent_after_by():
    m, found = roles("NF-κB was activated by TNF-α.")
    assert found == ("TNF-α", None, "NF-κB", None) and m.chain() == "TNF-α -> NF-κB"
    assert m.steps[0]["construction"] == "passive" and m.steps[0]["direction"] == "up"


def test_mechanism_x_induced_y():
    m, found = roles("TNF-α-induced NF-κB activation promotes inflammation.")
    assert found == ("TNF-α", None, "NF-κB", "inflammation")
    assert m.chain() == "TNF-α -> NF-κB -> inflammation" and m.outcome_direction == "up"
    assert [s["construction"] for s in m.steps] == ["X-induced Y", "event subject"]  # "activation" is the same event


def test_mechanism_nominal_activation_of_y_by_x():
    m, found = roles("Activation of NF-κB by TNF-α leads to transcription of pro-inflammatory cytokines.")
    assert found == ("TNF-α", None, "NF-κB", "transcription of pro-inflammatory cytokines")
    assert m.chain() == "TNF-α -> NF-κB -> transcription of pro-inflammatory cytokines"
    assert m.outcome_direction == "up"


def test_mechanism_inhibition_of_y_by_x_flips_the_next_step():
    m, found = roles("Inhibition of GSK3B by lithium activates MAPK signalling.")
    assert found == ("lithium", "GSK3B", "MAPK", None)
    assert m.chain() == "lithium -| GSK3B -| MAPK"  # the inhibited GSK3B is what restrained MAPK


def test_mechanism_participle_and_relative_clauses():
    m, found = roles("X-101 inhibits KRAS, suppressing MAPK signalling and reducing proliferation.")
    assert found == ("X-101", "KRAS", "MAPK", "proliferation")
    assert [s["source"]["text"] for s in m.steps] == ["X-101"] * 3  # the drug does all three, not KRAS
    assert m.chain() == "X-101 -| KRAS, -| MAPK, -| proliferation" and m.outcome_direction == "down"
    m, _ = roles("X-101 inhibits BRAF, which activates MAPK signalling.")
    assert m.chain() == "X-101 -| BRAF -> MAPK" and m.steps[1]["construction"] == "relative clause"
    m, found = roles("By inhibiting EGFR, X-101 suppresses MAPK signalling.")
    assert found[:3] == ("X-101", "EGFR", "MAPK") and m.steps[0]["construction"] == "by-gerund"


def test_mechanism_negation():
    m, found = roles("Zorbanib did not inhibit EGFR.")
    assert found == ("Zorbanib", "EGFR", None, None) and m.steps[0]["negated"] and m.chain() == "Zorbanib -/- EGFR"
    m, _ = roles("MAPK signalling was not inhibited by X-101, and proliferation was not reduced by X-101.")
    assert all(s["negated"] for s in m.steps)
    m, _ = roles("X-101 did not inhibit KRAS, and proliferation was reduced by lithium.")
    assert [s["negated"] for s in m.steps] == [True, False] and m.outcome_direction == "down"


def test_mechanism_outcome_direction_follows_the_cascade():
    m, _ = roles("X-101 inhibits KRAS, which promotes proliferation.")
    assert m.chain() == "X-101 -| KRAS -> proliferation" and m.outcome_direction == "down"
    m, _ = roles("Zorbanib did not inhibit KRAS, reducing proliferation.")
    assert m.outcome_direction == "down" and m.steps[0]["negated"]
    m, _ = roles("Lithium activates KRAS, which does not promote proliferation.")
    assert m.outcome_direction == "unchanged"


def test_mechanisms_sample_is_read_as_written():
    ms = U.extract_mechanisms(U.load_lines("mechanisms"))
    assert len(ms) == len(U.load_lines("mechanisms")) and all(m.agent and m.steps for m in ms)
    table = U.mechanisms_table(ms).set_index("sentence")
    row = table.loc["Erlotinib inhibits EGFR, suppressing MAPK signalling and reducing tumour cell proliferation."]
    assert (row["agent"], row["target"], row["pathway"], row["outcome_direction"]) == ("Erlotinib", "EGFR", "MAPK", "down")
    assert table.loc["Insulin activates PI3K/AKT signalling, which inhibits apoptosis."].chain == \
        "Insulin -> PI3K/AKT -| apoptosis"  # PI3K/AKT promotes survival: it inhibits apoptosis
    assert table.loc["Inhibition of GSK3B by lithium activates Wnt/beta-catenin signalling."].chain == \
        "lithium -| GSK3B -| Wnt/beta-catenin"
    chains = " ".join(table.chain)
    for wrong in ("EGFR -| MAPK", "MTOR -| mTOR", "TNF -| NF", "BRAF -| MAPK", "-> apoptosis; ", "APC ->"):
        assert wrong not in chains, wrong  # inverted edges of the old rules
    [past] = U.extract_mechanisms("Curcumin suppressed TNF and activated apoptosis.")
    assert [(s["trigger"], s["direction"], s["source"]["text"]) for s in past.steps] == \
        [("suppressed", "down", "Curcumin"), ("activated", "up", "Curcumin")]
    [none] = U.extract_mechanisms("BRCA1 was sequenced.")
    assert none.steps == [] and none.outcome_direction is None
    assert U.trigger_forms()["inhibit"] == "down" and U.trigger_forms()["increased"] == "up"


# ---------------------------------------------------------------- 4 trial matching


@pytest.mark.parametrize("text, term, negated", [
    ("No history of pancreatitis.", "pancreatitis", True),
    ("Denies insulin use.", "insulin", True),
    ("BRCA1 testing negative.", "BRCA1", True),
    ("Pancreatitis in 2015.", "Pancreatitis", False),
    ("No fever. Pancreatitis in 2015.", "Pancreatitis", False),  # the cue is in another sentence
    ("No fever but pancreatitis in 2015.", "pancreatitis", False),  # "but" ends the cue's scope
    ("Takes insulin, not metformin.", "insulin", False),
    ("Takes insulin, not metformin.", "metformin", True),
])
def test_negation_cues(text, term, negated):
    start = text.index(term)
    assert U.is_negated(text, start, start + len(term)) is negated


def test_match_trial_statuses_on_the_sample():
    trials, patients = U.load_trials()
    t1, t2 = trials
    p1, p2, p3 = (p["note"] for p in patients)
    status = lambda table: dict(zip(table["criterion"], table["status"]))  # noqa: E731
    s = status(U.match_trial(t1, p1))
    assert s == {"Adults aged 40 to 75 years": "met", "Diagnosis of type 2 diabetes": "met",
                 "Stable treatment with metformin for at least 3 months": "met",
                 "History of pancreatitis": "clear", "Chronic kidney disease": "clear",
                 "Current treatment with insulin": "clear", "Pregnancy or breastfeeding": "unknown"}
    table = U.match_trial(t1, p2)
    assert status(table)["History of pancreatitis"] == "excluded"
    assert status(table)["Current treatment with insulin"] == "excluded"
    assert U.trial_verdict(table) == "not eligible"
    assert U.trial_verdict(U.match_trial(t1, p1)) == "possibly eligible: 1 criterion to check by hand"
    s3 = U.match_trial(t2, p3)
    assert U.trial_verdict(s3) == "eligible"
    row = s3.set_index("criterion").loc["Peripheral neuropathy of grade 2 or higher"]
    assert row["status"] == "clear" and "grade 1" in row["evidence"]
    assert "negated" in s3.set_index("criterion").loc["Known germline BRCA1 mutation", "evidence"]
    assert status(U.match_trial(t2, p1))["Women aged 18 years or older"] == "not met"  # a man
    assert status(U.match_trial(t1, p3))["Diagnosis of type 2 diabetes"] == "unknown"  # not mentioned


def test_match_trial_edge_cases():
    trial = {"inclusion": ["Aged 18 to 65 years", "Asthma or psoriasis"], "exclusion": ["Epilepsy of grade 3 or higher"]}
    table = U.match_trial(trial, "A patient with psoriasis and epilepsy.")
    s = dict(zip(table["criterion"], table["status"]))
    assert s == {"Aged 18 to 65 years": "unknown", "Asthma or psoriasis": "met",
                 "Epilepsy of grade 3 or higher": "unknown"}  # age and grade not stated
    assert "age not found" in table.iloc[0]["evidence"]
    assert U.trial_verdict(U.match_trial(trial, "40-year-old with asthma. Epilepsy grade 4.")) == "not eligible"
    verdicts = U.match_patients(*U.load_trials())
    assert len(verdicts) == 6 and set(verdicts.columns) >= {"trial_id", "patient_id", "verdict", "unknown"}
    assert verdicts.set_index(["trial_id", "patient_id"]).loc[("WB-T02", "P3"), "verdict"] == "eligible"


# ---------------------------------------------------------------- with a real (stand-in) classifier


def test_gene_disease_mining_with_a_fine_tuned_sample_classifier(tmp_path, monkeypatch, lexicon_ner):
    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path))
    clf = R.sample_classifier("gene_disease", model_name="standin", epochs=1, max_train_samples=96, batch_size=16,
                              max_length=64)
    [saved] = [d for d in (tmp_path / "re").iterdir() if d.name.startswith("sample-classifier-gene_disease-mask-")]
    assert (saved / "config.json").exists() and not (saved / "checkpoints").exists()
    assert R.sample_classifier("gene_disease", model_name="standin").labels == clf.labels == ["0", "1"]  # cached
    table = U.mine_gene_disease(U.load_abstracts(), lexicon_ner, clf)
    true_pairs = {(g, d) for g, d, *_ in make_re_sample.F.GENE_DISEASE}  # the sourced associations written
    top = set(zip(table["gene"].head(3), table["disease"].head(3)))
    assert ("BRCA1", "breast cancer") in top and top <= true_pairs, top
    assert "fine-tuned from stand-in" in clf.describe() and "not BioBERT" in clf.describe()

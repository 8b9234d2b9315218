"""Four applied pipelines built on relation extraction: from raw text to a table you can act on.

Taught in 05_relation_use_cases.

1. :func:`mine_gene_disease` -- gene-disease association mining over a collection of abstracts:
   a ranked table of pairs with counts and evidence sentences (:func:`plot_associations`).
2. :func:`detect_adverse_events` -- drug -> adverse-event pairs from case-report-like sentences.
3. :func:`extract_mechanisms` -- agent / trigger / target / pathway / outcome roles from
   mechanism sentences, following their syntax (active, passive, "X-induced Y", "Activation of Y by X",
   participle and relative clauses, negation; see :mod:`workbench.mechanisms`).
4. :func:`match_trial` -- entities of eligibility criteria vs a patient note: a criteria table
   (met / not met / excluded / clear / unknown) with negation handled by NegEx-style cues.

What does the work, honestly:

* NER: any tagger callable ``ner(texts) -> [[{start, end, label, ...}]]``. :func:`lexicon_tagger`
  is a dictionary (``data/re/usecases/lexicon.json``) -- it finds only listed names.
  :func:`default_tagger` adds ``wb.ner.sample_tagger()`` (the model fine-tuned on the project
  NER sample) when ``workbench.ner`` is available; each entity says which one found it (``source``).
* Relation classification (1, 2): a :class:`~workbench.relations.RelationClassifier`. Offline,
  ``wb.relations.sample_classifier(...)`` is the *stand-in* all-MiniLM-L6-v2 fine-tuned on the
  project's template sentences -- not BioBERT, and not trained on real abstracts or case reports.
* Mechanisms (3) and trial matching (4) are **rules** over NER output (trigger-verb lists and
  clause patterns, negation cues, age/sex/grade patterns), not trained models. Published systems use
  trained event extractors and concept normalisation (UMLS); these rules show the shape of the
  task and fail where the wording leaves their patterns.

On real text -- taggers trained on BC5CDR / BC2GM / the ADE corpus, an ADE classifier trained on the ADE corpus,
GAD for gene-disease, and the measured quality -- see :mod:`workbench.usecases_real`.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable, Mapping, Sequence

from .data import DATA_DIR, read_jsonl
from .mechanisms import Mechanism, extract_mechanisms, mechanisms_table, trigger_forms  # noqa: F401
from .text import split_sentences
from .relations import extract_relations
from .taggers import DictionaryTagger, combine_taggers

USECASE_DIR = DATA_DIR / "re" / "usecases"
LEXICON_FILE = USECASE_DIR / "lexicon.json"
ENTITY_TYPES = ("Gene", "Disease", "Chemical", "Pathway", "Outcome")


# ---------------------------------------------------------------- samples and NER


def load_lexicon(path: str | Path = LEXICON_FILE) -> dict:
    """``{"Gene": [...], "Disease": [...], ..., "Trigger": {"down": [...], "up": [...]}}``."""
    path = Path(path)
    try:
        lexicon = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}:{err.lineno}: not valid JSON ({err.msg})") from None
    if not isinstance(lexicon, dict):
        raise ValueError(f"{path}: expected a JSON object of type -> list of terms")
    return lexicon


def lexicon_tagger(types: Sequence[str] = ENTITY_TYPES, lexicon: Mapping | None = None) -> DictionaryTagger:
    """Dictionary NER over the use-case lexicon (only the listed ``types``). A rule, not a model."""
    lexicon = load_lexicon() if lexicon is None else lexicon
    unknown = [t for t in types if t not in lexicon]
    if unknown:
        raise ValueError(f"types {unknown} are not in the lexicon (it has {sorted(lexicon)})")
    return DictionaryTagger({t: lexicon[t] for t in types})


def default_tagger(ner: Callable | None = None, types: Sequence[str] = ENTITY_TYPES) -> Callable:
    """The lexicon, plus a trained NER tagger (e.g. ``wb.ner.sample_tagger()``) for names it does not list.

    Never trains: pass the tagger you built (``ner=wb.ner.sample_tagger()`` fine-tunes one the first time
    and says so). Lexicon entities win where both found a mention; every entity has a ``source``
    (``lexicon`` or ``ner-model``) and the tagger a ``description``.
    """
    lexicon = lexicon_tagger(types)
    if ner is not None:
        if not callable(ner):
            raise TypeError(f"ner must be a tagger (texts -> entity lists), got {type(ner).__name__}")
        tagger = combine_taggers(lexicon, ner, names=["lexicon", "ner-model"])
        tagger.description = (f"lexicon (data/re/usecases/lexicon.json) + {getattr(ner, 'name', 'an NER model')} "
                              "(a trained tagger)")
        return tagger
    tagger = combine_taggers(lexicon, names=["lexicon"])
    tagger.description = "lexicon only (data/re/usecases/lexicon.json): finds listed names, nothing else"
    return tagger


def load_abstracts(path: str | Path = USECASE_DIR / "abstracts.jsonl") -> list[dict]:
    """The project's short gene-disease "abstracts": ``[{"doc_id", "text"}, ...]``."""
    def parse(doc: dict, where: str) -> dict:
        if not isinstance(doc, dict) or "doc_id" not in doc or "text" not in doc:
            raise ValueError(f'{where}: expected {{"doc_id", "text"}} JSON, got {str(doc)[:60]}')
        return {"doc_id": str(doc["doc_id"]), "text": str(doc["text"])}

    return read_jsonl(path, parse, error=ValueError)


def load_lines(name: str) -> list[str]:
    """Non-empty lines of ``data/re/usecases/<name>.txt`` (``case_reports``, ``mechanisms``)."""
    return [line.strip() for line in (USECASE_DIR / f"{name}.txt").read_text(encoding="utf-8").splitlines()
            if line.strip()]


def load_trials(path: str | Path = USECASE_DIR / "trials.json") -> tuple[list[dict], list[dict]]:
    """``(trials, patients)``: trials with ``inclusion``/``exclusion`` lists, patients with a ``note``."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return data["trials"], data["patients"]


def _docs(docs) -> tuple[list[str], list[str]]:
    if isinstance(docs, str):
        docs = [docs]
    texts, ids = [], []
    for i, d in enumerate(docs):
        if isinstance(d, Mapping):
            texts.append(str(d["text"]))
            ids.append(str(d.get("doc_id", i)))
        else:
            texts.append(str(d))
            ids.append(str(i))
    return texts, ids


# ---------------------------------------------------------------- 1 gene-disease association mining


def mine_gene_disease(docs, ner: Callable, classifier, min_score: float = 0.5, evidence: int = 3):
    """Rank gene-disease pairs across ``docs`` (strings or ``{"doc_id", "text"}``) by supporting sentences.

    Every Gene x Disease pair in a sentence is classified. Columns: ``gene``, ``disease``,
    ``sentences`` (classified as associated with score >= ``min_score``), ``docs`` (distinct
    documents), ``mean_score``, ``against`` (sentences classified as *no* association),
    ``evidence`` (up to ``evidence`` supporting sentences, ``[doc_id] sentence``), ``doc_ids``.
    Pairs only ever classified as not associated are kept at the bottom (``sentences`` 0): tested,
    not supported. Names are grouped case-insensitively (no synonym normalisation: "HER2" and
    "ERBB2" stay apart).
    """
    import pandas as pd

    texts, ids = _docs(docs)
    negative = getattr(classifier, "negative", None)
    records = extract_relations(texts, ner, classifier, pair_types=[("Gene", "Disease")], keep_negative=True)
    groups: dict[tuple[str, str], dict] = {}
    for r in records:
        key = (r["head"]["text"].lower(), r["tail"]["text"].lower())
        g = groups.setdefault(key, {"gene": r["head"]["text"], "disease": r["tail"]["text"], "scores": [],
                                    "against": 0, "evidence": [], "doc_ids": []})
        if r["label"] == negative or r["score"] < min_score:
            g["against"] += r["label"] == negative
            continue
        g["scores"].append(r["score"])
        if ids[r["doc"]] not in g["doc_ids"]:
            g["doc_ids"].append(ids[r["doc"]])
        if len(g["evidence"]) < evidence:
            g["evidence"].append(f"[{ids[r['doc']]}] {r['sentence']}")
    rows = [{"gene": g["gene"], "disease": g["disease"], "sentences": len(g["scores"]), "docs": len(g["doc_ids"]),
             "mean_score": round(sum(g["scores"]) / len(g["scores"]), 3) if g["scores"] else None,
             "against": g["against"], "evidence": g["evidence"], "doc_ids": g["doc_ids"]}
            for g in groups.values()]
    table = pd.DataFrame(rows, columns=["gene", "disease", "sentences", "docs", "mean_score", "against",
                                        "evidence", "doc_ids"])
    table = table.sort_values(["sentences", "docs", "mean_score", "against"], ascending=False, na_position="last")
    return table.reset_index(drop=True)


def plot_associations(table, top: int = 10, ax=None, title: str = "Gene-disease associations"):
    """Horizontal bars: supporting sentences per pair (and sentences against, in grey)."""
    import matplotlib.pyplot as plt

    rows = table.head(top).iloc[::-1]
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.35 * len(rows) + 1.2))
    names = [f"{g} - {d}" for g, d in zip(rows["gene"], rows["disease"])]
    ax.barh(names, rows["sentences"], color="tab:blue", label="supporting sentences")
    ax.barh(names, -rows["against"], color="tab:gray", label="classified as no association")
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("sentences")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title)
    return ax


# ---------------------------------------------------------------- 2 adverse drug events


def positive_probability(prediction: dict, classifier) -> float:
    """P(the positive class) from a ``{"label", "score"}`` prediction of ``classifier``: the score, or one minus it
    when a two-label classifier predicted its negative label (0 when a classifier of more labels did)."""
    negative = getattr(classifier, "negative", None)
    if prediction["label"] != negative:
        return prediction["score"]
    return 1 - prediction["score"] if len(getattr(classifier, "labels", ())) == 2 else 0.0


def detect_adverse_events(texts, ner: Callable, classifier, min_score: float = 0.5, screen=None,
                          min_sentence_score: float = 0.5):
    """Drug -> adverse-event pairs in case-report-like ``texts`` (strings or ``{"doc_id", "text"}``).

    Every Chemical x Disease pair in a sentence is classified by an ADE classifier (masks
    ``@CHEMICAL$``/``@DISEASE$``, e.g. ``wb.relations.sample_classifier("ade")``). A disease the drug
    was *given for* (an indication) should come out as not an ADE -- the hard negative of this task.
    ``screen`` (optional): a sentence classifier (plain sentences -> ``{"label", "score"}``, e.g.
    ``wb.usecases_real.ade_screen()``) that judges whether the whole sentence reports an adverse drug event;
    a pair is then an ADE only when its sentence passes too.
    Columns: ``doc``, ``drug``, ``event``, ``is_ade``, ``score`` (of the predicted label), ``p_ade`` (the
    probability of "ADE": for a two-label classifier the score, or one minus it when the label is negative),
    ``p_sentence`` (the screen's probability that the sentence reports an ADE; empty without a screen),
    ``sentence``, and the character spans of both mentions in their text. ``is_ade``: ``p_ade >= min_score``
    (below 0.5 a pair the classifier leans against can count: more recall, less precision) and, with a screen,
    ``p_sentence >= min_sentence_score``.
    """
    import pandas as pd

    texts, ids = _docs(texts)
    binary = len(getattr(classifier, "labels", ())) == 2
    negative = getattr(classifier, "negative", None)
    records = extract_relations(texts, ner, classifier, pair_types=[("Chemical", "Disease")], keep_negative=True)
    p_sentence: dict[str, float] = {}
    if screen is not None and records:
        unique = list(dict.fromkeys(r["sentence"] for r in records))
        p_sentence = {s: positive_probability(p, screen) for s, p in zip(unique, screen(unique))}
    rows = []
    for r in records:
        p_ade = positive_probability(r, classifier)
        p_sent = p_sentence.get(r["sentence"])
        rows.append({"doc": ids[r["doc"]], "drug": r["head"]["text"], "event": r["tail"]["text"],
                     "is_ade": p_ade >= min_score and (binary or r["label"] != negative)
                     and (p_sent is None or p_sent >= min_sentence_score),
                     "score": round(r["score"], 3), "p_ade": round(p_ade, 3),
                     "p_sentence": None if p_sent is None else round(p_sent, 3), "sentence": r["sentence"],
                     "drug_span": (r["head"]["start"], r["head"]["end"]),
                     "event_span": (r["tail"]["start"], r["tail"]["end"])})
    return pd.DataFrame(rows, columns=["doc", "drug", "event", "is_ade", "score", "p_ade", "p_sentence", "sentence",
                                       "drug_span", "event_span"])


# ---------------------------------------------------------------- 3 molecular mechanisms
# The rules live in workbench/mechanisms.py (syntax: active, passive, "X-induced Y", nominal, clauses);
# extract_mechanisms, mechanisms_table and Mechanism are re-exported here.


# ---------------------------------------------------------------- 4 clinical-trial matching

NEG_BEFORE = re.compile(r"\b(?:no|not|denies|denied|without|negative for|free of|absence of|ruled out|never)\b"
                        r"(?:\W+\w+){0,3}\W*$", re.IGNORECASE)
NEG_AFTER = re.compile(r"^\W*(?:\w+\W+){0,2}(?:negative|absent|ruled out|not detected|excluded)\b", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[.;:!?]|\bbut\b", re.IGNORECASE)
_AGE_RANGE = re.compile(r"aged?\s+(\d{1,3})\s*(?:to|-|–)\s*(\d{1,3})\s*years", re.IGNORECASE)
_AGE_MIN = re.compile(r"(\d{1,3})\s*years\s*(?:or|and)\s*(?:older|over|above)|(?:≥|>=)\s*(\d{1,3})\s*years", re.IGNORECASE)
_NOTE_AGE = re.compile(r"\b(\d{1,3})[- ]year[- ]old\b|\baged?\s+(\d{1,3})\b", re.IGNORECASE)
_GRADE_MIN = re.compile(r"grade\s*(\d)\s*(?:or|and)\s*(?:higher|above|more)", re.IGNORECASE)
_GRADE = re.compile(r"grade\s*(\d)", re.IGNORECASE)
_FEMALE = re.compile(r"\b(?:women|woman|female|females|girls?)\b", re.IGNORECASE)
_MALE = re.compile(r"\b(?:men|man|male|males|boys?)\b", re.IGNORECASE)


def is_negated(text: str, start: int, end: int) -> bool:
    """NegEx-style: a negation cue up to 4 words before the mention, or "negative"/"absent" just
    after it, in the same clause ("No history of pancreatitis", "BRCA1 testing negative")."""
    left = text[:start]
    cut = max((m.end() for m in _CLAUSE_END.finditer(left)), default=0)
    right = text[end:]
    stop = _CLAUSE_END.search(right)
    return bool(NEG_BEFORE.search(left[cut:]) or NEG_AFTER.search(right[:stop.start()] if stop else right))


def _sentence_of(text: str, pos: int) -> str:
    return next((text[s:e] for s, e in split_sentences(text) if s <= pos < e), text)


def _note_facts(note: str, ner: Callable) -> dict:
    ents = ner([note])[0]
    mentions: dict[str, list[dict]] = {}
    for e in ents:
        key = note[e["start"]:e["end"]].lower()
        mentions.setdefault(key, []).append({**e, "negated": is_negated(note, e["start"], e["end"])})
    age = next((int(a or b) for a, b in _NOTE_AGE.findall(note)), None)
    sex = "female" if _FEMALE.search(note) else "male" if _MALE.search(note) else None
    return {"mentions": mentions, "age": age, "sex": sex}


def _check_criterion(criterion: str, kind: str, facts: dict, note: str, ner: Callable) -> dict:
    """Status of one criterion against the note facts; ``rule`` and ``evidence`` say why."""
    findings = []  # (satisfied: bool | None, rule, evidence) for each checkable element
    low = criterion.lower()
    rng, amin = _AGE_RANGE.search(criterion), _AGE_MIN.search(criterion)
    if rng or amin:
        lo, hi = (int(rng.group(1)), int(rng.group(2))) if rng else (int(amin.group(1) or amin.group(2)), None)
        age = facts["age"]
        ok = None if age is None else (age >= lo and (hi is None or age <= hi))
        findings.append((ok, "age rule", f"age {age}" if age is not None else "age not found in the note"))
    want_sex = "female" if re.match(r"\s*(?:women|female)", low) else "male" if re.match(r"\s*(?:men|male)\b", low) else None
    if want_sex:
        ok = None if facts["sex"] is None else facts["sex"] == want_sex
        findings.append((ok, "sex rule", f"note: {facts['sex'] or 'sex not stated'}"))
    grade_min = _GRADE_MIN.search(criterion)
    entities = [e for e in ner([criterion])[0] if e["label"] in ("Disease", "Chemical", "Gene")]
    for e in entities:
        name = criterion[e["start"]:e["end"]]
        hits = facts["mentions"].get(name.lower(), [])
        affirmed = [h for h in hits if not h["negated"]]
        if not hits:
            findings.append((False, "entity match", f"{name}: not mentioned"))
        elif not affirmed:
            h = hits[0]
            findings.append((False, "entity match + negation", f"{name}: negated: '{_sentence_of(note, h['start'])}'"))
        else:
            h = affirmed[0]
            sentence = _sentence_of(note, h["start"])
            if grade_min:
                g = _GRADE.search(note[h["end"]:h["end"] + 40])
                if g is None:
                    findings.append((None, "grade rule", f"{name}: present, grade not stated: '{sentence}'"))
                else:
                    ok = int(g.group(1)) >= int(grade_min.group(1))
                    findings.append((ok, "grade rule", f"{name}: grade {g.group(1)} (criterion: >= {grade_min.group(1)})"))
                continue
            findings.append((True, "entity match", f"{name}: '{sentence}'"))
    if not findings:
        status = "unknown"
        rule, evidence = "nothing checkable", "no entity, age, sex or grade found in the criterion: check by hand"
    else:
        any_of = " or " in low and len(entities) > 1
        values = [f[0] for f in findings]
        if kind == "exclusion" or any_of:  # exclusion: any element present excludes; "A or B": either
            combined = True if True in values else (None if None in values else False)
        else:  # inclusion: every element must hold
            combined = False if False in values else (None if None in values else True)
        if kind == "inclusion":
            status = {True: "met", False: "not met", None: "unknown"}[combined]
            if combined is False and all("not mentioned" in f[2] for f in findings if f[0] is False):
                status = "unknown"  # absence from a note is not evidence of absence
        else:
            status = {True: "excluded", False: "clear", None: "unknown"}[combined]
        rule = ", ".join(dict.fromkeys(f[1] for f in findings))
        evidence = "; ".join(f[2] for f in findings)
    return {"kind": kind, "criterion": criterion, "status": status, "rule": rule, "evidence": evidence}


def match_trial(trial: Mapping, note: str, ner: Callable | None = None):
    """Criteria table for one ``trial`` (``inclusion``/``exclusion`` lists) against a patient ``note``.

    Statuses: inclusion ``met`` / ``not met`` / ``unknown``; exclusion ``excluded`` / ``clear`` /
    ``unknown``. Entities of the criterion (NER) are looked up in the note by name; a note mention
    after "no", "denies", "without" (or followed by "negative") counts as negated. Age, sex and
    "grade N or higher" are checked by patterns. An inclusion entity the note never mentions is
    ``unknown`` (not "not met"); an unmentioned exclusion entity is ``clear`` (evidence says "not
    mentioned"). Criteria with nothing checkable ("Pregnancy or breastfeeding" without a lexicon entry)
    are ``unknown``: a person decides. Rules, not a trained model; no synonym/UMLS normalisation.
    """
    import pandas as pd

    ner = ner or lexicon_tagger(("Disease", "Chemical", "Gene"))
    facts = _note_facts(note, ner)
    rows = [_check_criterion(c, kind, facts, note, ner)
            for kind in ("inclusion", "exclusion") for c in trial.get(kind, [])]
    return pd.DataFrame(rows, columns=["kind", "criterion", "status", "rule", "evidence"])


def trial_verdict(table) -> str:
    """``eligible``, ``not eligible`` or ``possibly eligible: N criteria to check by hand``."""
    status = list(table["status"])
    if "not met" in status or "excluded" in status:
        return "not eligible"
    unknown = status.count("unknown")
    return f"possibly eligible: {unknown} {'criterion' if unknown == 1 else 'criteria'} to check by hand" if unknown else "eligible"


def match_patients(trials: Sequence[Mapping], patients: Sequence[Mapping], ner: Callable | None = None):
    """Verdict for every trial x patient: ``trial_id``, ``patient_id``, ``verdict``, counts per status."""
    import pandas as pd

    ner = ner or lexicon_tagger(("Disease", "Chemical", "Gene"))
    rows = []
    for trial in trials:
        for patient in patients:
            table = match_trial(trial, patient["note"], ner)
            counts = table["status"].value_counts().to_dict()
            rows.append({"trial_id": trial.get("trial_id"), "patient_id": patient.get("patient_id"),
                         "verdict": trial_verdict(table), **{s: counts.get(s, 0) for s in
                                                             ("met", "not met", "excluded", "clear", "unknown")}})
    return pd.DataFrame(rows)

"""Write the project's relation-extraction samples (data/re/...).

Every sentence is generated here from templates written for this project and the name lists of
``make_ner_sample.py`` plus a few lists below -- nothing is copied from a corpus.

Written (deterministic, seed 17):
  gene_disease/{train,test}.tsv    binary gene-disease, BioBERT RE TSV: ``@GENE$``/``@DISEASE$`` masks,
                                   train without header, test with header ``index<TAB>sentence<TAB>label``
  gene_disease/{train,test}.jsonl  the same examples in raw text with both entities' character spans
  chemprot/{train,test}.tsv        ChemProt-style multi-class chemical-gene (CPR:3/4/5/6/9 or ``false``)
  ade/{train,test}.tsv             binary drug -> adverse event (``@CHEMICAL$``/``@DISEASE$``); the
                                   negatives are mostly indications ("X was started for Y")
  usecases/abstracts.jsonl         short gene-disease "abstracts" for association mining
  usecases/case_reports.txt        case-report-like sentences (drugs, indications, adverse events)
  usecases/mechanisms.txt          molecular-mechanism sentences (agent, trigger, target, pathway, outcome)
  usecases/trials.json             two trials' eligibility criteria and three patient notes
  usecases/lexicon.json            the dictionaries the use-case pipelines may use for NER

Run:  python data/make_re_sample.py [OUT_DIR]
"""
from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_ner_sample import CHEMICALS, DISEASES, GENES, HELD_OUT  # noqa: E402

OUT = Path(__file__).resolve().parent / "re"
SEED = 17

# ------------------------------------------------------------------ gene-disease (binary, GAD-style)
GD_POSITIVE = [
    "Mutations in {G} are associated with an increased risk of {D}.",
    "Germline {G} variants predispose carriers to {D}.",
    "{G} overexpression correlated with poor prognosis in {D}.",
    "Carriers of the {G} risk allele had a higher incidence of {D}.",
    "Loss of {G} function promotes {D} progression.",
    "A common polymorphism in {G} confers susceptibility to {D}.",
    "Methylation of the {G} promoter was frequently observed in {D}.",
    "Patients with {D} carried pathogenic {G} mutations more often than controls.",
    "The {G} genotype was an independent risk factor for {D}.",
    "Elevated {G} expression was found in tissue from patients with {D}.",
    "In {D} patients treated with {C}, {G} mutations predicted relapse.",
    "{D} susceptibility is strongly linked to the {G} locus.",
]
GD_NEGATIVE = [
    "No association between {G} polymorphisms and {D} was found.",
    "The {G} variant was not linked to {D} in this cohort.",
    "{G} genotype frequencies did not differ between {D} patients and controls.",
    "We found no evidence that {G} contributes to {D} susceptibility.",
    "{G} expression was unchanged in {D} tissue.",
    "Our data do not support a role for {G} in {D}.",
    "Patients with {D} were recruited, and {G} served as a reference gene.",
    "{D} risk was not modified by {G} status after adjustment for age.",
    "In {D} patients treated with {C}, {G} levels did not predict relapse.",
    "{G} was sequenced in all samples, but no variant segregated with {D}.",
]

# ------------------------------------------------------------------ ChemProt-style (multi-class)
CHEMPROT = {
    "CPR:3": ["{C} increased {G} expression in hepatocytes.", "{C} activates {G} in cultured cells.",
              "{G} was upregulated after exposure to {C}.", "{C} induced {G} transcription in a dose-dependent manner.",
              "{C} enhanced {G} activity."],
    "CPR:4": ["{C} inhibits {G} kinase activity in vitro.", "{C} reduced {G} expression in a dose-dependent manner.",
              "{C} is a potent {G} inhibitor.", "Treatment with {C} suppressed {G} phosphorylation.",
              "{G} activity was blocked by {C}."],
    "CPR:5": ["{C} acts as an agonist of {G}.", "{C} is a selective {G} agonist.",
              "{C} binds {G} as a full agonist."],
    "CPR:6": ["{C} is a competitive {G} antagonist.", "{C} antagonizes {G} at nanomolar concentrations.",
              "{C} acts as an antagonist of {G}."],
    "CPR:9": ["{G} metabolises {C} in the liver.", "{C} is a substrate of {G}.",
              "{G} converts {C} into an inactive metabolite."],
    "false": ["{C} and {G} were measured in the same samples.", "The effect of {C} on {G} was not examined.",
              "{G} levels were recorded before the first dose of {C}.", "{C} was given to mice lacking {G} and to controls.",
              "Antibodies against {G} were diluted in buffer containing {C}."],
}
CHEMPROT_SIZES = {"CPR:3": 60, "CPR:4": 70, "CPR:5": 35, "CPR:6": 35, "CPR:9": 40, "false": 90}

# ------------------------------------------------------------------ adverse drug events
# (drug, adverse event) pairs and (drug, indication) pairs -- common textbook knowledge.
ADE_PAIRS = [
    ("cisplatin", "ototoxicity"), ("doxorubicin", "cardiomyopathy"), ("metformin", "lactic acidosis"),
    ("warfarin", "gastrointestinal bleeding"), ("haloperidol", "tardive dyskinesia"),
    ("methotrexate", "hepatotoxicity"), ("valproic acid", "pancreatitis"), ("lithium", "hypothyroidism"),
    ("insulin", "hypoglycemia"), ("paclitaxel", "peripheral neuropathy"),
    ("cyclophosphamide", "hemorrhagic cystitis"), ("ibuprofen", "acute kidney injury"),
    ("carboplatin", "thrombocytopenia"), ("erlotinib", "skin rash"), ("dexamethasone", "hyperglycemia"),
    ("atorvastatin", "rhabdomyolysis"), ("5-fluorouracil", "mucositis"), ("imatinib", "fluid retention"),
    ("gemcitabine", "neutropenia"), ("ketamine", "hallucinations"),
]
INDICATIONS = [
    ("metformin", "type 2 diabetes"), ("tamoxifen", "breast cancer"), ("levodopa", "Parkinson disease"),
    ("warfarin", "atrial fibrillation"), ("methotrexate", "rheumatoid arthritis"), ("valproic acid", "epilepsy"),
    ("insulin", "type 2 diabetes"), ("cisplatin", "ovarian cancer"), ("erlotinib", "non-small cell lung cancer"),
    ("sorafenib", "hepatocellular carcinoma"), ("doxorubicin", "breast cancer"), ("paclitaxel", "ovarian cancer"),
    ("carboplatin", "ovarian cancer"), ("dexamethasone", "multiple sclerosis"), ("atorvastatin", "heart failure"),
    ("5-fluorouracil", "colorectal cancer"), ("imatinib", "acute myeloid leukemia"), ("gemcitabine", "colorectal cancer"),
    ("cyclophosphamide", "rheumatoid arthritis"), ("haloperidol", "schizophrenia"), ("lithium", "bipolar disorder"),
    ("ibuprofen", "rheumatoid arthritis"), ("ketamine", "depression"),
]
# {C} drug, {A} adverse event, {D} indication. One sentence can hold both pairs.
ADE_TEMPLATES = [
    "A {N}-year-old woman with {D} developed {A} two weeks after starting {C}.",
    "{A} occurred in a {N}-year-old man receiving {C} for {D}.",
    "{C} was discontinued because of severe {A} in a patient treated for {D}.",
    "We report {A} induced by {C} in a patient with {D}.",
    "Severe {A} was attributed to {C}, which had been prescribed for {D}.",
    "After {C} was started for {D}, the patient presented with {A}.",
    "{A} resolved within a week of stopping {C}; {D} was then managed otherwise.",
    "The patient had taken {C} for {D} for years before {A} appeared.",
]
ADE_NEGATIVE_ONLY = [
    "{C} was started to treat {D}.", "The patient with {D} responded well to {C}.",
    "{C} is a first-line therapy for {D}.", "{D} was controlled with {C} for six months.",
    "{C} was given for {D} without complications.",
]

# ------------------------------------------------------------------ molecular mechanisms
PATHWAYS = ["MAPK", "PI3K/AKT", "NF-kB", "Wnt/beta-catenin", "JAK/STAT", "mTOR", "Hedgehog", "Notch",
            "TGF-beta", "Hippo"]
OUTCOMES = ["cell proliferation", "apoptosis", "inflammation", "angiogenesis", "cell migration", "invasion",
            "autophagy", "cell survival", "insulin resistance", "fibrosis", "tumour growth"]
# (3rd person, -ing) forms of trigger verbs by the direction of their effect
TRIGGER_FORMS = {"down": [("inhibits", "inhibiting"), ("suppresses", "suppressing"), ("blocks", "blocking"),
                          ("reduces", "reducing"), ("attenuates", "attenuating"), ("decreases", "decreasing")],
                 "up": [("activates", "activating"), ("induces", "inducing"), ("enhances", "enhancing"),
                        ("promotes", "promoting"), ("increases", "increasing"), ("stimulates", "stimulating")]}
TRIGGERS = {d: [w for pair in forms for w in pair] for d, forms in TRIGGER_FORMS.items()}
# {C} agent, {G} target, {P} pathway, {O} outcome; {T1}/{T2}/{T3} triggers (s = 3rd person, i = -ing)
MECH_TEMPLATES = [
    "{C} {T1s} {G}, {T2i} {P} signalling and {T3i} {O}.",
    "{C} {T1s} {G}, which {T2s} the {P} pathway and {T3s} {O}.",
    "By {T1i} {G}, {C} {T2s} {P} signalling, {T3i} {O}.",
]
# agent, target, pathway, direction on target and pathway, outcome, direction on outcome
MECHANISMS = [
    ("rapamycin", "MTOR", "mTOR", "down", "cell proliferation", "down"),
    ("erlotinib", "EGFR", "MAPK", "down", "tumour growth", "down"),
    ("curcumin", "TNF", "NF-kB", "down", "inflammation", "down"),
    ("sorafenib", "BRAF", "MAPK", "down", "angiogenesis", "down"),
    ("dexamethasone", "IL6", "JAK/STAT", "down", "inflammation", "down"),
    ("resveratrol", "STAT3", "JAK/STAT", "down", "cell survival", "down"),
    ("insulin", "PIK3CA", "PI3K/AKT", "up", "cell survival", "up"),
    ("paclitaxel", "BCL2", "PI3K/AKT", "down", "apoptosis", "up"),
    ("gemcitabine", "NOTCH1", "Notch", "down", "invasion", "down"),
    ("lithium", "APC", "Wnt/beta-catenin", "up", "cell migration", "up"),
]

# ------------------------------------------------------------------ clinical-trial matching
TRIALS = [
    {"trial_id": "WB-T01", "title": "Add-on therapy in type 2 diabetes",
     "inclusion": ["Adults aged 40 to 75 years", "Diagnosis of type 2 diabetes",
                   "Stable treatment with metformin for at least 3 months"],
     "exclusion": ["History of pancreatitis", "Chronic kidney disease", "Current treatment with insulin",
                   "Pregnancy or breastfeeding"]},
    {"trial_id": "WB-T02", "title": "Maintenance treatment after first-line chemotherapy in ovarian cancer",
     "inclusion": ["Women aged 18 years or older", "Histologically confirmed ovarian cancer",
                   "Completed first-line chemotherapy with carboplatin and paclitaxel"],
     "exclusion": ["Peripheral neuropathy of grade 2 or higher", "Heart failure",
                   "Known germline BRCA1 mutation"]},
]
PATIENTS = [
    {"patient_id": "P1", "note": "62-year-old man with type 2 diabetes diagnosed 8 years ago, on metformin 1000 mg "
     "twice daily since 2019. Hypertension controlled with lisinopril. No history of pancreatitis. "
     "Denies insulin use. eGFR 78."},
    {"patient_id": "P2", "note": "58-year-old woman with type 2 diabetes and chronic kidney disease stage 3. "
     "Takes metformin and insulin glargine at night. Pancreatitis in 2015."},
    {"patient_id": "P3", "note": "54-year-old woman with high-grade serous ovarian cancer, status post six cycles of "
     "carboplatin and paclitaxel with complete response. Mild peripheral neuropathy of grade 1. "
     "No heart failure. BRCA1 testing negative."},
]

GD_TRUE = [("APOE", "Alzheimer disease"), ("BRCA1", "breast cancer"), ("CFTR", "cystic fibrosis"),
           ("HTT", "Huntington disease"), ("LRRK2", "Parkinson disease"), ("SNCA", "Parkinson disease"),
           ("KRAS", "colorectal cancer"), ("EGFR", "non-small cell lung cancer"), ("HBB", "sickle cell anemia"),
           ("FLT3", "acute myeloid leukemia"), ("IDH1", "glioblastoma"), ("BRAF", "melanoma")]
GD_WEIGHTS = [8, 7, 5, 4, 4, 3, 3, 3, 2, 2, 2, 2]
ABSTRACT_FILLERS = [
    "We genotyped {n} patients and {m} matched controls.",
    "Samples were collected at three centres between 2015 and 2020.",
    "These findings warrant replication in larger cohorts.",
    "Functional studies are needed to clarify the mechanism.",
    "Clinical data and blood samples were obtained from all participants.",
]

SLOT = re.compile(r"\{[A-Z]\d?[si]?\}")


def fill(template: str, values: dict[str, str]) -> tuple[str, dict[str, tuple[int, int]]]:
    """Fill ``{X}`` slots; return the text and each slot's character span."""
    out, spans, pos = [], {}, 0
    for m in SLOT.finditer(template):
        out.append(template[pos:m.start()])
        start = sum(map(len, out))
        value = values[m.group(0)[1:-1]]
        out.append(value)
        spans[m.group(0)[1:-1]] = (start, start + len(value))
        pos = m.end()
    out.append(template[pos:])
    text = "".join(out)
    return text[:1].upper() + text[1:], spans  # sentence case: "cisplatin induced..." -> "Cisplatin induced..."


def mask(text: str, spans: list[tuple[int, int, str]]) -> str:
    """Replace each ``(start, end, MASK)`` span by its mask, right to left."""
    for start, end, name in sorted(spans, reverse=True):
        text = text[:start] + name + text[end:]
    return text


def pool(names: list[str], kind: str, split: str) -> list[str]:
    return names if split != "train" else [x for x in names if x not in HELD_OUT[kind]]


def gene_disease(rng: random.Random, n: int, split: str) -> list[dict]:
    rows, seen = [], set()
    while len(rows) < n:
        label = "1" if len(rows) % 2 == 0 else "0"
        template = rng.choice(GD_POSITIVE if label == "1" else GD_NEGATIVE)
        values = {"G": rng.choice(pool(GENES, "G", split)), "D": rng.choice(pool(DISEASES, "D", split)),
                  "C": rng.choice(pool(CHEMICALS, "C", split))}
        text, spans = fill(template, values)
        if text in seen:
            continue
        seen.add(text)
        ent = lambda slot, label: {"start": spans[slot][0], "end": spans[slot][1], "label": label,  # noqa: E731
                                   "text": text[spans[slot][0]:spans[slot][1]]}
        rows.append({"text": text, "head": ent("G", "Gene"), "tail": ent("D", "Disease"), "label": label})
    return rows


def masked_rows(rows: list[dict]) -> list[tuple[str, str]]:
    return [(mask(r["text"], [(r["head"]["start"], r["head"]["end"], "@GENE$"),
                              (r["tail"]["start"], r["tail"]["end"], "@DISEASE$")]), r["label"]) for r in rows]


def chemprot(rng: random.Random, split: str, scale: float) -> list[tuple[str, str]]:
    rows, seen = [], set()
    for label, n in CHEMPROT_SIZES.items():
        k = 0
        while k < round(n * scale):
            template = rng.choice(CHEMPROT[label])
            values = {"C": rng.choice(pool(CHEMICALS, "C", split)), "G": rng.choice(pool(GENES, "G", split))}
            text, spans = fill(template, values)
            if text in seen:
                continue
            seen.add(text)
            rows.append((mask(text, [(*spans["C"], "@CHEMICAL$"), (*spans["G"], "@GENE$")]), label))
            k += 1
    rng.shuffle(rows)
    return rows


def ade(rng: random.Random, n: int) -> list[tuple[str, str]]:
    rows, seen = [], set()
    while len(rows) < n:
        drug, event = rng.choice(ADE_PAIRS)
        indication = rng.choice([d for c, d in INDICATIONS if c == drug] or [rng.choice(DISEASES)])
        values = {"C": drug, "A": event, "D": indication, "N": str(rng.randint(25, 79))}
        if rng.random() < 0.25:
            drug, indication = rng.choice(INDICATIONS)
            text, spans = fill(rng.choice(ADE_NEGATIVE_ONLY), {"C": drug, "D": indication})
            pairs = [(spans["D"], "0")]
        else:
            text, spans = fill(rng.choice(ADE_TEMPLATES), values)
            pairs = [(spans["A"], "1"), (spans["D"], "0")]
        if text in seen:
            continue
        seen.add(text)
        for effect, label in pairs:
            rows.append((mask(text, [(*spans["C"], "@CHEMICAL$"), (*effect, "@DISEASE$")]), label))
    return rows[:n]


def case_reports(rng: random.Random, n: int) -> list[str]:
    out = []
    for i in range(n):
        drug, event = ADE_PAIRS[i % len(ADE_PAIRS)]
        indication = next(d for c, d in INDICATIONS if c == drug)
        values = {"C": drug, "A": event, "D": indication, "N": str(rng.randint(25, 79))}
        out.append(fill(rng.choice(ADE_TEMPLATES if i % 4 else ADE_NEGATIVE_ONLY), values)[0])
    return out


def mechanisms(rng: random.Random) -> list[str]:
    out = []
    for i, (agent, target, pathway, direction, outcome, effect) in enumerate(MECHANISMS):
        t1, t2, t3 = (rng.choice(TRIGGER_FORMS[d]) for d in (direction, direction, effect))
        values = {"C": agent, "G": target, "P": pathway, "O": outcome, "T1s": t1[0], "T1i": t1[1],
                  "T2s": t2[0], "T2i": t2[1], "T3s": t3[0], "T3i": t3[1]}
        out.append(fill(MECH_TEMPLATES[i % len(MECH_TEMPLATES)], values)[0])
    return out


def abstracts(rng: random.Random, n: int) -> list[dict]:
    docs = []
    for i in range(n):
        sentences = [rng.choice(ABSTRACT_FILLERS[:2]).format(n=rng.randint(80, 900), m=rng.randint(80, 900))]
        for gene, disease in rng.choices(GD_TRUE, weights=GD_WEIGHTS, k=rng.choice([1, 2])):
            sentences.append(fill(rng.choice(GD_POSITIVE[:10]), {"G": gene, "D": disease})[0])
        gene, disease = rng.choice(GENES), rng.choice(DISEASES)  # a tested, unsupported pair
        if (gene, disease) not in GD_TRUE:
            sentences.append(fill(rng.choice(GD_NEGATIVE[:6]), {"G": gene, "D": disease})[0])
        sentences.append(rng.choice(ABSTRACT_FILLERS[2:]))
        docs.append({"doc_id": f"WB{i + 1:04d}", "text": " ".join(sentences)})
    return docs


def write_tsv(rows: list[tuple[str, str]], path: Path, header: bool) -> None:
    lines = ["index\tsentence\tlabel"] + [f"{i}\t{s}\t{lab}" for i, (s, lab) in enumerate(rows)] if header \
        else [f"{s}\t{lab}" for s, lab in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_jsonl(rows: list[dict], path: Path) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def main(out: Path = OUT) -> None:
    rng = random.Random(SEED)
    for sub in ("gene_disease", "chemprot", "ade", "usecases"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    for split, n in (("train", 320), ("test", 100)):
        rows = gene_disease(rng, n, split)
        write_jsonl(rows, out / "gene_disease" / f"{split}.jsonl")
        write_tsv(masked_rows(rows), out / "gene_disease" / f"{split}.tsv", header=split == "test")
    for split, scale in (("train", 1.0), ("test", 0.35)):
        write_tsv(chemprot(rng, split, scale), out / "chemprot" / f"{split}.tsv", header=split == "test")
    for split, n in (("train", 320), ("test", 100)):
        write_tsv(ade(rng, n), out / "ade" / f"{split}.tsv", header=split == "test")
    uc = out / "usecases"
    write_jsonl(abstracts(rng, 40), uc / "abstracts.jsonl")
    (uc / "case_reports.txt").write_text("\n".join(case_reports(rng, 24)) + "\n", encoding="utf-8")
    (uc / "mechanisms.txt").write_text("\n".join(mechanisms(rng)) + "\n", encoding="utf-8")
    (uc / "trials.json").write_text(json.dumps({"trials": TRIALS, "patients": PATIENTS}, indent=2) + "\n",
                                    encoding="utf-8")
    diseases = sorted(set(DISEASES) | {e for _, e in ADE_PAIRS} | {d for _, d in INDICATIONS})
    lexicon = {"Gene": GENES, "Disease": diseases, "Chemical": CHEMICALS,
               "Pathway": PATHWAYS, "Outcome": OUTCOMES, "Trigger": TRIGGERS}
    (uc / "lexicon.json").write_text(json.dumps(lexicon, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)

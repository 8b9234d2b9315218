"""Write the project's relation-extraction samples (data/re/...).

Every sentence is generated here from templates written for this project -- nothing is copied from a
corpus. Names and facts come from ``sample_facts.py``: a sentence that states a real relation is
filled from a fact table (its source is written to ``sources.tsv``); every other relation is stated
with invented names ("GENX7", "zorbanib", "Quellan syndrome").

Generalisation, not memorisation: every template belongs to train or to test, never both
(templates shared train/test: 0), and test sentences also draw on held-out names.

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
  sources.tsv                      every written sentence that states a real fact, with its source

Run:  python data/make_re_sample.py [OUT_DIR]
"""
from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sample_facts as F  # noqa: E402

OUT = Path(__file__).resolve().parent / "re"
SEED = 17
HELD_OUT_SHARE = 0.5  # in test, the chance that a name (or a fact) is drawn from the held-out names

# ------------------------------------------------------------------ gene-disease (binary, GAD-style)
# (split, how, template). how: "any" -- true for every gene-disease fact (association / risk wording);
# "causal" -- only for Mendelian causes; invented names fill any template.
GD_POSITIVE = [
    ("train", "any", "Mutations in {G} are associated with an increased risk of {D}."),
    ("train", "any", "Germline {G} variants predispose to {D}."),
    ("train", "any", "Individuals with pathogenic {G} variants had a higher incidence of {D}."),
    ("train", "any", "{D} susceptibility is strongly linked to the {G} locus."),
    ("train", "any", "Patients with {D} carried pathogenic {G} variants more often than controls."),
    ("train", "any", "The {G} genotype was an independent risk factor for {D}."),
    ("train", "causal", "{D} is caused by pathogenic variants in {G}."),
    ("train", "causal", "Sequencing of {G} confirmed {D} in the proband."),
    ("train", "causal", "Variants in {G} were identified as the cause of {D} in the family."),
    ("test", "any", "Inherited variants in {G} raise the risk of {D}."),
    ("test", "any", "{G} is a susceptibility gene for {D}."),
    ("test", "causal", "Affected members of families with {D} shared a pathogenic {G} variant."),
    ("test", "causal", "No patient with {D} in the registry lacked a pathogenic {G} variant."),
]
# "deny": states that there is no association (filled with at least one invented name);
# "none": mentions both without relating them (any names).
GD_NEGATIVE = [
    ("train", "deny", "No association between {G} polymorphisms and {D} was found."),
    ("train", "deny", "The {G} variant was not linked to {D} in this cohort."),
    ("train", "deny", "{G} genotype frequencies did not differ between {D} patients and controls."),
    ("train", "deny", "We found no evidence that {G} contributes to {D} susceptibility."),
    ("train", "deny", "{D} risk was not modified by {G} status after adjustment for age."),
    ("train", "deny", "{G} was sequenced in all samples, but no variant segregated with {D}."),
    ("train", "none", "Patients with {D} were recruited, and {G} served as a reference gene."),
    ("train", "none", "Samples from {D} patients were stored at -80 degrees before {G} genotyping."),
    ("test", "deny", "Our data do not support a role for {G} in {D}."),
    ("test", "deny", "Whether {G} influences the risk of {D} remains unknown."),
    ("test", "none", "The association of {G} with {D} was tested in 300 families."),
    ("test", "none", "{G} was used as a housekeeping control in the {D} cohort."),
]

# ------------------------------------------------------------------ ChemProt-style (multi-class)
# Written with masks only: the files hold no names. (train templates, test templates) per class.
CHEMPROT = {
    "CPR:3": (["{C} increased {G} expression in hepatocytes.", "{C} activates {G} in cultured cells.",
               "{G} was upregulated after exposure to {C}.", "{C} induced {G} transcription in a dose-dependent manner."],
              ["{C} enhanced {G} activity.", "Exposure to {C} raised {G} mRNA levels."]),
    "CPR:4": (["{C} inhibits {G} kinase activity in vitro.", "{C} reduced {G} expression in a dose-dependent manner.",
               "{C} is a potent {G} inhibitor.", "Treatment with {C} suppressed {G} phosphorylation."],
              ["{G} activity was blocked by {C}.", "{C} downregulated {G} protein levels."]),
    "CPR:5": (["{C} acts as an agonist of {G}.", "{C} is a selective {G} agonist."],
              ["{C} binds {G} as a full agonist.", "{C} stimulated {G} as a partial agonist."]),
    "CPR:6": (["{C} is a competitive {G} antagonist.", "{C} antagonizes {G} at nanomolar concentrations."],
              ["{C} acts as an antagonist of {G}.", "{G} signalling was antagonised by {C}."]),
    "CPR:9": (["{G} metabolises {C} in the liver.", "{C} is a substrate of {G}."],
              ["{G} converts {C} into an inactive metabolite.", "{C} is hydroxylated by {G}."]),
    "false": (["{C} and {G} were measured in the same samples.", "The effect of {C} on {G} was not examined.",
               "{G} levels were recorded before the first dose of {C}.", "{C} was given to mice lacking {G} and to controls."],
              ["Antibodies against {G} were diluted in buffer containing {C}.", "{C} did not alter {G} expression."]),
}
CHEMPROT_SIZES = {"CPR:3": 60, "CPR:4": 70, "CPR:5": 35, "CPR:6": 35, "CPR:9": 40, "false": 90}
CONTEXTS = ["", "In vitro, ", "In cultured cells, ", "In this study, ", "At micromolar concentrations, ",
            "In rat liver microsomes, ", "In HEK293 cells, ", "Under serum-free conditions, "]

# ------------------------------------------------------------------ adverse drug events
# {C} drug, {A} adverse event, {D} indication, {N} age: filled from sample_facts.DRUG_ADE and
# DRUG_INDICATION (the drug's real adverse event and a disease it is approved for).
ADE_TEMPLATES = [
    ("train", "A {N}-year-old woman with {D} developed {A} after starting {C}."),
    ("train", "{A} occurred in a {N}-year-old man receiving {C} for {D}."),
    ("train", "{C} was discontinued because of severe {A} in a patient treated for {D}."),
    ("train", "We report {A} induced by {C} in a patient with {D}."),
    ("train", "Severe {A} was attributed to {C}, which had been prescribed for {D}."),
    ("train", "After {C} was started for {D}, the patient presented with {A}."),
    ("test", "The patient had taken {C} for {D} before {A} appeared."),
    ("test", "{A} was diagnosed in a patient on {C} for {D}."),
]
ADE_NEGATIVE_ONLY = [
    ("train", "{C} was started to treat {D}."), ("train", "The patient with {D} responded well to {C}."),
    ("train", "{D} was controlled with {C} for six months."), ("train", "{C} was given for {D} without complications."),
    ("test", "{C} is approved for {D}."),
]

# ------------------------------------------------------------------ molecular mechanisms
# Curated sentences (each states real biology; source recorded), one per construction the extractor
# reads: active, participle and relative clauses, "By ...ing", passive, nominal ("Activation of X by Y"),
# "X-induced Y", and a negation (with an invented drug).
MECHANISMS = [
    ("Rapamycin inhibits mTOR signalling, reducing cell proliferation.",
     "DrugBank DB00877 (sirolimus): target MTOR; KEGG hsa04150 (mTOR signaling pathway)"),
    ("Erlotinib inhibits EGFR, suppressing MAPK signalling and reducing tumour cell proliferation.",
     "DrugBank DB00530: target EGFR; KEGG hsa04012 (ErbB signaling pathway: EGFR -> RAS-RAF-MEK-ERK)"),
    ("Vemurafenib inhibits BRAF, which activates the MAPK pathway.",
     "DrugBank DB08881: target BRAF; KEGG hsa04010 (MAPK signaling pathway: BRAF -> MEK -> ERK)"),
    ("MAPK signalling was suppressed by vemurafenib.", "DrugBank DB08881; KEGG hsa04010"),
    ("TNF-α activates NF-κB signalling.", "KEGG hsa04668 (TNF signaling pathway: TNF -> NF-kB)"),
    ("NF-κB was activated by TNF-α.", "KEGG hsa04668 (TNF signaling pathway)"),
    ("Activation of NF-κB by TNF-α leads to transcription of pro-inflammatory cytokines.",
     "KEGG hsa04668 (TNF signaling pathway) and hsa04064 (NF-kappa B signaling pathway)"),
    ("TNF-α-induced NF-κB activation promotes inflammation.", "KEGG hsa04668 (TNF signaling pathway)"),
    ("By inhibiting JAK2, ruxolitinib blocks JAK/STAT signalling.",
     "DrugBank DB08877: targets JAK1, JAK2; KEGG hsa04630 (JAK-STAT signaling pathway)"),
    ("Tocilizumab blocks IL6R, suppressing JAK/STAT signalling.",
     "DrugBank DB06273: target IL6R; KEGG hsa04630 (IL-6 -> JAK -> STAT3)"),
    ("Inhibition of GSK3B by lithium activates Wnt/beta-catenin signalling.",
     "Klein & Melton 1996, PMID 8710892; DrugBank DB01356: target GSK3B; KEGG hsa04310 (Wnt signaling pathway)"),
    ("APC inhibits Wnt/beta-catenin signalling.", "KEGG hsa04310 (APC in the beta-catenin destruction complex)"),
    ("Metformin activates AMPK, inhibiting mTOR signalling.",
     "Zhou et al. 2001, PMID 11602624; KEGG hsa04152 (AMPK signaling pathway: AMPK -| mTORC1)"),
    ("Insulin activates PI3K/AKT signalling, which inhibits apoptosis.",
     "KEGG hsa04910 (insulin signaling pathway) and hsa04151 (PI3K-Akt: AKT -| BAD, apoptosis)"),
    ("Venetoclax inhibits BCL2, inducing apoptosis.", "DrugBank DB11581: target BCL2; KEGG hsa04210 (apoptosis)"),
    ("Bortezomib inhibits PSMB5, blocking NF-κB activation.",
     "DrugBank DB00188: target PSMB5 (26S proteasome); KEGG hsa04064 (IkB degradation -> NF-kB)"),
    ("Zorbanib did not inhibit EGFR.", None),  # an invented drug: a negated step, no real claim
]
MECH_LEXICON = {
    "Gene": ["TNF-α", "TNF", "IL-6", "IL6R", "GSK3B", "AMPK", "PSMB5", "BCL2", "JAK2", "BRAF", "EGFR", "MTOR", "APC"],
    "Chemical": ["rapamycin", "erlotinib", "vemurafenib", "ruxolitinib", "tocilizumab", "lithium", "metformin",
                 "insulin", "venetoclax", "bortezomib", "zorbanib"],
    "Pathway": ["MAPK", "PI3K/AKT", "NF-κB", "NF-kB", "Wnt/beta-catenin", "JAK/STAT", "mTOR", "Hedgehog", "Notch",
                "TGF-beta", "Hippo"],
    "Outcome": ["cell proliferation", "tumour cell proliferation", "apoptosis", "inflammation", "angiogenesis",
                "cell migration", "autophagy", "cell survival", "glucose uptake", "fibrosis", "tumour growth",
                "transcription of pro-inflammatory cytokines"],
}
# (3rd person, -ing) forms of trigger verbs by the direction of their effect
TRIGGER_FORMS = {"down": [("inhibits", "inhibiting"), ("suppresses", "suppressing"), ("blocks", "blocking"),
                          ("reduces", "reducing"), ("attenuates", "attenuating"), ("decreases", "decreasing")],
                 "up": [("activates", "activating"), ("induces", "inducing"), ("enhances", "enhancing"),
                        ("promotes", "promoting"), ("increases", "increasing"), ("stimulates", "stimulating")]}
TRIGGERS = {d: [w for pair in forms for w in pair] for d, forms in TRIGGER_FORMS.items()}

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


GD_WEIGHTS = {"BRCA1": 8, "APOE": 6, "CFTR": 5, "HTT": 4, "LRRK2": 4, "DMD": 3, "HBB": 3, "F8": 2, "TP53": 2,
              "APC": 2, "FBN1": 2}  # how often each real association is reported in the abstracts (others: 1)
ABSTRACT_FILLERS = [
    "We genotyped {n} patients and {m} matched controls.",
    "Samples were collected at three centres between 2015 and 2020.",
    "These findings warrant replication in larger cohorts.",
    "Functional studies are needed to clarify the mechanism.",
    "Clinical data and blood samples were obtained from all participants.",
]


def pick(rng: random.Random, pool: list[str], kind: str, split: str, avoid: set[str] = frozenset()) -> str:
    """A name from ``pool``: never a held-out one in train; held-out about half the time in test."""
    pool = [x for x in pool if x not in avoid]
    held = [x for x in pool if x in F.HELD_OUT[kind]]
    if split != "train" and held and rng.random() < HELD_OUT_SHARE:
        return rng.choice(held)
    return rng.choice([x for x in pool if x not in F.HELD_OUT[kind]])


def fact(rng: random.Random, table: list[tuple], split: str, how: str = "") -> tuple:
    rows = F.facts_for(table, split, how)
    if split != "train" and rng.random() < HELD_OUT_SHARE:
        held = set().union(*F.HELD_OUT.values())
        rows = [r for r in rows if r[0] in held or r[1] in held] or rows
    return rng.choice(rows)


def invented_pair(rng: random.Random, split: str) -> dict[str, str]:
    """Gene and disease for a relation that is not real: at least one of the two is invented."""
    real_gene = rng.random() < 0.4
    real_disease = not real_gene and rng.random() < 0.6
    return {"G": pick(rng, F.names("Gene", split, real=real_gene, invented=not real_gene), "Gene", split),
            "D": pick(rng, F.names("Disease", split, real=real_disease, invented=not real_disease), "Disease", split)}


def gene_disease(rng: random.Random, n: int, split: str, sources: list) -> list[dict]:
    positive = [(how, t) for s, how, t in GD_POSITIVE if s == split]
    negative = [(how, t) for s, how, t in GD_NEGATIVE if s == split]
    rows, seen = [], set()
    while len(rows) < n:
        label = "1" if len(rows) % 2 == 0 else "0"
        how, template = rng.choice(positive if label == "1" else negative)
        source = None
        if label == "1" and rng.random() < 0.5:
            gene, disease, source, _ = fact(rng, F.GENE_DISEASE, split, "" if how == "any" else how)
            values = {"G": gene, "D": disease}
        elif how == "none":
            values = {"G": pick(rng, F.names("Gene", split), "Gene", split),
                      "D": pick(rng, F.names("Disease", split), "Disease", split)}
        else:
            values = invented_pair(rng, split)
        text, spans = fill(template, values)
        if text in seen:
            continue
        seen.add(text)
        if source:
            sources.append((f"gene_disease/{split}.jsonl", text, source))
        ent = lambda slot, lab: {"start": spans[slot][0], "end": spans[slot][1], "label": lab,  # noqa: E731
                                 "text": text[spans[slot][0]:spans[slot][1]]}
        rows.append({"text": text, "head": ent("G", "Gene"), "tail": ent("D", "Disease"), "label": label})
    return rows


def masked_rows(rows: list[dict]) -> list[tuple[str, str]]:
    return [(mask(r["text"], [(r["head"]["start"], r["head"]["end"], "@GENE$"),
                              (r["tail"]["start"], r["tail"]["end"], "@DISEASE$")]), r["label"]) for r in rows]


def chemprot(rng: random.Random, split: str, scale: float) -> list[tuple[str, str]]:
    rows = []
    for label, n in CHEMPROT_SIZES.items():
        templates = CHEMPROT[label][0 if split == "train" else 1]
        for _ in range(round(n * scale)):
            template, context = rng.choice(templates), rng.choice(CONTEXTS)
            if context and not template.startswith("{"):
                template = template[0].lower() + template[1:]
            text = (context + template).replace("{C}", "@CHEMICAL$").replace("{G}", "@GENE$")
            rows.append((text, label))
    rng.shuffle(rows)
    return rows


def indication_of(drug: str) -> tuple[str, str]:
    return next((d, src) for c, d, src in F.DRUG_INDICATION if c == drug)


def ade(rng: random.Random, n: int, split: str) -> list[tuple[str, str]]:
    events = [t for s, t in ADE_TEMPLATES if s == split]
    only = [t for s, t in ADE_NEGATIVE_ONLY if s == split]
    rows, seen = [], set()
    while len(rows) < n:
        drug, event, _ = fact(rng, F.DRUG_ADE, split)
        indication, _ = indication_of(drug)
        if rng.random() < 0.25:
            drug, indication, _ = fact(rng, F.DRUG_INDICATION, split)
            text, spans = fill(rng.choice(only), {"C": drug, "D": indication})
            pairs = [(spans["D"], "0")]
        else:
            values = {"C": drug, "A": event, "D": indication, "N": str(rng.randint(25, 79))}
            text, spans = fill(rng.choice(events), values)
            pairs = [(spans["A"], "1"), (spans["D"], "0")]
        if text in seen:
            continue
        seen.add(text)
        for effect, label in pairs:
            rows.append((mask(text, [(*spans["C"], "@CHEMICAL$"), (*effect, "@DISEASE$")]), label))
    return rows[:n]


def case_reports(rng: random.Random, n: int, sources: list) -> list[str]:
    out = []
    templates = [t for _, t in ADE_TEMPLATES]
    for i in range(n):
        drug, event, event_source = F.DRUG_ADE[i % len(F.DRUG_ADE)]
        indication, indication_source = indication_of(drug)
        values = {"C": drug, "A": event, "D": indication, "N": str(rng.randint(25, 79))}
        ade_report = bool(i % 4)
        text = fill(rng.choice(templates if ade_report else [t for _, t in ADE_NEGATIVE_ONLY]), values)[0]
        sources.append(("usecases/case_reports.txt", text,
                        f"{event_source}; {indication_source}" if ade_report else indication_source))
        out.append(text)
    return out


def abstracts(rng: random.Random, n: int, sources: list) -> list[dict]:
    docs = []
    weights = [GD_WEIGHTS.get(g, 1) for g, *_ in F.GENE_DISEASE]
    for i in range(n):
        sentences = [rng.choice(ABSTRACT_FILLERS[:2]).format(n=rng.randint(80, 900), m=rng.randint(80, 900))]
        for gene, disease, source, how in rng.choices(F.GENE_DISEASE, weights=weights, k=rng.choice([1, 2])):
            templates = [t for _, h, t in GD_POSITIVE if h == "any" or how.startswith(h)]
            sentences.append(fill(rng.choice(templates), {"G": gene, "D": disease})[0])
            sources.append(("usecases/abstracts.jsonl", sentences[-1], source))
        # a tested, unsupported pair: invented gene or disease, so it denies nothing real
        denials = [t for _, h, t in GD_NEGATIVE if h == "deny"]
        sentences.append(fill(rng.choice(denials), invented_pair(rng, "train"))[0])
        sentences.append(rng.choice(ABSTRACT_FILLERS[2:]))
        docs.append({"doc_id": f"WB{i + 1:04d}", "text": " ".join(sentences)})
    return docs


def mechanisms(sources: list) -> list[str]:
    for sentence, source in MECHANISMS:
        if source:
            sources.append(("usecases/mechanisms.txt", sentence, source))
    return [sentence for sentence, _ in MECHANISMS]


def lexicon() -> dict:
    real = F.all_real_names()
    names = {kind: list(dict.fromkeys(real[kind] + MECH_LEXICON.get(kind, []) + F.INVENTED[kind]))
             for kind in ("Gene", "Disease", "Chemical")}
    return {**names, "Pathway": MECH_LEXICON["Pathway"], "Outcome": MECH_LEXICON["Outcome"], "Trigger": TRIGGERS}


def write_tsv(rows: list[tuple[str, str]], path: Path, header: bool) -> None:
    lines = ["index\tsentence\tlabel"] + [f"{i}\t{s}\t{lab}" for i, (s, lab) in enumerate(rows)] if header \
        else [f"{s}\t{lab}" for s, lab in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_jsonl(rows: list[dict], path: Path) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def write_sources(sources: list, path: Path) -> None:
    lines = ["file\tsentence\tsource"] + [f"{f}\t{s}\t{src}" for f, s, src in sources]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(out: Path = OUT) -> None:
    rng = random.Random(SEED)
    sources: list[tuple[str, str, str]] = []
    for sub in ("gene_disease", "chemprot", "ade", "usecases"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    for split, n in (("train", 320), ("test", 100)):
        rows = gene_disease(rng, n, split, sources)
        write_jsonl(rows, out / "gene_disease" / f"{split}.jsonl")
        write_tsv(masked_rows(rows), out / "gene_disease" / f"{split}.tsv", header=split == "test")
    for split, scale in (("train", 1.0), ("test", 0.35)):
        write_tsv(chemprot(rng, split, scale), out / "chemprot" / f"{split}.tsv", header=split == "test")
    for split, n in (("train", 320), ("test", 100)):
        write_tsv(ade(rng, n, split), out / "ade" / f"{split}.tsv", header=split == "test")
    uc = out / "usecases"
    write_jsonl(abstracts(rng, 40, sources), uc / "abstracts.jsonl")
    (uc / "case_reports.txt").write_text("\n".join(case_reports(rng, 24, sources)) + "\n", encoding="utf-8")
    (uc / "mechanisms.txt").write_text("\n".join(mechanisms(sources)) + "\n", encoding="utf-8")
    (uc / "trials.json").write_text(json.dumps({"trials": TRIALS, "patients": PATIENTS}, indent=2) + "\n",
                                    encoding="utf-8")
    (uc / "lexicon.json").write_text(json.dumps(lexicon(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    write_sources(sources, out / "sources.tsv")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)

"""Write the project's NER sample (data/ner/{train,devel,test}.tsv).

Every sentence is generated here from templates written for this project and lists of common
biomedical names (diseases, drugs/chemicals, genes) -- nothing is copied from a corpus. The test
split uses some names that never occur in train, so a model has to generalise, not memorise.

Run:  python data/make_ner_sample.py [OUT_DIR]   (deterministic: the same files every time)
"""
from __future__ import annotations

import random
import re
from pathlib import Path

OUT = Path(__file__).resolve().parent / "ner"
SEED = 13

DISEASES = [
    "breast cancer", "type 2 diabetes", "Alzheimer disease", "Parkinson disease", "asthma",
    "cystic fibrosis", "hepatocellular carcinoma", "rheumatoid arthritis", "multiple sclerosis",
    "colorectal cancer", "Huntington disease", "sickle cell anemia", "chronic kidney disease",
    "hypertension", "ovarian cancer", "glioblastoma", "heart failure", "psoriasis",
    "non-small cell lung cancer", "Crohn disease", "osteoporosis", "acute myeloid leukemia",
    "epilepsy", "migraine", "atrial fibrillation", "hemophilia A", "Duchenne muscular dystrophy",
    "melanoma", "pancreatitis", "retinitis pigmentosa",
]
CHEMICALS = [
    "cisplatin", "metformin", "aspirin", "tamoxifen", "doxorubicin", "paclitaxel", "imatinib",
    "warfarin", "ibuprofen", "lithium", "dexamethasone", "gemcitabine", "rapamycin", "insulin",
    "acetaminophen", "sorafenib", "methotrexate", "valproic acid", "cyclophosphamide", "curcumin",
    "nitric oxide", "hydrogen peroxide", "atorvastatin", "levodopa", "5-fluorouracil",
    "carboplatin", "erlotinib", "resveratrol", "haloperidol", "ketamine",
]
GENES = [
    "BRCA1", "TP53", "EGFR", "KRAS", "APOE", "CFTR", "HTT", "PTEN", "MYC", "BCL2", "TNF",
    "IL6", "VEGFA", "ERBB2", "PIK3CA", "APC", "LRRK2", "SNCA", "JAK2", "ALK", "BRAF", "IDH1",
    "MTOR", "STAT3", "NOTCH1", "SOD1", "HBB", "FLT3", "CDKN2A", "ESR1",
]

# {D} disease, {C} chemical, {G} gene. Written for this project.
TEMPLATES = [
    "Mutations in {G} are associated with an increased risk of {D} .",
    "Patients with {D} were treated with {C} for six months .",
    "{C} reduced tumour growth in a mouse model of {D} .",
    "Expression of {G} was elevated in samples from patients with {D} .",
    "We report a case of {D} after long-term exposure to {C} .",
    "Loss of {G} function promotes {D} progression .",
    "{C} inhibits {G} signalling in cultured cells .",
    "The {G} variant was not linked to {D} in this cohort .",
    "Treatment with {C} improved survival in {D} .",
    "Germline variants of {G} predispose carriers to {D} .",
    "{C} induced {D} in two of the twenty patients .",
    "Knockdown of {G} sensitised cells to {C} .",
    "The combination of {C} and {C2} was well tolerated in {D} .",
    "{G} and {G2} are frequently co-mutated in {D} .",
    "Serum levels of {G} predicted response to {C} .",
    "No association between {G} polymorphisms and {D} was found .",
    "{D} is a common complication in patients receiving {C} .",
    "Overexpression of {G} confers resistance to {C} in {D} cells .",
    "A phase II trial evaluated {C} in adults with {D} .",
    "The study examined whether {C} lowers the incidence of {D} .",
    "{G} encodes a protein that regulates cell growth .",
    "Inhibitors of {G} are under investigation for {D} .",
    "Chronic use of {C} may cause {D} in elderly patients .",
    "Children with {D} carried biallelic {G} mutations .",
    "{C} binds {G} and blocks its kinase activity .",
    "Methylation of the {G} promoter was observed in {D} .",
    "The patient developed {D} and {D2} during follow-up .",
    "Blood samples were collected before and after the first dose .",
    "All participants gave written informed consent .",
    "{C} was dissolved in saline before injection .",
]

HELD_OUT = {  # names that appear only in devel/test
    "D": {"melanoma", "pancreatitis", "retinitis pigmentosa", "epilepsy"},
    "C": {"carboplatin", "erlotinib", "resveratrol", "haloperidol"},
    "G": {"SOD1", "HBB", "FLT3", "ESR1"},
}
POOLS = {"D": ("Disease", DISEASES), "C": ("Chemical", CHEMICALS), "G": ("Gene", GENES)}


def tokenize(text: str) -> list[str]:
    """Split on spaces; keep hyphenated names and numbers-with-letters together."""
    return [t for t in text.split(" ") if t]


def fill(template: str, rng: random.Random, split: str) -> tuple[list[str], list[str]]:
    tokens, tags = [], []
    used: dict[str, str] = {}
    for piece in re.split(r"(\{[DCG]2?\})", template):
        if not piece:
            continue
        m = re.fullmatch(r"\{([DCG])(2?)\}", piece)
        if not m:
            for tok in tokenize(piece):
                tokens.append(tok)
                tags.append("O")
            continue
        kind = m.group(1)
        etype, pool = POOLS[kind]
        allowed = pool if split != "train" else [x for x in pool if x not in HELD_OUT[kind]]
        choices = [x for x in allowed if x != used.get(kind)]
        name = rng.choice(choices)
        used[kind] = name
        for i, tok in enumerate(tokenize(name)):
            tokens.append(tok)
            tags.append(("B-" if i == 0 else "I-") + etype)
    return tokens, tags


def make_split(n: int, split: str, rng: random.Random) -> list[tuple[list[str], list[str]]]:
    out, seen = [], set()
    while len(out) < n:
        sent = fill(rng.choice(TEMPLATES), rng, split)
        key = " ".join(sent[0])
        if key in seen:
            continue
        seen.add(key)
        out.append(sent)
    return out


def write(sentences, path: Path) -> None:
    lines = []
    for tokens, tags in sentences:
        lines += [f"{tok}\t{tag}" for tok, tag in zip(tokens, tags)] + [""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(out: Path = OUT) -> None:
    rng = random.Random(SEED)
    out.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    for split, n in (("train", 240), ("devel", 60), ("test", 60)):
        sents = [s for s in make_split(n + 40, split, rng) if " ".join(s[0]) not in seen][:n]
        seen.update(" ".join(s[0]) for s in sents)
        write(sents, out / f"{split}.tsv")
        print(f"{split}: {len(sents)} sentences -> {out.name}/{split}.tsv")


if __name__ == "__main__":
    import sys

    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)

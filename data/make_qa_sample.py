"""Write the project's question-answering sample (data/qa/{train,dev}.json, SQuAD v1.1 format).

Every passage is generated here: 2-4 fact sentences written for this project plus an occasional
filler sentence. Each fact sentence brings its own questions (which gene, what drug, which disease,
how many, when, where ...); the answer is the exact span of the passage that filled the slot. Names
are distinct within a passage, so every question has one answer.

What the sentences say: a template that states a real kind of fact (a gene-disease association, a
drug's indication, adverse event or target) is filled from ``sample_facts.py`` -- a real fact with its
source (written to ``sources.tsv``) or invented names; templates about things no table records
(expression sites, trial sizes, approval years) always use invented genes and drugs ("GENX7",
"zorbanib"). Dev passages are built from fact templates that never occur in train and draw about half
of their names from names held out of train, so a model has to read, not memorise.

Run:  python data/make_qa_sample.py [OUT_DIR]   (deterministic: the same files every time)
"""
from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sample_facts as F  # noqa: E402  (shared facts and names)

OUT = Path(__file__).resolve().parent / "qa"
SEED = 17
SPLITS = (("train", 150), ("dev", 40))  # passages per split

PROCESSES = ["cell growth", "DNA repair", "apoptosis", "insulin signalling", "lipid metabolism",
             "the immune response", "iron transport", "mitochondrial fission"]
TISSUES = ["liver", "brain", "kidney", "lung", "heart", "pancreas", "skin", "bone marrow", "retina"]
ADVERSE = ["nausea", "fatigue", "rash", "neutropenia", "diarrhoea", "headache", "dizziness", "alopecia"]
MONTHS = ["three", "six", "nine", "twelve", "eighteen", "twenty-four"]

# Fact sentences (written for this project) and their questions: (question, slot holding the answer).
# Slots: G/G2 gene, D disease, C chemical, P process, T tissue, A adverse event, M months (word),
# N a count, R a percentage, Y a year.
# (split, kind, fact sentence, questions). Kinds: gd / gd:causal (gene-disease facts), treat (indication),
# ade (adverse event), kinase / target (drug target) -- each a real fact or invented names; invented:
# genes, drugs and diseases are always invented.
FACTS = [
    ("train", "gd", "Mutations in {G} are associated with an increased risk of {D}.",
     [("Which gene is associated with an increased risk of {D}?", "G"),
      ("Mutations in which gene increase the risk of {D}?", "G"),
      ("What disease is linked to mutations in {G}?", "D")]),
    ("train", "target", "{C} inhibits {G} in cultured cells.",
     [("What does {C} inhibit?", "G"), ("Which drug inhibits {G}?", "C")]),
    ("train", "invented", "Patients with {D} were treated with {C} for {M} months.",
     [("What drug were patients with {D} treated with?", "C"),
      ("For how many months were patients treated with {C}?", "M")]),
    ("train", "treat", "{C} is approved to treat {D}.",
     [("What is {C} used to treat?", "D"), ("Which drug is used to treat {D}?", "C")]),
    ("train", "invented", "{G} encodes a protein that regulates {P}.",
     [("What does the protein encoded by {G} regulate?", "P"), ("Which gene encodes a regulator of {P}?", "G")]),
    ("train", "invented", "Overexpression of {G} confers resistance to {C} in {D} cells.",
     [("Overexpression of which gene confers resistance to {C}?", "G"),
      ("Resistance to which drug is conferred by {G} overexpression?", "C")]),
    ("train", "invented", "A phase II trial of {C} enrolled {N} adults with {D}.",
     [("How many adults were enrolled in the trial of {C}?", "N"),
      ("Which disease did the trial of {C} study?", "D")]),
    ("train", "kinase", "{C} binds {G} and blocks its kinase activity.",
     [("Which kinase does {C} bind?", "G"), ("What blocks the kinase activity of {G}?", "C")]),
    ("train", "ade", "{C} may cause {D}.",
     [("What may {C} cause?", "D"), ("Which drug may cause {D}?", "C")]),
    ("train", "invented", "Methylation of the {G} promoter was observed in {D}.",
     [("Methylation of which gene promoter was observed in {D}?", "G"),
      ("In which disease was methylation of the {G} promoter observed?", "D")]),
    ("train", "invented", "{G} is mainly expressed in the {T}.",
     [("Where is {G} mainly expressed?", "T"), ("Which gene is mainly expressed in the {T}?", "G")]),
    ("train", "invented", "The most common adverse event of {C} was {A}.",
     [("What was the most common adverse event of {C}?", "A")]),
    ("dev", "gd:causal", "{D} is caused by pathogenic variants in {G}.",
     [("Variants in which gene cause {D}?", "G"), ("Which disease is caused by pathogenic variants in {G}?", "D")]),
    ("train", "invented", "{C} lowered the incidence of {D} by {R} percent.",
     [("Which drug lowered the incidence of {D}?", "C"), ("By what percentage did {C} lower the incidence of {D}?", "R")]),
    ("dev", "invented", "{G} and {G2} are frequently co-mutated in {D}.",
     [("Which gene is frequently co-mutated with {G} in {D}?", "G2"),
      ("In which disease are {G} and {G2} frequently co-mutated?", "D")]),
    ("dev", "invented", "The {G} inhibitor {C} was approved for {D} in {Y}.",
     [("In what year was {C} approved for {D}?", "Y"), ("Which gene does {C} inhibit?", "G")]),
    ("dev", "invented", "Knockdown of {G} sensitised {D} cells to {C}.",
     [("Knockdown of which gene sensitised cells to {C}?", "G"), ("Knockdown of {G} sensitised cells to which drug?", "C")]),
]
FACT_TABLES = {"gd": (F.GENE_DISEASE, "GD"), "treat": (F.DRUG_INDICATION, "CD"), "ade": (F.DRUG_ADE, "CD"),
               "target": (F.DRUG_TARGET, "CG"),
               "kinase": ([r for r in F.DRUG_TARGET if r[1] in ("MTOR", "EGFR", "BRAF", "ABL1", "JAK2")], "CG")}
HELD_OUT_SHARE = 0.5  # in dev, the chance that a name (or a fact) is drawn from the held-out names
FILLERS = [
    "Blood samples were collected before and after the first dose.",
    "All participants gave written informed consent.",
    "Further studies are needed to confirm these findings.",
    "The study was approved by the local ethics committee.",
]
_NAMES = {"P": PROCESSES, "T": TISSUES, "A": ADVERSE, "M": MONTHS}
_TYPE = {"G": "Gene", "D": "Disease", "C": "Chemical"}
_SLOT = re.compile(r"\{([A-Z])(2?)\}")


class _Passage:
    """Fills slots with values that are distinct across the whole passage."""

    def __init__(self, rng: random.Random, split: str):
        self.rng, self.split, self.used = rng, split, set()
        self.sources: list[tuple[str, str]] = []

    def value(self, kind: str, invented: bool = False) -> str:
        if kind == "N":
            pool = [str(n) for n in range(40, 400, 7)]
        elif kind == "R":
            pool = [str(n) for n in range(12, 61)]
        elif kind == "Y":
            pool = [str(y) for y in range(2004, 2023)]
        elif kind in _TYPE:
            t = _TYPE[kind]
            pool = [x for x in F.names(t, "dev", real=not invented) if x.lower() not in self.used]
            held = [x for x in pool if x in F.HELD_OUT[t]]
            if self.split != "train" and held and self.rng.random() < HELD_OUT_SHARE:
                pool = held
            else:
                pool = [x for x in pool if x not in F.HELD_OUT[t]]
        else:
            pool = _NAMES[kind]
        choice = self.rng.choice([x for x in pool if x.lower() not in self.used])
        self.used.add(choice.lower())
        return choice

    def fact(self, kind: str) -> dict[str, str]:
        """Slot values from a real fact of the ``kind`` (unused in this passage), or ``{}``."""
        kind, _, how = kind.partition(":")
        if kind not in FACT_TABLES or self.rng.random() < 0.5:
            return {}
        table, order = FACT_TABLES[kind]
        rows = [r for r in F.facts_for(table, self.split, how) if r[0].lower() not in self.used
                and r[1].lower() not in self.used]
        if self.split != "train" and self.rng.random() < HELD_OUT_SHARE:
            held = set().union(*F.HELD_OUT.values())
            rows = [r for r in rows if r[0] in held or r[1] in held] or rows
        if not rows:
            return {}
        a, b, source = self.rng.choice(rows)[:3]
        self.used.update((a.lower(), b.lower()))
        self.sources.append(("", source))
        return {order[0]: a, order[1]: b}

    def sentence(self, template: str, kind: str) -> tuple[str, dict[str, tuple[int, int]], dict[str, str]]:
        """The filled sentence, each slot's character span in it, and the slot values."""
        values: dict[str, str] = self.fact(kind)
        real_fact = bool(values)
        if not real_fact and kind != "invented" and kind in ("gd", "gd:causal", "treat", "ade", "target", "kinase"):
            invented = self.rng.choice(sorted({m.group(1) for m in _SLOT.finditer(template)} & set(_TYPE)))
        else:
            invented = None
        spans: dict[str, tuple[int, int]] = {}
        text, pos = "", 0
        for m in _SLOT.finditer(template):
            key = m.group(1) + m.group(2)
            if key not in values:
                fake = key[0] in _TYPE and (key[0] == invented or kind == "invented")
                values[key] = self.value(m.group(1), invented=fake)
            text += template[pos:m.start()]
            spans[key] = (len(text), len(text) + len(values[key]))
            text += values[key]
            pos = m.end()
        text += template[pos:]
        text = text[0].upper() + text[1:]
        if real_fact:
            self.sources[-1] = (text, self.sources[-1][1])
        return text, spans, values


def make_passage(rng: random.Random, split: str) -> tuple[str, list[dict], list[tuple[str, str]]]:
    """One passage, its questions (SQuAD ``qas`` entries without ids) and the sources of its real facts."""
    filler = rng.random() < 0.5
    facts = rng.sample([f for f in FACTS if f[0] == split], rng.randint(2, 4))
    passage = _Passage(rng, split)
    parts, qas, offset = [], [], 0
    for i, (_, kind, template, questions) in enumerate(facts):
        sentence, spans, values = passage.sentence(template, kind)
        for question, slot in rng.sample(questions, min(len(questions), rng.choice([1, 1, 2]))):
            start, end = spans[slot]
            text = sentence[start:end]
            q = _SLOT.sub(lambda m: values[m.group(1) + m.group(2)], question)
            qas.append({"question": q[0].upper() + q[1:],
                        "answers": [{"text": text, "answer_start": offset + start}]})
        parts.append(sentence)
        offset += len(sentence) + 1
        if filler and i == 0:
            parts.append(rng.choice(FILLERS))
            offset += len(parts[-1]) + 1
    return " ".join(parts), qas, passage.sources


def make_split(split: str, n_passages: int, rng: random.Random, sources: list | None = None) -> dict:
    data = []
    for p in range(n_passages):
        context, qas, facts = make_passage(rng, split)
        if sources is not None:
            sources += [(split, sentence, source) for sentence, source in facts]
        for k, qa in enumerate(qas):
            qa["id"] = f"{split}-{p:03d}-{k}"
            ans = qa["answers"][0]
            assert context[ans["answer_start"]:ans["answer_start"] + len(ans["text"])] == ans["text"]
        data.append({"title": f"{split}-{p:03d}", "paragraphs": [{"context": context, "qas": qas}]})
    return {"version": "1.1", "source": "written by the biomedical-NLP workbench (data/make_qa_sample.py)",
            "data": data}


def main(out: Path = OUT) -> None:
    rng = random.Random(SEED)
    out.mkdir(parents=True, exist_ok=True)
    sources: list[tuple[str, str, str]] = []
    for split, n in SPLITS:
        doc = make_split(split, n, rng, sources)
        path = out / f"{split}.json"
        path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        n_q = sum(len(p["qas"]) for a in doc["data"] for p in a["paragraphs"])
        print(f"{split}: {n} passages, {n_q} questions -> {out.name}/{split}.json")
    lines = ["split\tsentence\tsource"] + [f"{sp}\t{sen}\t{src}" for sp, sen, src in sources]
    (out / "sources.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)

"""Write the project's question-answering sample (data/qa/{train,dev}.json, SQuAD v1.1 format).

Every passage is generated here: 2-4 fact sentences written for this project, filled with the
disease, drug/chemical and gene names of ``make_ner_sample.py``, plus an occasional filler
sentence. Each fact sentence brings its own questions (which gene, what drug, which disease,
what does X inhibit, how many, when, where ...); the answer is the exact span of the passage that
filled the slot. Names are distinct within a passage, so every question has one answer. The dev
split also uses names that never occur in train, so a model has to read, not memorise.

Run:  python data/make_qa_sample.py [OUT_DIR]   (deterministic: the same files every time)
"""
from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_ner_sample import CHEMICALS, DISEASES, GENES, HELD_OUT  # noqa: E402  (shared name lists)

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
FACTS = [
    ("Mutations in {G} are associated with an increased risk of {D}.",
     [("Which gene is associated with an increased risk of {D}?", "G"),
      ("Mutations in which gene increase the risk of {D}?", "G"),
      ("What disease is linked to mutations in {G}?", "D")]),
    ("{C} inhibits {G} signalling in cultured cells.",
     [("What does {C} inhibit?", "G"), ("Which drug inhibits {G} signalling?", "C")]),
    ("Patients with {D} were treated with {C} for {M} months.",
     [("What drug were patients with {D} treated with?", "C"),
      ("For how many months were patients treated with {C}?", "M")]),
    ("{C} is widely used to treat {D}.",
     [("What is {C} used to treat?", "D"), ("Which drug is used to treat {D}?", "C")]),
    ("{G} encodes a protein that regulates {P}.",
     [("What does the protein encoded by {G} regulate?", "P"), ("Which gene encodes a regulator of {P}?", "G")]),
    ("Overexpression of {G} confers resistance to {C} in {D} cells.",
     [("Overexpression of which gene confers resistance to {C}?", "G"),
      ("Resistance to which drug is conferred by {G} overexpression?", "C")]),
    ("A phase II trial of {C} enrolled {N} adults with {D}.",
     [("How many adults were enrolled in the trial of {C}?", "N"),
      ("Which disease did the trial of {C} study?", "D")]),
    ("{C} binds {G} and blocks its kinase activity.",
     [("Which kinase does {C} bind?", "G"), ("What blocks the kinase activity of {G}?", "C")]),
    ("Chronic use of {C} may cause {D} in elderly patients.",
     [("What may chronic use of {C} cause?", "D"), ("Chronic use of which drug may cause {D}?", "C")]),
    ("Methylation of the {G} promoter was observed in {D}.",
     [("Methylation of which gene promoter was observed in {D}?", "G"),
      ("In which disease was methylation of the {G} promoter observed?", "D")]),
    ("{G} is mainly expressed in the {T}.",
     [("Where is {G} mainly expressed?", "T"), ("Which gene is mainly expressed in the {T}?", "G")]),
    ("The most common adverse event of {C} was {A}.",
     [("What was the most common adverse event of {C}?", "A")]),
    ("{D} is caused by loss-of-function variants in {G}.",
     [("Variants in which gene cause {D}?", "G"), ("Which disease is caused by loss-of-function variants in {G}?", "D")]),
    ("{C} lowered the incidence of {D} by {R} percent.",
     [("Which drug lowered the incidence of {D}?", "C"), ("By what percentage did {C} lower the incidence of {D}?", "R")]),
    ("{G} and {G2} are frequently co-mutated in {D}.",
     [("Which gene is frequently co-mutated with {G} in {D}?", "G2"),
      ("In which disease are {G} and {G2} frequently co-mutated?", "D")]),
    ("The {G} inhibitor {C} was approved for {D} in {Y}.",
     [("In what year was {C} approved for {D}?", "Y"), ("Which gene does {C} inhibit?", "G")]),
    ("Knockdown of {G} sensitised {D} cells to {C}.",
     [("Knockdown of which gene sensitised cells to {C}?", "G"), ("Knockdown of {G} sensitised cells to which drug?", "C")]),
]
FILLERS = [
    "Blood samples were collected before and after the first dose.",
    "All participants gave written informed consent.",
    "Further studies are needed to confirm these findings.",
    "The study was approved by the local ethics committee.",
]
_NAMES = {"G": GENES, "D": DISEASES, "C": CHEMICALS, "P": PROCESSES, "T": TISSUES, "A": ADVERSE, "M": MONTHS}
_SLOT = re.compile(r"\{([A-Z])(2?)\}")


class _Passage:
    """Fills slots with values that are distinct across the whole passage."""

    def __init__(self, rng: random.Random, split: str):
        self.rng, self.split, self.used = rng, split, set()

    def value(self, kind: str) -> str:
        if kind == "N":
            pool = [str(n) for n in range(40, 400, 7)]
        elif kind == "R":
            pool = [str(n) for n in range(12, 61)]
        elif kind == "Y":
            pool = [str(y) for y in range(2004, 2023)]
        else:
            pool = _NAMES[kind]
            if self.split == "train" and kind in HELD_OUT:
                pool = [x for x in pool if x not in HELD_OUT[kind]]
        choice = self.rng.choice([x for x in pool if x.lower() not in self.used])
        self.used.add(choice.lower())
        return choice

    def sentence(self, template: str) -> tuple[str, dict[str, tuple[int, int]], dict[str, str]]:
        """The filled sentence, each slot's character span in it, and the slot values."""
        values: dict[str, str] = {}
        spans: dict[str, tuple[int, int]] = {}
        text, pos = "", 0
        for m in _SLOT.finditer(template):
            key = m.group(1) + m.group(2)
            values.setdefault(key, self.value(m.group(1)))
            text += template[pos:m.start()]
            spans[key] = (len(text), len(text) + len(values[key]))
            text += values[key]
            pos = m.end()
        text += template[pos:]
        return text[0].upper() + text[1:], spans, values


def make_passage(rng: random.Random, split: str) -> tuple[str, list[dict]]:
    """One passage and its questions (SQuAD ``qas`` entries without ids)."""
    filler = rng.random() < 0.5
    facts = rng.sample(FACTS, rng.randint(2, 4))
    passage = _Passage(rng, split)
    parts, qas, offset = [], [], 0
    for i, (template, questions) in enumerate(facts):
        sentence, spans, values = passage.sentence(template)
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
    return " ".join(parts), qas


def make_split(split: str, n_passages: int, rng: random.Random) -> dict:
    data = []
    for p in range(n_passages):
        context, qas = make_passage(rng, split)
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
    for split, n in SPLITS:
        doc = make_split(split, n, rng)
        path = out / f"{split}.json"
        path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        n_q = sum(len(p["qas"]) for a in doc["data"] for p in a["paragraphs"])
        print(f"{split}: {n} passages, {n_q} questions -> {out.name}/{split}.json")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)

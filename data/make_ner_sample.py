"""Write the project's NER sample (data/ner/{train,devel,test}.tsv).

Every sentence is generated here from templates written for this project -- nothing is copied from a
corpus. The names and facts come from ``sample_facts.py``: a template that states a relation ("X is
caused by variants in Y") is filled either with a real fact and its source, or with invented names
("Quellan syndrome", "GENX7"); templates that state no relation take any name.

So that the test measures generalisation, not memorisation:
  * every template belongs to exactly one split (templates shared between train and test: 0);
  * held-out names (``sample_facts.HELD_OUT``) never occur in train, and about half of the mentions
    in devel/test are drawn from them.

Also written: ``sources.tsv`` -- every sentence that states a real fact, with its source.

Run:  python data/make_ner_sample.py [OUT_DIR]   (deterministic: the same files every time; prints
the overlap between the splits)
"""
from __future__ import annotations

import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sample_facts as F  # noqa: E402

OUT = Path(__file__).resolve().parent / "ner"
SEED = 13
SIZES = (("train", 240), ("devel", 60), ("test", 60))

# (split, kind, template). Kinds: gd gene-disease, treat drug-indication, ade drug-adverse event,
# target drug-protein (each filled from its fact table -- ``gd:causal`` only from Mendelian causes,
# ``gd:causal AR`` only recessive ones -- or with invented names), neg a denied relation
# (one invented name at least), neutral (no relation stated: any names). {G} gene, {D} disease,
# {C} chemical; {G2}/{D2}/{C2} a second name of the type.
TEMPLATES = [
    ("train", "gd", "Mutations in {G} are associated with an increased risk of {D} ."),
    ("train", "gd", "Germline variants of {G} predispose to {D} ."),
    ("train", "gd:causal AR", "Patients with {D} carried biallelic {G} mutations ."),
    ("train", "gd:causal", "{D} is caused by pathogenic variants in {G} ."),
    ("train", "gd:causal", "Sequencing of {G} confirmed the diagnosis of {D} ."),
    ("devel", "gd", "{G} is a susceptibility gene for {D} ."),
    ("test", "gd", "Inherited variants in {G} raise the risk of {D} ."),
    ("test", "gd:causal", "Pathogenic {G} variants were found in the patient with {D} ."),
    ("train", "treat", "{C} is approved for the treatment of {D} ."),
    ("train", "treat", "Patients with {D} were treated with {C} ."),
    ("train", "treat", "{C} is used to treat {D} ."),
    ("train", "treat", "{C} is indicated for {D} ."),
    ("devel", "treat", "A phase II trial evaluated {C} in adults with {D} ."),
    ("test", "treat", "Adults with {D} may receive {C} ."),
    ("train", "ade", "{C} induced {D} in two of the twenty patients ."),
    ("train", "ade", "{C} may cause {D} ."),
    ("train", "ade", "We report a case of {D} after treatment with {C} ."),
    ("train", "ade", "The patient developed {D} while taking {C} ."),
    ("devel", "ade", "{C} was stopped because of severe {D} ."),
    ("test", "ade", "{D} is a recognised adverse effect of {C} therapy ."),
    ("train", "target", "{C} inhibits {G} in cultured cells ."),
    ("train", "target", "{C} binds {G} and blocks its activity ."),
    ("train", "target", "{C} is an inhibitor of {G} ."),
    ("devel", "target", "The {G} inhibitor {C} was given orally ."),
    ("test", "target", "Cells exposed to {C} lost most of their {G} activity ."),
    ("train", "neg", "The {G} variant was not linked to {D} in this cohort ."),
    ("train", "neg", "No association between {G} polymorphisms and {D} was found ."),
    ("train", "neg", "{C} did not change {G} expression ."),
    ("devel", "neg", "{C} showed no benefit in {D} ."),
    ("test", "neg", "We found no evidence that {G} contributes to {D} ."),
    ("train", "neutral", "Serum levels of {G} were measured in all participants ."),
    ("train", "neutral", "Blood samples were collected before the first dose of {C} ."),
    ("train", "neutral", "{C} was dissolved in saline before injection ."),
    ("train", "neutral", "Patients with {D} were recruited at three centres ."),
    ("train", "neutral", "The {G} gene was sequenced in all samples ."),
    ("train", "neutral", "{G} and {G2} were measured by quantitative PCR ."),
    ("train", "neutral", "The patient developed {D} and {D2} during follow-up ."),
    ("train", "neutral", "Expression of {G} was measured in tissue from patients with {D} ."),
    ("train", "neutral", "All participants gave written informed consent ."),
    ("train", "neutral", "The combination of {C} and {C2} was given to healthy volunteers ."),
    ("devel", "neutral", "Antibodies against {G} were purchased from a commercial supplier ."),
    ("devel", "neutral", "{D} was diagnosed according to current guidelines ."),
    ("devel", "neutral", "Plasma concentrations of {C} were measured by mass spectrometry ."),
    ("test", "neutral", "Knockdown of {G} was confirmed by western blot ."),
    ("test", "neutral", "A family history of {D} was recorded for every patient ."),
    ("test", "neutral", "Doses of {C} and {C2} were adjusted to body weight ."),
    ("test", "neutral", "Tissue from {D} biopsies was stained for {G} ."),
]
FACT_TABLES = {"gd": (F.GENE_DISEASE, "GD"), "treat": (F.DRUG_INDICATION, "CD"), "ade": (F.DRUG_ADE, "CD"),
               "target": (F.DRUG_TARGET, "CG")}
TYPE = {"G": "Gene", "C": "Chemical", "D": "Disease"}
SLOT = re.compile(r"(\{[DCG]2?\})")
HELD_OUT_SHARE = 0.5  # in devel/test, the chance that a slot (or a fact) is drawn from held-out names


def _pick(rng: random.Random, pool: list[str], split: str, kind: str, avoid: set[str]) -> str:
    pool = [x for x in pool if x not in avoid]
    held = [x for x in pool if x in F.HELD_OUT[kind]]
    if split != "train" and held and rng.random() < HELD_OUT_SHARE:
        return rng.choice(held)
    return rng.choice([x for x in pool if x not in F.HELD_OUT[kind]])


def slot_values(kind: str, slots: list[str], rng: random.Random, split: str) -> tuple[dict[str, str], str | None]:
    """Names for the template's slots and the source of the fact they state (None: invented / no fact)."""
    values: dict[str, str] = {}
    kind, _, how = kind.partition(":")
    if kind in FACT_TABLES and rng.random() < 0.5:
        table, order = FACT_TABLES[kind]
        rows = F.facts_for(table, split, how)
        held = set().union(*F.HELD_OUT.values())
        if split != "train" and rng.random() < HELD_OUT_SHARE:
            rows = [r for r in rows if r[0] in held or r[1] in held] or rows
        a, b, source = rng.choice(rows)[:3]
        values[order[0]], values[order[1]] = a, b
        return values, source
    invented = None
    if kind in FACT_TABLES or kind == "neg":  # a stated (or denied) relation: at least one invented name
        invented = rng.choice([s for s in slots if s[0] in TYPE])
    used: set[str] = set()
    for s in slots:
        t = TYPE[s[0]]
        pool = F.names(t, "test", real=s != invented)  # held-out filtering is done by _pick
        values[s] = _pick(rng, pool, split, t, used)
        used.add(values[s])
    return values, None


def fill(template: str, kind: str, rng: random.Random, split: str):
    """``(tokens, tags, source)`` for one template."""
    slots = [p[1:-1] for p in SLOT.findall(template)]
    values, source = slot_values(kind, slots, rng, split)
    tokens, tags = [], []
    for piece in SLOT.split(template):
        m = re.fullmatch(r"\{([DCG]2?)\}", piece)
        if not m:
            for tok in piece.split():
                tokens.append(tok)
                tags.append("O")
            continue
        name, etype = values[m.group(1)], TYPE[m.group(1)[0]]
        for i, tok in enumerate(name.split()):
            tokens.append(tok)
            tags.append(("B-" if i == 0 else "I-") + etype)
    tokens[0] = tokens[0][:1].upper() + tokens[0][1:]
    return tokens, tags, source


def make_split(n: int, split: str, rng: random.Random, seen: set[str]) -> list[tuple[list[str], list[str], str | None]]:
    templates = [(kind, t) for s, kind, t in TEMPLATES if s == split]
    out = []
    while len(out) < n:
        kind, template = templates[len(out) % len(templates)] if len(out) < len(templates) else rng.choice(templates)
        sent = fill(template, kind, rng, split)
        key = " ".join(sent[0])
        if key in seen:
            continue
        seen.add(key)
        out.append(sent)
    return out


def write(sentences, path: Path) -> None:
    lines = []
    for tokens, tags, _ in sentences:
        lines += [f"{tok}\t{tag}" for tok, tag in zip(tokens, tags)] + [""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_sources(splits: dict, path: Path) -> None:
    """``split<TAB>sentence<TAB>source`` for every sentence that states a real fact."""
    rows = [f"{split}\t{' '.join(tokens)}\t{source}" for split, sents in splits.items()
            for tokens, _, source in sents if source]
    path.write_text("split\tsentence\tsource\n" + "\n".join(rows) + "\n", encoding="utf-8")


def mentions(sentences) -> list[str]:
    """Entity mentions (``type:text``) of generated sentences."""
    out = []
    for tokens, tags, _ in sentences:
        for tok, tag in zip(tokens, tags):
            if tag.startswith("B-"):
                out.append(f"{tag[2:]}:{tok}")
            elif tag.startswith("I-"):
                out[-1] += " " + tok
    return out


def main(out: Path = OUT) -> dict:
    rng = random.Random(SEED)
    out.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    splits = {}
    for split, n in SIZES:
        splits[split] = make_split(n, split, rng, seen)
        write(splits[split], out / f"{split}.tsv")
    write_sources(splits, out / "sources.tsv")
    train_mentions = set(mentions(splits["train"]))
    stats = {}
    for split in ("devel", "test"):
        ms = mentions(splits[split])
        stats[split] = {"mentions": len(ms), "mentions_seen_in_train": sum(m in train_mentions for m in ms),
                        "sourced_fact_sentences": sum(s[2] is not None for s in splits[split])}
    for split, n in SIZES:
        print(f"{split}: {n} sentences -> {out.name}/{split}.tsv", stats.get(split, ""))
    return stats


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)

"""Benchmark: the use cases on real text (issue 19) -- the ADE three-level table and the mining figures.

    python bench/usecases.py [--taggers ade_half bc5cdr_typed lexicon] [--sentences N] [--mining 300]

1. Adverse drug events: ``wb.usecases.detect_adverse_events`` with the ADE classifier trained on the training
   PubMed IDs of ``../shared/data/ade_half`` (hard negatives from the ADE tagger; its threshold chosen on training
   IDs kept out of its training, printed with the grid it was chosen from), with and without the ADE sentence
   screen in front of it, on the held-out PubMed IDs (all their sentences, or a sample of
   ``--sentences`` keeping the positive/negative ratio), once per tagger: the drug/effect tagger trained on the
   ADE training PubMed IDs (``ade_half``), the BC5CDR Chemical + Disease tagger (``bc5cdr_typed``) and the
   use-case dictionary (``lexicon``). Levels: sentence, pair (exact / overlapping spans), tagger entity recall.
   Targets (offline stand-in, fast budget): sentence F1 >= 0.75, pair F1 >= 0.5.
2. Gene-disease mining: the BC5CDR Disease + BC2GM Gene tagger (dictionary as fallback) over ``--mining``
   test sentences of NCBI-disease and of BC2GM each: how many sentences reach the GAD-trained classifier, how
   many pairs it supports; the GAD test scores of that classifier.

Models are the cached ones of notebook 05 (``runs/``; trained on first use, fast sizes with WORKBENCH_FAST=1).
Offline the model is the stand-in (all-MiniLM-L6-v2), labelled as such.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import workbench as wb  # noqa: E402
from workbench import usecases_real as UR  # noqa: E402


def ade_rows(taggers: list[str], sentences: int | None) -> None:
    clf, screen = UR.ade_classifier(), UR.ade_screen()
    print(f"ADE classifier ({clf.describe()}) on held-out pairs of annotated mentions: {UR.held_out_scores(clf)}")
    print(f"ADE sentence screen alone on the held-out sentences: {UR.held_out_scores(screen)}")
    chosen = wb.models.read_meta(clf.folder).get("threshold", {})
    print(f"min_score {clf.min_score}, chosen on {chosen.get('chosen_on', '?')}: "
          + ", ".join(f"{g['min_score']}: {g['sentence_f1']:.3f}/{g['pair_f1']:.3f}" for g in chosen.get("grid", []))
          + " (sentence F1 / pair F1 there)")
    screened = chosen.get("screened", {})
    print(f"with the screen: min_score {screened.get('min_score')}, "
          f"min_sentence_score {screened.get('min_sentence_score')}"
          f" (sentence F1 {screened.get('sentence_f1')}, pair F1 {screened.get('pair_f1')} there)")
    for setting, balanced in (("corpus ratio", False), ("balanced", True)):
        test = UR.ade_test_sentences(sentences, balanced=balanced)
        print(f"\n=== ADE, held-out PubMed IDs, {setting}: {len(test)} sentences ({sum(s.has_ade for s in test)} with "
              f"an ADE, {sum(len(s.pairs) for s in test)} drug-effect pairs)")
        for name in taggers:
            tagger = (wb.usecases.lexicon_tagger(("Chemical", "Disease")) if name == "lexicon"
                      else UR.corpus_tagger(name))
            for with_screen in (True, False):
                start = time.perf_counter()
                result = UR.evaluate_ade(test, tagger, clf, screen=screen if with_screen else None)
                print(f"\n-- tagger: {name}, {'with' if with_screen else 'without'} the sentence screen "
                      f"(min_score {result['min_score']}, min_sentence_score {result['min_sentence_score']}; "
                      f"{time.perf_counter() - start:.0f} s)")
                print(UR.ade_table(result).fillna("").to_string())


def mining(n: int) -> None:
    tagger = UR.real_tagger()
    clf = UR.gad_classifier()
    docs = UR.real_sentences(max_per_corpus=n)
    print(f"\nGene-disease mining: tagger {tagger.description}; classifier {clf.describe()}")
    print(f"GAD fold-1 test, gold masks: {UR.held_out_scores(clf)}")
    for k, v in UR.mining_figures(docs, tagger).items():
        print(f"  {k:<42} {v}")
    table = wb.usecases.mine_gene_disease(docs, tagger, clf)
    supported = table[table.sentences > 0]
    print(f"  {'pairs supported (distinct gene, disease)':<42} {len(supported)}")
    print(supported.drop(columns=["evidence", "doc_ids"]).head(10).to_string())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--taggers", nargs="+", default=["ade_half", "bc5cdr_typed", "lexicon"])
    parser.add_argument("--sentences", type=int, default=None, help="held-out ADE sentences (default: all)")
    parser.add_argument("--mining", type=int, default=300, help="test sentences per NER corpus for mining")
    parser.add_argument("--skip-mining", action="store_true")
    args = parser.parse_args(argv)
    wb.set_seed(42)
    ade_rows(args.taggers, args.sentences)
    if not args.skip_mining:
        mining(args.mining)


if __name__ == "__main__":
    main()

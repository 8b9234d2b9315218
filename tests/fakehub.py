"""A fake Hugging Face hub cache: tiny *random* models under the real repo ids.

Offline tests and the CI rehearsal use it to walk the path a real user takes -- ``load_tokenizer("biobert")``
reading ``dmis-lab/biobert-base-cased-v1.1`` from the HF cache -- without a network. The cache is laid out
exactly as ``huggingface_hub`` lays it out::

    HF_HOME/hub/models--dmis-lab--biobert-base-cased-v1.1/
        blobs/<git-sha1 or sha256 of the file>
        refs/main                      (the commit hash)
        snapshots/<40-hex commit>/config.json -> ../../blobs/<hash>

Each repo holds the files its real counterpart holds that matter for loading (BioBERT and Bio_ClinicalBERT:
config, a *cased* vocab.txt, weights, and no ``tokenizer_config.json``); the weights are random, so outputs
mean nothing -- only shapes, types, tokenisation and provenance can be tested.

Use::

    python tests/fakehub.py /tmp/fakehub          # then: HF_HOME=/tmp/fakehub HF_HUB_OFFLINE=1 ...

    from fakehub import build, use_hf_home        # in tests (tests/ is on sys.path under pytest)
    with use_hf_home(build(tmp_path / "hf")):
        ...
"""
from __future__ import annotations

import argparse
import hashlib
import importlib
import io
import json
import os
import shutil
import string
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

MARIAN_ZH_EN = "Helsinki-NLP/opus-mt-zh-en"

# repo id -> what its real counterpart looks like (the ids of REGISTRY in workbench/models.py and of
# wb.qa.ENCODERS)
BERT_REPOS: dict[str, dict] = {
    "dmis-lab/biobert-base-cased-v1.1": dict(cased=True, architecture="BertModel", tokenizer_config=None),
    "dmis-lab/biobert-base-cased-v1.1-squad": dict(cased=True, architecture="BertForQuestionAnswering",
                                                   tokenizer_config=None),
    "emilyalsentzer/Bio_ClinicalBERT": dict(cased=True, architecture="BertModel", tokenizer_config=None),
    "microsoft/BiomedNLP-BiomedBERT-base-uncased-abstract-fulltext": dict(
        cased=False, architecture="BertModel", tokenizer_config={"do_lower_case": True}),
    "allenai/scibert_scivocab_uncased": dict(cased=False, architecture="BertModel", tokenizer_config=None),
    # dense retrievers (wb.qa.ENCODERS): uncased PubMedBERT-based encoders
    **{repo: dict(cased=False, architecture="BertModel", tokenizer_config={"do_lower_case": True})
       for repo in ("ncbi/MedCPT-Query-Encoder", "ncbi/MedCPT-Article-Encoder", "NeuML/pubmedbert-base-embeddings")},
}
REPOS = (*BERT_REPOS, MARIAN_ZH_EN)

# Whole words in the tiny vocabularies (every other word falls apart into characters).
WORDS = ["BRCA", "CAT", "Mutations", "Mutation", "TP53", "EGFR", "Aspirin", "The", "Patients",
         "brca", "cat", "mutations", "mutation", "tp53", "egfr", "aspirin", "the", "patients", "gene", "genes",
         "cancer", "breast", "tumour", "tumor", "protein", "disease", "risk", "cell", "cells", "of", "in",
         "and", "with", "was", "is", "a", "treated", "increase", "carriers", "what", "which", "does"]
PIECES = ["##1", "##2", "##53", "##s", "##ed", "##ing", "##ation"]
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

ZH_LINES = ["BRCA1基因突变增加乳腺癌风险。", "肿瘤抑制因子p53参与DNA损伤修复。", "患者接受化疗后无进展生存期延长。",
            "表皮生长因子受体突变见于非小细胞肺癌。", "阿司匹林可降低心血管疾病风险。", "这种药物没有肝毒性。"]
EN_LINES = ["BRCA1 gene mutations increase breast cancer risk.", "The tumour suppressor p53 takes part in DNA repair.",
            "Progression-free survival was longer after chemotherapy.", "EGFR mutations occur in non-small cell lung cancer.",
            "Aspirin lowers the risk of cardiovascular disease.", "This drug has no liver toxicity."]


# ---------------------------------------------------------------- cache layout


def _blob_name(data: bytes, lfs: bool) -> str:
    """The blob file name huggingface_hub uses: sha256 for LFS files, the git blob sha1 otherwise."""
    if lfs:
        return hashlib.sha256(data).hexdigest()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def add_repo(cache_dir: str | Path, repo_id: str, files: dict[str, bytes], symlinks: bool = True) -> Path:
    """Write ``files`` as one commit of model repo ``repo_id`` into the hub cache ``cache_dir``; return its snapshot."""
    if repo_id.count("/") != 1:
        raise ValueError(f"repo_id must look like 'org/name', got {repo_id!r}")
    repo = Path(cache_dir) / ("models--" + repo_id.replace("/", "--"))
    digest = hashlib.sha1(repo_id.encode())
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name])
    commit = digest.hexdigest()
    snapshot = repo / "snapshots" / commit
    shutil.rmtree(repo, ignore_errors=True)
    (repo / "blobs").mkdir(parents=True)
    (repo / "refs").mkdir()
    snapshot.mkdir(parents=True)
    for name, data in files.items():
        blob = repo / "blobs" / _blob_name(data, lfs=name.endswith((".safetensors", ".bin", ".spm")))
        blob.write_bytes(data)
        target = snapshot / name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            if not symlinks:
                raise OSError("copies requested")
            target.symlink_to(os.path.relpath(blob, target.parent))
        except OSError:  # e.g. Windows without developer mode: huggingface_hub copies too
            shutil.copyfile(blob, target)
    (repo / "refs" / "main").write_text(commit)
    return snapshot


def _saved(model) -> dict[str, bytes]:
    from transformers.utils import logging

    hub_tqdm = importlib.import_module("huggingface_hub.utils.tqdm")  # the module, not the class of that name

    bars, hub_bars = logging.is_progress_bar_enabled(), dict(hub_tqdm.progress_bar_states)
    logging.disable_progress_bar()  # no "Writing model shards" bar per tiny model
    try:
        with tempfile.TemporaryDirectory() as tmp:
            model.save_pretrained(tmp)
            return {p.name: p.read_bytes() for p in Path(tmp).iterdir() if p.is_file()}
    finally:
        if bars:
            logging.enable_progress_bar()
        hub_tqdm.progress_bar_states.clear()
        hub_tqdm.progress_bar_states.update(hub_bars)


# ---------------------------------------------------------------- tiny models


def bert_vocab(cased: bool) -> list[str]:
    """A tiny WordPiece vocabulary: specials, whole words, characters and ``##`` characters."""
    words = [w for w in WORDS if cased or w == w.lower()]
    chars = string.ascii_lowercase + string.digits + string.punctuation
    if cased:
        chars = string.ascii_uppercase + chars
    vocab = SPECIAL + words + PIECES + list(chars) + [f"##{c}" for c in chars if c.isalnum()]
    return list(dict.fromkeys(vocab))


def bert_files(cased: bool, architecture: str = "BertModel", tokenizer_config: dict | None = None,
               hidden: int = 32, layers: int = 2) -> dict[str, bytes]:
    """config.json, vocab.txt, model.safetensors (and tokenizer_config.json if given) of a tiny random BERT."""
    import torch
    import transformers

    vocab = bert_vocab(cased)
    config = transformers.BertConfig(vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=layers,
                                     num_attention_heads=2, intermediate_size=2 * hidden, max_position_embeddings=512)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        files = _saved(getattr(transformers, architecture)(config))
    files["vocab.txt"] = ("\n".join(vocab) + "\n").encode()
    if tokenizer_config is not None:
        files["tokenizer_config.json"] = json.dumps(tokenizer_config).encode()
    return files


def _sentencepiece(lines: list[str], size: int) -> bytes:
    import sentencepiece as spm

    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_writer=buf, vocab_size=size, model_type="unigram",
        character_coverage=1.0, hard_vocab_limit=False, num_threads=1, minloglevel=2,
        eos_id=0, unk_id=1, bos_id=-1, pad_id=-1, eos_piece="</s>", unk_piece="<unk>")
    return buf.getvalue()


def marian_files(hidden: int = 32, layers: int = 2) -> dict[str, bytes]:
    """A tiny random MarianMT zh->en model with a working MarianTokenizer (sentencepiece + vocab.json)."""
    import sentencepiece as spm
    import torch
    import transformers

    source, target = _sentencepiece(ZH_LINES, 120), _sentencepiece(EN_LINES, 120)
    pieces = []
    for proto in (source, target):
        sp = spm.SentencePieceProcessor(model_proto=proto)
        pieces += [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    vocab = {tok: i for i, tok in enumerate(dict.fromkeys(["</s>", "<unk>", *pieces]))}
    pad = vocab.setdefault("<pad>", len(vocab))
    config = transformers.MarianConfig(
        vocab_size=len(vocab), d_model=hidden, encoder_layers=layers, decoder_layers=layers,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=2 * hidden, decoder_ffn_dim=2 * hidden,
        max_position_embeddings=512, pad_token_id=pad, eos_token_id=0, decoder_start_token_id=pad,
        forced_eos_token_id=0, share_encoder_decoder_embeddings=True)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = transformers.MarianMTModel(config)
    model.generation_config = transformers.GenerationConfig(
        bad_words_ids=[[pad]], bos_token_id=0, decoder_start_token_id=pad, eos_token_id=0, forced_eos_token_id=0,
        pad_token_id=pad, max_length=512, num_beams=4)
    files = _saved(model)
    files.update({
        "source.spm": source, "target.spm": target,
        "vocab.json": json.dumps(vocab, ensure_ascii=False).encode(),
        "tokenizer_config.json": json.dumps({"source_lang": "zh", "target_lang": "en", "model_max_length": 512,
                                             "separate_vocabs": False}).encode(),
    })
    return files


# ---------------------------------------------------------------- the whole cache


def build(hf_home: str | Path, repos=None, symlinks: bool = True) -> Path:
    """Fill ``hf_home/hub`` with the tiny models (default: all of :data:`REPOS`); return ``hf_home``."""
    hf_home = Path(hf_home)
    chosen = list(REPOS if repos is None else repos)
    unknown = sorted(set(chosen) - set(REPOS))
    if unknown:
        raise ValueError(f"no fake for {unknown}; known repos: {list(REPOS)}")
    for repo_id in chosen:
        files = marian_files() if repo_id == MARIAN_ZH_EN else bert_files(**BERT_REPOS[repo_id])
        add_repo(hf_home / "hub", repo_id, files, symlinks=symlinks)
    return hf_home


@contextmanager
def use_hf_home(hf_home: str | Path):
    """Point this process at ``hf_home`` (env vars and huggingface_hub's already-read constants), offline."""
    from huggingface_hub import constants

    hf_home = Path(hf_home)
    saved_env = {k: os.environ.get(k) for k in ("HF_HOME", "HF_HUB_CACHE", "HF_HUB_OFFLINE")}
    saved = {k: getattr(constants, k) for k in ("HF_HOME", "HF_HUB_CACHE", "HF_HUB_OFFLINE")}
    os.environ.update(HF_HOME=str(hf_home), HF_HUB_CACHE=str(hf_home / "hub"), HF_HUB_OFFLINE="1")
    constants.HF_HOME, constants.HF_HUB_CACHE, constants.HF_HUB_OFFLINE = str(hf_home), str(hf_home / "hub"), True
    try:
        yield hf_home
    finally:
        for key, value in saved.items():
            setattr(constants, key, value)
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build a fake HF_HOME with tiny random models under real repo ids.")
    parser.add_argument("hf_home", help="folder to use as HF_HOME (its hub/ cache is filled)")
    parser.add_argument("--repo", action="append", choices=REPOS, help="only this repo (repeatable); default all")
    parser.add_argument("--copies", action="store_true", help="copy blobs into snapshots instead of symlinking")
    args = parser.parse_args(argv)
    home = build(args.hf_home, args.repo, symlinks=not args.copies)
    for repo_id in args.repo or REPOS:
        print(f"cached {repo_id}")
    print(f"\nexport HF_HOME={home.resolve()} HF_HUB_OFFLINE=1", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

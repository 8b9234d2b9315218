"""Sentence embeddings for dense retrieval: which models embed questions and passages, and how.

Used by :mod:`.retrieval` (taught in 09_ask_the_literature). :data:`ENCODERS` names the retrievers to use
on Colab -- MedCPT's query/article encoders, PubMedBERT embeddings -- next to the offline stand-in
all-MiniLM-L6-v2, which was itself trained for semantic search (mean pooling + L2 norm gives its real
embeddings). Every model goes through ``wb.models.resolve``: offline a hub encoder becomes the stand-in,
loudly, and :meth:`Encoder.describe` names what ran.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence


@dataclass(frozen=True)
class EncoderSpec:
    """How to embed queries and passages: which model(s), pooling, normalisation, lengths."""

    name: str
    query_model: str
    passage_model: str
    pooling: str = "mean"  # "mean" (over real tokens) or "cls"
    normalize: bool = True  # L2 norm: inner product = cosine
    query_max_length: int = 256
    passage_max_length: int = 256
    notes: str = ""


ENCODERS: dict[str, EncoderSpec] = {e.name: e for e in [
    EncoderSpec("standin", "standin", "standin", "mean", True, 256, 256,
                "all-MiniLM-L6-v2 (the offline stand-in): general-domain, trained for semantic search on 1B "
                "sentence pairs; mean pooling + L2 norm. Not biomedical."),
    EncoderSpec("medcpt", "ncbi/MedCPT-Query-Encoder", "ncbi/MedCPT-Article-Encoder", "cls", False, 64, 512,
                "MedCPT (Jin et al. 2023): PubMedBERT encoders trained contrastively on PubMed search logs; "
                "separate query and article encoders, [CLS] embeddings compared by inner product."),
    EncoderSpec("pubmedbert-embeddings", "NeuML/pubmedbert-base-embeddings", "NeuML/pubmedbert-base-embeddings",
                "mean", True, 512, 512, "PubMedBERT fine-tuned as a sentence-transformers embedding model; mean pooling."),
]}

_LOADED: dict[tuple, tuple] = {}


def encoder_spec(encoder) -> EncoderSpec:
    """An :class:`EncoderSpec`: a name of :data:`ENCODERS`, or any registry name/hub id/folder (mean pooling)."""
    if isinstance(encoder, EncoderSpec):
        return encoder
    if isinstance(encoder, Mapping):
        return EncoderSpec(**encoder)
    if not isinstance(encoder, (str, Path)) or not str(encoder).strip():
        raise ValueError(f"encoder must be one of {sorted(ENCODERS)}, a registry name, hub id or folder; got {encoder!r}")
    return ENCODERS.get(str(encoder)) or EncoderSpec(str(encoder), str(encoder), str(encoder))


class Encoder:
    """Embeddings of queries and passages (``encode``) from registry model(s), resolved by ``wb.models.resolve``.

    Offline a hub encoder resolves to the stand-in -- ``wb.models.resolve`` says so loudly -- and the
    stand-in's own recipe (mean pooling + L2 norm) is used; ``describe()`` names what ran.
    """

    def __init__(self, encoder="standin", device: str | None = "auto"):
        from ..models import resolve

        spec = encoder_spec(encoder)
        query, passage = resolve(spec.query_model), resolve(spec.passage_model)
        if (query.is_standin or passage.is_standin) and spec.query_model != "standin":
            base = ENCODERS["standin"]
            spec = dataclasses.replace(base, name=spec.name, notes=f"{spec.name} unavailable here: stand-in used. "
                                       + base.notes)
            query = passage = resolve("standin")
        self.spec, self.query_resolved, self.passage_resolved, self.device = spec, query, passage, device

    def describe(self) -> str:
        """What embeds the texts (the model that actually ran)."""
        q, p = self.query_resolved.display_name, self.passage_resolved.display_name
        return q if q == p else f"{q} (queries) / {p} (passages)"

    @property
    def is_standin(self) -> bool:
        return self.query_resolved.is_standin

    def _model(self, kind: str):
        from ..models import load_model, load_tokenizer, resolve_device

        source = (self.query_resolved if kind == "query" else self.passage_resolved).source
        key = (source, resolve_device(self.device))
        if key not in _LOADED:
            _LOADED[key] = (load_model(source, task="base", device=key[1]).eval(), load_tokenizer(source))
        return _LOADED[key]

    @property
    def dim(self) -> int:
        return int(self._model("passage")[0].config.hidden_size)

    def encode(self, texts: Sequence[str], kind: str = "passage", batch_size: int = 32, progress: bool = False):
        """``(len(texts), dim)`` float32 embeddings; ``kind`` "query" or "passage" picks model and length."""
        import numpy as np
        import torch
        from tqdm.auto import tqdm

        if kind not in ("query", "passage"):
            raise ValueError(f"kind must be 'query' or 'passage', got {kind!r}")
        texts = list(texts)
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise ValueError(f"text #{i} is {type(t).__name__}, not a string")
        model, tokenizer = self._model(kind)
        max_length = self.spec.query_max_length if kind == "query" else self.spec.passage_max_length
        out = np.zeros((len(texts), int(model.config.hidden_size)), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths share a batch
        device = next(model.parameters()).device
        with torch.inference_mode():
            for b in tqdm(range(0, len(order), batch_size), desc=f"embedding {kind}s", disable=not progress):
                idx = order[b:b + batch_size]
                enc = tokenizer([texts[i] for i in idx], truncation=True, max_length=max_length, padding=True,
                                return_tensors="pt").to(device)
                hidden = model(**enc).last_hidden_state.float()
                if self.spec.pooling == "cls":
                    vec = hidden[:, 0]
                else:
                    mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                    vec = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                if self.spec.normalize:
                    vec = torch.nn.functional.normalize(vec, dim=-1)
                out[idx] = vec.cpu().numpy()
        return out

    def record(self) -> dict:
        """What to save with an index so that a reload can check it embeds queries the same way."""
        return {"spec": dataclasses.asdict(self.spec), "model": self.describe(), "is_standin": self.is_standin}

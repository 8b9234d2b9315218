"""Cross-lingual chaining: Chinese biomedical text -> English -> NER/RE, domain terms kept exact.

Taught in 06_cross_lingual_chaining.

The pipeline, one pure step at a time:

1. :func:`split_sentences` (``workbench.text.split_chinese_sentences``) cuts the Chinese text on
   。！？； (and . ! ? ; before a space), keeping character offsets; :func:`chunk_span` cuts a
   sentence that is too long for the model.
2. :class:`Glossary` finds the user's domain terms (longest match first) and :func:`protect`
   replaces them with placeholders (``ZXQ0``, ``ZXQ1``...) that the model should copy.
3. A :class:`Translator` turns the sentences into English in batches: :class:`MarianTranslator`
   (``Helsinki-NLP/opus-mt-zh-en`` with ``AutoModelForSeq2SeqLM.generate``; transformers 5 has no
   translation pipeline) when the hub can be reached, else the clearly labelled
   :class:`StandInTranslator` -- a translation memory of the project's sample sentences plus a
   literal dictionary. It is *not* machine translation and every result says so.
4. :func:`translate` restores the placeholders as the glossary English, enforces terms the model
   copied untranslated, and reports every term as protected / enforced / matched / missed.
5. :func:`translate_then_extract` runs any English NER (and RE) callable on the translation and
   projects each entity back onto the Chinese source -- through a glossary term or a verbatim
   string such as ``BRCA1`` -- or marks it ``projection="none"``: a span is never guessed.

One module per stage: ``glossary`` (terms, placeholders, restoring), ``backends`` (translators),
``pipeline`` (translate, translate_then_extract, display), ``projection`` (English -> Chinese spans),
``samples`` (the project's sample sentences). Everything public is importable from here.
"""
from __future__ import annotations

from ..text import chunk_span, fold
from ..text import split_chinese_sentences as split_sentences
from .backends import (
    MARIAN_ZH_EN,
    STANDIN_LABEL,
    FunctionTranslator,
    MarianTranslator,
    StandInTranslator,
    Translator,
    gloss,
    load_translator,
)
from .glossary import (
    GLOSSARY_FILE,
    PLACEHOLDER,
    Glossary,
    GlossaryTerm,
    TermMatch,
    glossary_tagger,
    load_glossary,
    protect,
    restore,
)
from .pipeline import (
    STATUSES,
    CrossLingualResult,
    Translation,
    entity_text_f1,
    format_parallel,
    show_parallel,
    translate,
    translate_then_extract,
)
from .projection import project_entity
from .samples import SAMPLES_FILE, load_sample_abstracts, load_samples

__all__ = [
    "GLOSSARY_FILE", "MARIAN_ZH_EN", "PLACEHOLDER", "SAMPLES_FILE", "STANDIN_LABEL", "STATUSES",
    "CrossLingualResult", "FunctionTranslator", "Glossary", "GlossaryTerm", "MarianTranslator", "StandInTranslator",
    "TermMatch", "Translation", "Translator", "chunk_span", "entity_text_f1", "fold", "format_parallel", "gloss",
    "glossary_tagger", "load_glossary", "load_sample_abstracts", "load_samples", "load_translator",
    "project_entity", "protect", "restore", "show_parallel", "split_sentences", "translate",
    "translate_then_extract",
]

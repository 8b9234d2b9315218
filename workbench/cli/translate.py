"""``python -m workbench translate [FILE ...]``: the command line of :mod:`workbench.translate`."""
from __future__ import annotations

from ..files import read_user_text
from ..text import split_lines
from ..translate import (
    GLOSSARY_FILE,
    STANDIN_LABEL,
    MarianTranslator,
    load_glossary,
    load_translator,
    translate_then_extract,
)
from . import positive_int, print_json_line


def register_cli(subparsers) -> None:
    """``python -m workbench translate [FILE ...]``: one Chinese text per line -> JSON lines."""
    p = subparsers.add_parser(
        "translate", help="translate Chinese biomedical text to English with glossary terms kept (JSON lines)",
        description="Reads Chinese text (one document per non-empty line) from FILEs or stdin and prints one "
                    "JSON object per line: translation, what happened to each glossary term and, with --ner, "
                    "English entities projected onto the Chinese source. Offline the labelled stand-in "
                    f"translator is used ({STANDIN_LABEL}).")
    p.add_argument("files", nargs="*", help="UTF-8 text files (default: stdin)")
    p.add_argument("--glossary", default=str(GLOSSARY_FILE),
                   help="zh<TAB>en[<TAB>type] glossary (default: the project's starter glossary)")
    p.add_argument("--no-glossary", action="store_true", help="translate without a glossary")
    p.add_argument("--model", default="auto",
                   help="auto (MarianMT if reachable, else stand-in), standin, a hub id or a saved folder")
    p.add_argument("--mode", choices=("placeholder", "enforce"), default="placeholder",
                   help="protect terms with placeholders (default) or enforce them after translation")
    p.add_argument("--batch-size", type=positive_int, default=8, help="sentences per generate() call (MarianMT)")
    p.add_argument("--ner", choices=("none", "glossary", "sample"), default="none",
                   help="English NER on the translation: glossary dictionary tagger or wb.ner.sample_tagger()")
    p.set_defaults(func=_cmd_translate)


def _read_inputs(files) -> list[tuple[str, str]]:
    """``("file:line", text)`` for every non-empty line (lines end at ``\\n`` only; UTF-8, errors name the file)."""
    docs = []
    for name in files or ["-"]:
        text = read_user_text(name)
        label = "<stdin>" if name == "-" else str(name)
        docs += [(f"{label}:{n}", text[a:b]) for n, a, b in split_lines(text) if text[a:b].strip()]
    return docs


def _cmd_translate(args) -> int:
    docs = _read_inputs(args.files)
    glossary = None if args.no_glossary else load_glossary(args.glossary)
    translator = load_translator(args.model)
    if isinstance(translator, MarianTranslator):
        translator.batch_size = args.batch_size
    ner = None
    if args.ner == "glossary":
        ner = (glossary or load_glossary()).tagger()
    elif args.ner == "sample":
        try:
            from .. import ner as ner_module
        except ImportError as err:
            raise ValueError(f"--ner sample needs workbench.ner ({err}); use --ner glossary") from None
        ner = ner_module.sample_tagger()
    results = translate_then_extract([text for _, text in docs], translator=translator, ner=ner,
                                     glossary=glossary, mode=args.mode)
    for (doc_id, _), result in zip(docs, results):
        row = {"id": doc_id, **result.to_dict()}
        if ner is None:
            row.pop("entities")
            row.pop("tagger")
        print_json_line(row)
    return 0

"""workbench.translate: glossary protection, sentence splitting/chunking, the Marian code path on a tiny
random model, the labelled stand-in, projection of English entities onto the Chinese source, the CLI."""
import io
import json
import math
import warnings

import pytest

from workbench import cli
from workbench import translate as T
from workbench.taggers import DictionaryTagger
from workbench.data import DataFormatError


@pytest.fixture(scope="module")
def glossary():
    return T.load_glossary()


@pytest.fixture(scope="module")
def standin(glossary):
    return T.StandInTranslator(glossary=glossary)


@pytest.fixture(scope="module")
def samples():
    return T.load_samples()


class Recorder(T.Translator):
    """A test double: applies ``fn`` to each sentence and records every batch it was given."""

    def __init__(self, fn=lambda s: s, max_tokens=None):
        self.fn, self.max_tokens, self.batches, self.name = fn, max_tokens, [], "recorder"

    def translate_batch(self, sentences):
        self.batches.append(list(sentences))
        return [self.fn(s) for s in sentences]


# ---------------------------------------------------------------- glossary


def test_starter_glossary_reads_header_comments_and_types(glossary):
    assert len(glossary) >= 50
    rows = {r["zh"]: r for r in glossary.rows()}
    assert rows["肿瘤抑制因子"]["en"] == "tumor suppressor factor" and rows["肿瘤抑制因子"]["label"] is None
    assert rows["顺铂"] == {"zh": "顺铂", "en": "cisplatin", "label": "Chemical"}
    assert "zh" not in rows, "the header line must not become a term"
    assert {r["label"] for r in glossary.rows()} <= {"Disease", "Chemical", "Gene", None}


def test_find_is_longest_match_with_exact_offsets(glossary):
    text = "顺铂治疗非小细胞肺癌和小细胞肺癌，不是肺癌。"
    found = [(m.start, m.end, m.term.en) for m in glossary.find(text)]
    assert [en for *_, en in found] == ["cisplatin", "non-small cell lung cancer", "small cell lung cancer", "lung cancer"]
    for s, e, en in found:
        assert text[s:e] == next(t.zh for t in glossary if t.en == en)


def test_find_folds_full_width_and_respects_latin_word_edges():
    g = T.Glossary.from_dict({"5-氟尿嘧啶": "5-fluorouracil", "ALK": "ALK"})
    text = "５-氟尿嘧啶与ALKBH5无关，ALK融合"
    found = [(text[m.start:m.end], m.term.en) for m in g.find(text)]
    assert found == [("５-氟尿嘧啶", "5-fluorouracil"), ("ALK", "ALK")]
    assert g.find("ALK")[0].start == 0 and g.find("xALK") == []


@pytest.mark.parametrize("body, message", [
    ("顺铂 cisplatin\n", "separated by spaces"),
    ("顺铂\t\tChemical\n", "empty Chinese or English"),
    ("顺铂\tcisplatin\n顺铂\tcarboplatin\n", "contradicts line 2"),
    ("顺铂\tcisplatin\tChemical\textra\n", "expected 'zh<TAB>en"),
])
def test_bad_glossary_names_file_and_line(tmp_path, body, message):
    path = tmp_path / "g.tsv"
    path.write_text("# comment\n" + body, encoding="utf-8")
    with pytest.raises(DataFormatError, match=message) as err:
        T.load_glossary(path)
    assert f"{path}:" in str(err.value)


def test_missing_glossary_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such glossary"):
        T.load_glossary(tmp_path / "nope.tsv")


def test_protect_replaces_terms_with_numbered_placeholders(glossary):
    text, matches = T.protect("顺铂联合吉西他滨治疗乳腺癌。", glossary)
    assert text == "ZXQ0联合ZXQ1治疗ZXQ2。"
    assert [m.term.en for m in matches] == ["cisplatin", "gemcitabine", "breast cancer"]


# ---------------------------------------------------------------- restoring terms


def test_placeholders_are_restored_as_glossary_terms(glossary):
    rec = Recorder(lambda s: s.replace("是", " is ").replace("的一线化疗药物", " first-line drug"))
    [tr] = T.translate(["顺铂是非小细胞肺癌的一线化疗药物。"], translator=rec, glossary=glossary)
    assert rec.batches == [["ZXQ0是ZXQ1的一线ZXQ2药物。"]]
    assert [t["status"] for t in tr.terms] == ["protected", "protected", "protected"]
    for t in tr.terms:
        assert tr.text[t["en_start"]:t["en_end"]] == t["en"]
        assert tr.source[t["zh_start"]:t["zh_end"]] == t["zh"]
    assert tr.text.startswith("Cisplatin is non-small cell lung cancer"), "sentence-initial term capitalised"


def test_placeholder_variants_are_found(glossary):
    rec = Recorder(lambda s: "zxq 1 treats ZXQ0.")
    [tr] = T.translate(["乳腺癌用他莫昔芬"], translator=rec, glossary=glossary)
    assert tr.text == "Tamoxifen treats breast cancer."
    assert tr.counts()["protected"] == 2


def test_symbols_are_not_capitalised():
    g = T.Glossary.from_dict({"p53蛋白": "p53 protein", "信使RNA": "mRNA"})
    [a, b] = T.translate(["p53蛋白", "信使RNA"], translator=Recorder(), glossary=g)
    assert (a.text, b.text) == ("p53 protein", "mRNA")


def test_lost_placeholders_are_matched_or_reported_missed(glossary):
    # the model drops both placeholders but happens to write one English term itself
    rec = Recorder(lambda s: "Cisplatin was given for the tumour.")
    [tr] = T.translate(["顺铂治疗乳腺癌"], translator=rec, glossary=glossary)
    status = {t["zh"]: t for t in tr.terms}
    assert status["顺铂"]["status"] == "matched" and tr.text[status["顺铂"]["en_start"]:status["顺铂"]["en_end"]] == "Cisplatin"
    assert status["乳腺癌"]["status"] == "missed" and status["乳腺癌"]["en_start"] is None


def test_enforce_mode_replaces_copied_chinese_terms(glossary):
    rec = Recorder(lambda s: s.replace("治疗", " treats "))
    [tr] = T.translate(["顺铂治疗乳腺癌"], translator=rec, glossary=glossary, mode="enforce")
    assert rec.batches == [["顺铂治疗乳腺癌"]], "enforce mode sends the text unchanged"
    assert tr.text == "Cisplatin treats breast cancer"
    assert tr.counts() == {"protected": 0, "enforced": 2, "matched": 0, "missed": 0}


def test_placeholder_lookalikes_in_the_source_switch_that_sentence_to_enforce(glossary):
    rec = Recorder(lambda s: s.replace("顺铂", "cisplatin"))
    [tr] = T.translate(["ZXQ1与顺铂。乳腺癌。"], translator=rec, glossary=glossary)
    assert rec.batches == [["ZXQ1与顺铂。", "ZXQ0。"]], "only the sentence with a lookalike goes in unprotected"
    assert tr.text.startswith("ZXQ1与cisplatin") and [t["status"] for t in tr.terms] == ["matched", "protected"]


def test_no_glossary_means_no_terms():
    [tr] = T.translate(["顺铂治疗乳腺癌"], translator=Recorder(), glossary=None)
    assert tr.text == "顺铂治疗乳腺癌" and tr.terms == []


def test_all_sentences_go_to_the_translator_in_one_batched_call(glossary):
    rec = Recorder()
    out = T.translate(["甲。乙！", "", "丙？丁；戊"], translator=rec, glossary=glossary)
    assert rec.batches == [["甲。", "乙！", "丙？", "丁；", "戊"]]
    assert [t.text for t in out] == ["甲。 乙！", "", "丙？ 丁； 戊"]
    assert [(s["zh_start"], s["zh_end"], s["en_start"], s["en_end"]) for s in out[0].segments] == [(0, 2, 0, 2), (2, 4, 3, 5)]


def test_a_plain_function_can_be_the_translator(glossary):
    def shout(sentences):
        return [s.upper() for s in sentences]

    [tr] = T.translate(["顺铂。"], translator=shout, glossary=glossary)
    assert tr.text == "Cisplatin。" and tr.backend == "shout" and not tr.is_standin
    with pytest.raises(TypeError, match="translator must be"):
        T.translate(["顺铂"], translator=42)


def test_translate_rejects_bad_input_and_bad_translators():
    with pytest.raises(TypeError, match="list of strings"):
        T.translate("顺铂", translator=Recorder())
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        T.translate(["顺铂", 3], translator=Recorder())
    with pytest.raises(ValueError, match="mode"):
        T.translate(["顺铂"], translator=Recorder(), mode="nope")
    broken = T.FunctionTranslator(lambda xs: xs[:-1], name="broken")
    with pytest.raises(RuntimeError, match="broken returned 1 translations for 2"):
        T.translate(["甲。乙。"], translator=broken, glossary=None)


# ---------------------------------------------------------------- unicode edge cases and long input


def test_full_width_punctuation_mixed_scripts_and_numbers(glossary):
    text = "ＢＲＣＡ１突变（ｎ＝１２０）！患者接受５-氟尿嘧啶治疗；EGFR-TKI耐药？"
    rec = Recorder()
    [tr] = T.translate([text], translator=rec, glossary=glossary)
    assert len(tr.segments) == 3
    assert [t["en"] for t in tr.terms] == ["5-fluorouracil", "drug resistance"]
    for t in tr.terms:
        assert tr.text[t["en_start"]:t["en_end"]] == t["en"] and tr.source[t["zh_start"]:t["zh_end"]] == t["zh"]


def test_punctuation_only_and_empty_inputs(standin):
    out = T.translate(["", "   ", "。！？", "\n\n"], translator=standin)
    assert [t.text for t in out] == ["", "", ".!?", ""]
    assert T.translate([], translator=standin) == []


def test_very_long_input_is_split_and_translated_in_one_pass(standin, samples):
    text = "".join(s["zh"] for s in samples) * 20  # 300 sentences, ~7000 characters
    [tr] = T.translate([text], translator=standin)
    assert len(tr.segments) == 20 * len(samples)
    assert tr.text == " ".join(s["en"] for s in samples * 20)
    assert tr.counts()["protected"] == 20 * sum(len(T.load_glossary().find(s["zh"])) for s in samples)


def test_very_long_sentence_is_chunked_to_the_model_limit(glossary):
    text = "，".join(["顺铂联合吉西他滨治疗乳腺癌患者"] * 40) + "。"  # one sentence, 600 characters
    rec = Recorder(max_tokens=30)
    [tr] = T.translate([text], translator=rec, glossary=glossary)
    chunks = rec.batches[0]
    assert len(chunks) > 10 and all(len(c) <= 30 for c in chunks)
    assert tr.segments[0]["chunks"] == len(chunks)
    assert tr.counts()["protected"] == 3 * 40
    assert tr.text.count("cisplatin") + tr.text.count("Cisplatin") == 40


# ---------------------------------------------------------------- the stand-in


def test_standin_with_glossary_reproduces_every_reference(standin, samples):
    out = T.translate([s["zh"] for s in samples], translator=standin)
    assert [t.text for t in out] == [s["en"] for s in samples]
    for tr in out:
        assert tr.is_standin and T.STANDIN_LABEL in tr.backend
        assert tr.terms and all(t["status"] == "protected" for t in tr.terms)
        assert tr.segments[0]["note"] == "stand-in: sentence found in the sample memory"


def test_standin_without_glossary_mistranslates_domain_terms(standin):
    [a, b] = T.translate(["BRCA1是一种重要的肿瘤抑制因子，参与DNA损伤修复。", "顺铂是治疗非小细胞肺癌的一线化疗药物。"],
                         translator=standin, glossary=None)
    assert "tumour inhibit factor" in a.text and "tumor suppressor factor" not in a.text
    assert a.text.startswith("BRCA1 is an important"), "the sentence frame is still translated"
    assert b.text.startswith("顺铂 is"), "an unknown drug name stays untranslated"


def test_standin_enforce_mode_fixes_copied_terms_and_reports_the_rest(standin):
    [tr] = T.translate(["顺铂是治疗非小细胞肺癌的一线化疗药物。"], translator=standin, mode="enforce")
    status = {t["zh"]: t["status"] for t in tr.terms}
    assert status["顺铂"] == "enforced" and tr.text.startswith("Cisplatin is")
    assert status["化疗"] == "matched"
    assert status["非小细胞肺癌"] == "missed", "the literal 'non small cell lung cancer' is not the glossary term"


def test_standin_glosses_unknown_sentences_and_says_so(standin):
    [tr] = T.translate(["患者接受了顺铂治疗。"], translator=standin)
    assert tr.text == "patient 接受了 cisplatin treatment."
    assert tr.segments[0]["note"] == "stand-in: not in the sample memory, word-by-word gloss"


def test_load_translator_offline_uses_the_standin_and_never_downloads(capsys):
    assert isinstance(T.load_translator("auto"), T.StandInTranslator)
    from workbench.models import ModelUnavailableError

    with pytest.raises(ModelUnavailableError, match="standin"):
        T.load_translator("opus-mt-zh-en")


def test_sample_data_is_consistent(samples, glossary):
    assert len(samples) >= 12 and len({s["doc"] for s in samples}) >= 4
    for s in samples:
        assert T.split_sentences(s["zh"]) == [(0, len(s["zh"]))], f"line {s['line']}: not one sentence"
        for m in glossary.find(s["zh"]):
            assert m.term.en.lower() in s["en"].lower(), f"line {s['line']}: {m.term.en!r} missing from reference"
    abstracts = T.load_sample_abstracts()
    assert sum(len(a["zh"]) for a in abstracts) == sum(len(s["zh"]) for s in samples)


def test_bad_sample_file_names_file_and_line(tmp_path):
    path = tmp_path / "s.tsv"
    path.write_text("doc\tzh\ten\nd1\t只有两列\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=f"{path}:2"):
        T.load_samples(path)


# ---------------------------------------------------------------- projection onto the source


def test_glossary_entities_project_onto_the_exact_source_term(standin, glossary):
    abstracts = T.load_sample_abstracts()
    results = T.translate_then_extract([a["zh"] for a in abstracts], translator=standin, ner=glossary.tagger())
    by_en = {t.en.lower(): t.zh for t in glossary}
    n = 0
    for r, a in zip(results, abstracts):
        assert r.text == a["en"]
        for e in r.entities:
            assert r.text[e["start"]:e["end"]] == e["text"]
            assert e["projection"] == "glossary"
            s, t = e["zh_span"]
            assert r.source[s:t] == e["zh_text"] == by_en[e["text"].lower()]
            n += 1
    assert n >= 20


def test_verbatim_projection_of_latin_strings_in_order(standin):
    tagger = DictionaryTagger.from_entries({"BRCA1": "Gene", "EGFR": "Gene", "T790M": "Mutation"})
    src = "BRCA1是一种重要的肿瘤抑制因子，参与DNA损伤修复。BRCA1突变携带者患乳腺癌和卵巢癌的风险显著增加。"
    [r] = T.translate_then_extract([src], translator=standin, ner=tagger)
    spans = [e["zh_span"] for e in r.entities]
    assert [e["projection"] for e in r.entities] == ["verbatim", "verbatim"]
    assert spans == [(0, 5), (src.index("BRCA1", 1), src.index("BRCA1", 1) + 5)]


def test_verbatim_projection_onto_full_width_source():
    tagger = DictionaryTagger.from_entries({"BRCA1": "Gene"})
    rec = Recorder(lambda s: "BRCA1 carriers")
    [r] = T.translate_then_extract(["ＢＲＣＡ１携带者"], translator=rec, ner=tagger, glossary=None)
    assert r.entities[0]["zh_span"] == (0, 5) and r.entities[0]["zh_text"] == "ＢＲＣＡ１"


def test_ambiguous_or_unknown_entities_are_marked_not_guessed():
    tagger = DictionaryTagger.from_entries({"BRCA1": "Gene", "carriers": "Other"})
    rec = Recorder(lambda s: "BRCA1 and BRCA1 carriers")
    [r] = T.translate_then_extract(["BRCA1携带者。"], translator=rec, ner=tagger, glossary=None)
    assert [(e["text"], e["projection"], e["zh_span"]) for e in r.entities] == [
        ("BRCA1", "none", None), ("BRCA1", "none", None), ("carriers", "none", None)]
    assert all(e["zh_sentence"] == (0, 9) for e in r.entities), "the aligned sentence is still given as context"
    assert r.zh_entities() == []


def test_bad_entities_from_the_tagger_raise(standin):
    def off_the_end(texts):
        return [[{"start": 0, "end": len(t) + 5, "label": "X"}] for t in texts]

    with pytest.raises(ValueError, match="outside the translation"):
        T.translate_then_extract(["顺铂。"], translator=standin, ner=off_the_end)
    with pytest.raises(ValueError, match="'text' does not match"):
        T.translate_then_extract(["顺铂。"], translator=standin,
                                 ner=lambda ts: [[{"start": 0, "end": 3, "label": "X", "text": "xyz"}] for _ in ts])
    with pytest.raises(ValueError, match="ner returned 0 entity lists for 1"):
        T.translate_then_extract(["顺铂。"], translator=standin, ner=lambda ts: [])


def test_relation_records_get_projected_heads_and_tails(standin, glossary):
    tagger = glossary.tagger()

    def relations(texts):
        out = []
        for ents in tagger(texts):
            out.append([{"head": ents[0], "tail": ents[1], "label": "treats", "score": 0.9}])
        return out

    [r] = T.translate_then_extract(["顺铂是治疗非小细胞肺癌的一线化疗药物。"], translator=standin, ner=tagger,
                                   relations=relations)
    rel = r.relations[0]
    assert (rel["head"]["zh_text"], rel["tail"]["zh_text"], rel["label"]) == ("顺铂", "非小细胞肺癌", "treats")
    assert json.loads(json.dumps(r.to_dict(), ensure_ascii=False))["relations"][0]["tail"]["projection"] == "glossary"


def test_flat_relation_records_are_grouped_by_doc(standin, glossary):
    tagger = glossary.tagger()

    def flat(texts):  # the shape of wb.relations.extract_relations: one record per pair, with 'doc'
        return [{"doc": d, "head": ents[0], "tail": ents[-1], "label": "assoc"}
                for d, ents in enumerate(tagger(texts)) if len(ents) > 1]

    out = T.translate_then_extract(["顺铂引起肾毒性。", "没有实体。"], translator=standin, ner=tagger, relations=flat)
    assert [len(r.relations) for r in out] == [1, 0]
    assert out[0].relations[0]["tail"]["zh_text"] == "肾毒性"
    with pytest.raises(ValueError, match="'doc'"):
        T.translate_then_extract(["顺铂。"], translator=standin, ner=tagger, relations=lambda ts: [{"label": "x"}])


def test_re_is_a_deprecated_alias_of_relations(standin, glossary):
    tagger = glossary.tagger()

    def one_each(texts):
        return [[{"head": ents[0], "tail": ents[-1], "label": "assoc"}] for ents in tagger(texts)]

    with pytest.warns(DeprecationWarning, match="relations="):
        [old] = T.translate_then_extract(["顺铂引起肾毒性。"], translator=standin, ner=tagger, re=one_each)
    [new] = T.translate_then_extract(["顺铂引起肾毒性。"], translator=standin, ner=tagger, relations=one_each)
    assert old.relations == new.relations and new.relations[0]["tail"]["zh_text"] == "肾毒性"
    with pytest.raises(TypeError, match="relations= only"):
        T.translate_then_extract(["顺铂。"], translator=standin, ner=tagger, re=one_each, relations=one_each)
    with pytest.raises(TypeError, match="unexpected keyword.*rel"):
        T.translate_then_extract(["顺铂。"], translator=standin, ner=tagger, rel=one_each)


def test_format_parallel_highlights_both_sides_and_lists_lost_entities(standin):
    tagger = DictionaryTagger.from_entries({"cisplatin": "Chemical", "first-line": "Other"})
    [r] = T.translate_then_extract(["顺铂是治疗<非小细胞肺癌>的一线化疗药物。"], translator=standin, ner=tagger)
    html = T.format_parallel(r, title="demo")
    assert html.count("<mark") == 3 and "&lt;" in html and T.STANDIN_LABEL in html
    assert "not projected onto the source: first-line (Other)" in html


def test_show_parallel_prints_a_plain_text_fallback_outside_jupyter(standin, glossary, capsys):
    [r] = T.translate_then_extract(["顺铂引起肾毒性。"], translator=standin, ner=glossary.tagger())
    T.show_parallel(r)
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == [r.source, r.text] and "  nephrotoxicity (Disease) -> 肾毒性 [glossary]" in out


def test_split_sentences_is_the_chinese_splitter_of_workbench_text():
    from workbench import text

    assert T.split_sentences is text.split_chinese_sentences and T.fold is text.fold


def test_entity_text_f1():
    ref = [[{"label": "Chemical", "text": "cisplatin"}, {"label": "Disease", "text": "breast cancer"}]]
    pred = [[{"label": "Chemical", "text": "Cisplatin"}, {"label": "Disease", "text": "cancer"}]]
    got = T.entity_text_f1(pred, ref)
    assert (got["tp"], got["fp"], got["fn"]) == (1, 1, 1) and math.isclose(got["f1"], 0.5)
    with pytest.raises(ValueError):
        T.entity_text_f1([], ref)


# ---------------------------------------------------------------- the Marian code path on a tiny random model


@pytest.fixture(scope="module")
def tiny_marian(tmp_path_factory, samples):
    """A randomly initialised 1-layer MarianMT with a sentencepiece tokenizer trained here (offline)."""
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    folder = tmp_path_factory.mktemp("tiny_marian_tok")
    corpus = [s["zh"] for s in samples] + [s["en"] for s in samples]
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(corpus), model_writer=buf, vocab_size=300,
                                   hard_vocab_limit=False, character_coverage=1.0, bos_id=-1, eos_id=-1,
                                   unk_id=0, pad_id=-1, minloglevel=2)
    (folder / "source.spm").write_bytes(buf.getvalue())
    (folder / "target.spm").write_bytes(buf.getvalue())
    proc = spm.SentencePieceProcessor(model_proto=buf.getvalue())
    vocab = {"</s>": 0, "<unk>": 1, "<pad>": 2}
    for i in range(proc.get_piece_size()):
        vocab.setdefault(proc.id_to_piece(i), len(vocab))
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*sacremoses.*")
        tok = MarianTokenizer(str(folder / "source.spm"), str(folder / "target.spm"), str(folder / "vocab.json"),
                              model_max_length=24)
    config = MarianConfig(vocab_size=len(tok), d_model=16, encoder_layers=1, decoder_layers=1,
                          encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32,
                          decoder_ffn_dim=32, max_position_embeddings=64, pad_token_id=tok.pad_token_id,
                          eos_token_id=tok.eos_token_id, decoder_start_token_id=tok.pad_token_id,
                          forced_eos_token_id=tok.eos_token_id)
    torch.manual_seed(0)
    return T.MarianTranslator(MarianMTModel(config), tok, name="tiny random Marian", batch_size=2,
                              num_beams=1, do_sample=False)


def test_marian_batches_generate_and_chunks_to_the_token_limit(tiny_marian, samples):
    texts = [s["zh"] for s in samples[:5]] + ["，".join(["顺铂联合吉西他滨治疗乳腺癌"] * 6) + "。"]
    seen = []
    original = tiny_marian.translate_batch

    def spy(sentences):
        seen.extend(sentences)
        return original(sentences)

    tiny_marian.translate_batch = spy
    calls_before = tiny_marian.calls
    try:
        out = T.translate(texts, translator=tiny_marian)
    finally:
        del tiny_marian.translate_batch
    assert tiny_marian.max_tokens == 24
    assert all(tiny_marian.count_tokens(s) <= 24 for s in seen), "a chunk exceeds the model's limit"
    assert out[-1].segments[0]["chunks"] > 1, "the long sentence must be chunked"
    assert tiny_marian.calls - calls_before == math.ceil(len(seen) / 2), "batch_size=2 batches"
    assert all(isinstance(t.text, str) and not t.is_standin for t in out)
    assert all(t["status"] in T.STATUSES for tr in out for t in tr.terms)


def test_marian_save_and_reload_gives_the_same_translations(tiny_marian, tmp_path):
    sents = ["顺铂是治疗非小细胞肺癌的一线化疗药物。", "BRCA1突变"]
    before = tiny_marian.translate_batch(sents)
    folder = tiny_marian.save(tmp_path / "marian")
    reloaded = T.load_translator(folder, num_beams=1, do_sample=False)
    assert isinstance(reloaded, T.MarianTranslator) and reloaded.max_tokens == 24
    assert reloaded.translate_batch(sents) == before


def test_marian_device_auto_prefers_cuda_and_cuda_without_it_is_an_error(tiny_marian, tmp_path, monkeypatch):
    import torch

    from workbench.models import resolve_device

    assert resolve_device("cpu") == "cpu"
    with pytest.raises(ValueError, match="device must be"):
        resolve_device("gpu")
    folder = tiny_marian.save(tmp_path / "marian")
    on_cpu = T.MarianTranslator.from_pretrained(folder, device="cpu", num_beams=1)
    assert next(on_cpu.model.parameters()).device.type == "cpu" and on_cpu.translate_batch(["顺铂"])
    if torch.cuda.is_available():
        print("CUDA is available: the no-CUDA error path cannot be checked here")
        assert resolve_device("auto") == "cuda"
        return
    assert resolve_device("auto") == "cpu"
    with pytest.raises(ValueError, match="device='cuda' but"):
        T.load_translator(folder, device="cuda")
    with pytest.raises(ValueError, match="fp16=True needs a CUDA GPU"):
        T.MarianTranslator.from_pretrained(folder, fp16=True)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == "cuda"


# ---------------------------------------------------------------- command line


def test_cli_translates_files_to_json_lines(tmp_path, capsys):
    path = tmp_path / "in.txt"
    path.write_text("顺铂是治疗非小细胞肺癌的一线化疗药物。\n\nBRCA1是一种重要的肿瘤抑制因子，参与DNA损伤修复。\n",
                    encoding="utf-8")
    assert cli.main(["translate", str(path), "--ner", "glossary"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in rows] == [f"{path}:1", f"{path}:3"]
    assert rows[0]["translation"] == "Cisplatin is a first-line chemotherapy drug for non-small cell lung cancer."
    assert rows[0]["standin"] is True and rows[1]["terms"][0]["status"] == "protected"
    assert {e["zh_text"] for e in rows[0]["entities"]} == {"顺铂", "非小细胞肺癌"}


def test_cli_reads_stdin_and_can_skip_the_glossary(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("顺铂是治疗非小细胞肺癌的一线化疗药物。\n"))
    assert cli.main(["translate", "--no-glossary"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["id"] == "<stdin>:1" and row["translation"].startswith("顺铂 is") and "entities" not in row


def test_cli_errors_name_the_file(tmp_path, capsys):
    assert cli.main(["translate", str(tmp_path / "missing.txt")]) == 2
    assert "missing.txt: no such file" in capsys.readouterr().err
    bad = tmp_path / "g.tsv"
    bad.write_text("顺铂 cisplatin\n", encoding="utf-8")
    text = tmp_path / "in.txt"
    text.write_text("顺铂\n", encoding="utf-8")
    assert cli.main(["translate", str(text), "--glossary", str(bad)]) == 2
    assert f"{bad}:1" in capsys.readouterr().err
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("caf\xe9\n".encode("latin-1"))
    assert cli.main(["translate", str(latin1)]) == 2
    assert "not UTF-8" in capsys.readouterr().err

"""workbench.text: words, sentences and spans with exact character offsets."""
import pytest

from workbench import text as T


def test_tokenize_with_offsets_is_exact():
    text = "Loss of  BRCA1\n(5-fluorouracil) — naïve β-catenin!"
    toks = T.tokenize_with_offsets(text)
    assert all(text[s:e] == t for t, s, e in toks)
    assert [t for t, _, _ in toks] == ["Loss", "of", "BRCA1", "(", "5-fluorouracil", ")", "—",
                                      "naïve", "β-catenin", "!"]


def test_spans_tags_round_trip():
    text = "Cisplatin induced acute kidney injury in BRCA1 carriers."
    toks = T.tokenize_with_offsets(text)
    spans = [(0, 9, "Chemical"), (18, 37, "Disease"), (41, 46, "Gene")]
    tags = T.spans_to_tags(toks, spans)
    assert tags[:5] == ["B-Chemical", "O", "B-Disease", "I-Disease", "I-Disease"]
    assert T.tags_to_spans(toks, tags) == spans
    assert [text[s:e] for s, e, _ in spans] == ["Cisplatin", "acute kidney injury", "BRCA1"]


def test_spans_to_tags_rejects_bad_spans():
    toks = T.tokenize_with_offsets("breast cancer risk")
    with pytest.raises(ValueError, match="token boundaries"):
        T.spans_to_tags(toks, [(0, 9, "Disease")])
    with pytest.raises(ValueError, match="overlaps"):
        T.spans_to_tags(toks, [(0, 13, "Disease"), (7, 13, "Disease")])
    assert T.spans_to_tags(toks, [(0, 9, "Disease")], strict=False) == ["B-Disease", "I-Disease", "O"]


def test_tags_to_spans_follows_conlleval():
    offs = [(0, 1), (2, 3), (4, 5), (6, 7)]
    assert T.tags_to_spans(offs, ["I-Gene", "I-Gene", "B-Gene", "I-Disease"]) == [
        (0, 3, "Gene"), (4, 5, "Gene"), (6, 7, "Disease")]
    with pytest.raises(ValueError):
        T.tags_to_spans(offs, ["O"])


def test_split_sentences_keeps_offsets():
    text = "BRCA1 is mutated, e.g. in breast cancer. Risk rose (p < 0.05).\nNext one!  Done"
    spans = T.split_sentences(text)
    assert [text[s:e] for s, e in spans] == ["BRCA1 is mutated, e.g. in breast cancer.", "Risk rose (p < 0.05).",
                                             "Next one!", "Done"]
    tokenised = ("Risk rose ( p < 0 . 05 ; P = . 01 ) in J . B . Smith ' s cohort ( ref . 3 ) . "
                 "12 of 40 died ( 3 . 2 vs . 1 . 5 ) . Done")
    assert [tokenised[s:e] for s, e in T.split_sentences(tokenised)] == [
        "Risk rose ( p < 0 . 05 ; P = . 01 ) in J . B . Smith ' s cohort ( ref . 3 ) .",
        "12 of 40 died ( 3 . 2 vs . 1 . 5 ) .", "Done"]
    vitamin = "Vitamin C. Patients improved."
    assert T.split_sentences(vitamin) == [(0, len(vitamin))], "a lone capital reads as an initial: one longer unit"


# ---------------------------------------------------------------- command line


def test_as_span_accepts_dicts_and_tuples():
    assert T.as_span({"start": 3, "end": 5, "label": "Gene", "score": 0.5}) == (3, 5, "Gene", 0.5)
    assert T.as_span((3, 5, "Gene")) == (3, 5, "Gene", None)
    assert T.as_span([3, 5]) == (3, 5, "", None)
    with pytest.raises(ValueError, match="at least"):
        T.as_span((3,))


# ---------------------------------------------------------------- Chinese text: folding, sentences, chunks


def test_split_chinese_sentences_on_chinese_and_western_punctuation():
    text = "第一句。第二句！第三句？第四句；“引号句。”The dose was 3.5 mg. p<0.05; end"
    got = [text[s:e] for s, e in T.split_chinese_sentences(text)]
    assert got == ["第一句。", "第二句！", "第三句？", "第四句；", "“引号句。”", "The dose was 3.5 mg.", "p<0.05;", "end"]


def test_split_chinese_sentences_edges_and_keep_whole():
    assert T.split_chinese_sentences("") == [] and T.split_chinese_sentences(" \n　") == []
    assert [("甲。\n乙"[s:e]) for s, e in T.split_chinese_sentences("甲。\n乙")] == ["甲。", "乙"]
    text = "术语甲。乙结束。"
    assert T.split_chinese_sentences(text, keep_whole=[(2, 5)]) == [(0, 8)]
    with pytest.raises(TypeError):
        T.split_chinese_sentences(None)


def test_split_chinese_sentences_covers_every_non_space_character():
    text = "  BRCA1突变！！ 携带者（ＴＰ５３）风险增加。。。Mixed 中文 and English... 结尾"
    spans = T.split_chinese_sentences(text)
    assert all(a < b for a, b in spans) and all(spans[i][1] <= spans[i + 1][0] for i in range(len(spans) - 1))
    covered = "".join(text[a:b] for a, b in spans)
    assert covered.replace(" ", "") == text.replace(" ", "").replace("\u3000", "")


def test_chunk_span_prefers_commas_and_never_cuts_a_term():
    text = "甲乙丙丁，戊己庚辛，壬癸子丑寅卯辰巳午未申酉"
    pieces = T.chunk_span(text, 0, len(text), lambda a, b: b - a, 6, keep_whole=[(14, 18)])
    assert all(b - a <= 6 for a, b in pieces if not (a <= 14 and 18 <= b))
    assert [text[a:b] for a, b in pieces][:2] == ["甲乙丙丁，", "戊己庚辛，"]
    assert "".join(text[a:b] for a, b in pieces) == text
    assert not any(a < 18 and 14 < b and not (a <= 14 and 18 <= b) for a, b in pieces), "term cut in two"


def test_chunk_span_keeps_an_oversized_term_whole():
    text = "短" + "长" * 10 + "尾"
    pieces = T.chunk_span(text, 0, len(text), lambda a, b: b - a, 4, keep_whole=[(1, 11)])
    assert (1, 11) in pieces and "".join(text[a:b] for a, b in pieces) == text


def test_fold_maps_every_folded_character_back_to_its_source():
    text = "ＢＲＣＡ１（ｎ＝５）ﬁ"
    folded, index = T.fold(text)
    assert folded == "BRCA1(n=5)fi"
    assert len(index) == len(folded) and index[:5] == [0, 1, 2, 3, 4] and index[-2:] == [10, 10]
    assert T.fold("") == ("", [])


def test_length_batches_by_count_and_by_token_budget():
    lengths = [5, 1, 9, 3, 3, 7]
    assert T.length_batches(lengths, batch_size=2) == [[1, 3], [4, 0], [5, 2]]
    assert T.length_batches(lengths, batch_size=4, longest_first=True) == [[2, 5, 0, 3], [4, 1]]
    budget = T.length_batches(lengths, token_budget=10)
    assert sorted(i for b in budget for i in b) == list(range(6))
    assert all(len(b) * max(lengths[i] for i in b) <= 10 or len(b) == 1 for b in budget)
    assert budget[-1] == [2], "the longest input runs alone"
    with pytest.raises(ValueError, match="exactly one"):
        T.length_batches(lengths)
    with pytest.raises(ValueError, match="at least 1"):
        T.length_batches(lengths, batch_size=0)

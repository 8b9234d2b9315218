"""workbench.taggers: dictionary NER and combined taggers."""
import pytest

from workbench.taggers import DictionaryTagger, combine_taggers


def test_dictionary_tagger_longest_match_case_and_word_boundaries():
    tag = DictionaryTagger({"Gene": ["MTOR", "ALK"], "Pathway": ["mTOR"], "Chemical": ["insulin"],
                           "Outcome": ["insulin resistance"]})
    ents = tag(["MTOR and mTOR; insulin resistance, insulin glargine, TALK, alk."])[0]
    assert [(e["text"], e["label"]) for e in ents] == [
        ("MTOR", "Gene"), ("mTOR", "Pathway"), ("insulin resistance", "Outcome"), ("insulin", "Chemical"),
        ("alk", "Gene")]
    with pytest.raises(TypeError, match="list of texts"):
        tag("one string")
    with pytest.raises(TypeError, match="must be a list of terms"):
        DictionaryTagger({"Trigger": {"up": ["activates"]}})


def test_combine_taggers_first_wins_and_records_the_source():
    a = DictionaryTagger({"Disease": ["lung cancer"]})
    b = DictionaryTagger({"Disease": ["non-small cell lung cancer", "asthma"]})
    both = combine_taggers(a, b, names=["a", "b"])
    ents = both(["non-small cell lung cancer and asthma; lung cancer"])[0]
    # the earlier tagger wins even against a longer overlapping mention: order taggers by trust
    assert [(e["text"], e["source"]) for e in ents] == [("lung cancer", "a"), ("asthma", "b"), ("lung cancer", "a")]
    ents = combine_taggers(b, a)(["non-small cell lung cancer"])[0]
    assert [e["text"] for e in ents] == ["non-small cell lung cancer"] and "source" not in ents[0]
    with pytest.raises(ValueError, match="1 names for 2 taggers"):
        combine_taggers(a, b, names=["a"])


def test_from_entries_and_hyphen_edges():
    tag = DictionaryTagger.from_entries({"cisplatin": "Chemical", "fluorouracil": "Chemical", "BRCA1": "Gene"})
    ents = tag(["Cisplatin-induced toxicity; 5-fluorouracil; BRCA1 (BRCA1)."])[0]
    # a hyphen joins words (as in wb.text.tokenize_with_offsets): no match inside a hyphenated word
    assert [(e["text"], e["label"], e["start"]) for e in ents] == [("BRCA1", "Gene", 44), ("BRCA1", "Gene", 51)]
    assert "3 terms" in repr(tag)
    with pytest.raises(ValueError, match="empty"):
        DictionaryTagger({"Gene": ["  "]})

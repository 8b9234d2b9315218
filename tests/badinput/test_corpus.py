"""Every case of the bad-input corpus, one test each: a clear error or a correct result, never a
traceback, a silent wrong result or lost data (``corpus.py`` says what each kind means)."""
import corpus
import pytest

CASES = corpus.all_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case, env, monkeypatch):
    monkeypatch.chdir(env.tmp)  # nothing is written into the project (e.g. runs/)
    result = case.action(env)
    kind, detail = corpus.outcome(case, result, env)
    wanted = "clear error" if case.expect == "error" else "correct"
    assert kind == wanted, f"{case.id} ({case.area}): {kind}\n{detail}"


def test_the_corpus_covers_every_command_and_area():
    areas = {c.area for c in CASES}
    assert {"ner predict input", "ner evaluate", "ner train", "qa predict", "qa evaluate", "qa train", "re predict",
            "re evaluate", "re train", "translate", "model folder", "flags", "annotation store", "loaders",
            "text and HTML"} <= areas
    assert sum(c.expect == "ok" for c in CASES) >= 25 and len(CASES) >= 200

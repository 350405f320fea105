"""Shared fixtures: the project's rules, loaded once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.risk.detector import RiskDetector

CONTENT = Path(__file__).resolve().parents[3] / "content"


@pytest.fixture(scope="session")
def detector() -> RiskDetector:
    return RiskDetector.load(CONTENT)

"""Shared fixtures: a small training set of our own (tests/nlu/fixtures/data) and models
trained on it once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.embedded import EmbeddedModel, train
from nlu.service import EmbeddedNLU
from nlu.training_data import load_training_data

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_DATA = FIXTURES / "data"
FIXTURE_TOPICS = ("greet", "rights_unpaid_wages", "docs_patent", "out_of_scope")


@pytest.fixture(scope="session")
def fixture_data() -> Path:
    return FIXTURE_DATA


@pytest.fixture(scope="session")
def fixture_topics() -> tuple[str, ...]:
    return FIXTURE_TOPICS


@pytest.fixture(scope="session")
def fixture_model() -> EmbeddedModel:
    return train(load_training_data(FIXTURE_DATA).examples, key="fixtures")


@pytest.fixture
def fixture_nlu(fixture_model: EmbeddedModel) -> EmbeddedNLU:
    return EmbeddedNLU(fixture_model)

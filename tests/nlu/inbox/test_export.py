"""Export of labelled inbox messages as Rasa YAML: topics and out of scope into
nlu/data/<lang>/inbox.yml, danger into the situation corpus, merged with earlier exports;
texts already in the data or labelled two ways are left out; the result passes the checkers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nlu.cli import load_topic_ids
from nlu.config import NLUSettings
from nlu.embedded import load_or_train
from nlu.inbox.export import FILE, Labelled, export, pending, read_file
from nlu.inbox.reload import refresh, signal_service
from nlu.parse import EmbeddedNLU
from nlu.risk.situations import check_situations
from nlu.training_data import check_training_data, load_training_data

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, Path]:
    data, situations = tmp_path / "data", tmp_path / "situations"
    shutil.copytree(ROOT / "nlu" / "data", data)
    shutil.copytree(ROOT / "nlu" / "situations", situations)
    return data, situations


def test_export_writes_valid_rasa_yaml_and_merges(corpus: tuple[Path, Path]) -> None:
    data, situations = corpus
    existing = next(e for e in load_training_data(data).for_lang("ru") if e.intent == "docs_patent")
    items = [Labelled("шеф зажал лавэ за пахоту", "ru", "topic", "rights_unpaid_wages"),
             Labelled("шеф  зажал лавэ\nза пахоту", "ru", "topic", "rights_unpaid_wages"),  # the same, once
             Labelled("мой кот смотрит на рыбок", "ru", "out_of_scope", "out_of_scope"),
             Labelled("xo'jayin pulni berishmayapti", "uz", "topic", "rights_unpaid_wages"),
             Labelled("бригадир паспорта забрал и в сейф запер, уйти не можем", "ru", "danger",
                      "retention_of_documents"),
             Labelled("где купить симку", "ru", "new_topic", None),
             Labelled(existing.text, "ru", "topic", "rights_unpaid_wages"),  # already docs_patent
             Labelled("!!!", "ru", "topic", "docs_patent")]
    result = export(items, data, situations)
    assert result.added == 4 and len(result.new_topics) == 1
    assert [why for _t, why in result.skipped] == ["already an example of docs_patent", "no language or no words"]
    ru = read_file(data / "ru" / FILE)
    assert ru == {"rights_unpaid_wages": ["шеф зажал лавэ за пахоту"], "out_of_scope": ["мой кот смотрит на рыбок"]}
    assert read_file(situations / "ru" / FILE) == {
        "danger_retention_of_documents": ["бригадир паспорта забрал и в сейф запер, уйти не можем"]}
    assert not [p for p in check_training_data(data, load_topic_ids(ROOT / "content" / "topics.yaml")) if p.is_error]
    assert not [p for p in check_situations(situations) if p.is_error]

    # A second export keeps the first one's examples and adds only what is new.
    again = export([Labelled("шеф зажал лавэ за пахоту", "ru", "topic", "rights_unpaid_wages"),
                    Labelled("бугор бабосы зажал", "ru", "topic", "rights_unpaid_wages")], data, situations)
    assert again.added == 1
    assert read_file(data / "ru" / FILE)["rights_unpaid_wages"] == ["шеф зажал лавэ за пахоту", "бугор бабосы зажал"]
    assert pending([Labelled("бугор бабосы зажал", "ru", "topic", "rights_unpaid_wages"),
                    Labelled("новое", "ru", "topic", "docs_patent")], data, situations) == [
        Labelled("новое", "ru", "topic", "docs_patent")]


def test_refresh_swaps_the_model_only_when_the_data_changed(corpus: tuple[Path, Path], tmp_path: Path) -> None:
    data, _ = corpus
    settings = NLUSettings(data_dir=data, cache_dir=ROOT / ".cache" / "nlu")
    nlu = EmbeddedNLU(load_or_train(data, settings.cache_dir))
    assert refresh(nlu, settings) is False
    (data / "ru" / FILE).write_text('version: "3.1"\nnlu:\n- intent: out_of_scope\n  examples: |\n'
                                    "    - мой кот смотрит на рыбок\n", "utf-8")
    old = nlu.model
    assert refresh(nlu, NLUSettings(data_dir=data, cache_dir=tmp_path / "cache")) is True
    assert nlu.model is not old and nlu.model.key != old.key
    assert refresh(object(), settings) is False  # no embedded backend: nothing to do


def test_signal_without_a_service(tmp_path: Path) -> None:
    assert signal_service(tmp_path / "missing.pid") is None
    (tmp_path / "bad.pid").write_text("not a pid")
    assert signal_service(tmp_path / "bad.pid") is None

"""The embedded classifier: trains and ranks on the fixtures; the disk cache follows the data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nlu import embedded
from nlu.embedded import EmbeddedModel, load_or_train


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("мне не платят зарплату уже два месяца", "rights_unpaid_wages"),
        ("где сделать патент", "docs_patent"),
        ("привет", "greet"),
        ("маошамро намедиҳанд", "rights_unpaid_wages"),
        ("патент чӣ тавр гирам", "docs_patent"),
        ("ish haqimni bermayapti", "rights_unpaid_wages"),
        ("иш ҳақимни бермаяпти", "rights_unpaid_wages"),  # Uzbek Cyrillic, trained on Latin
        ("patentni qayerda olaman", "docs_patent"),
        ("расскажи анекдот про погоду", "out_of_scope"),
    ],
)
def test_ranks_the_right_topic_first(fixture_model: EmbeddedModel, text: str, topic: str) -> None:
    assert fixture_model.rank(text)[0][0] == topic


def test_ranking_is_a_distribution_over_every_intent(
    fixture_model: EmbeddedModel, fixture_topics: tuple[str, ...]
) -> None:
    ranking = fixture_model.rank("патент")
    assert {name for name, _ in ranking} == set(fixture_topics)
    scores = [score for _, score in ranking]
    assert scores == sorted(scores, reverse=True)
    assert sum(scores) == pytest.approx(1.0, abs=1e-6)


def test_empty_text_is_out_of_scope(fixture_model: EmbeddedModel) -> None:
    assert fixture_model.rank(" \n😀!?") == (("out_of_scope", 1.0),)


def test_one_intent_is_not_enough(fixture_data: Path) -> None:
    from nlu.training_data import load_training_data

    greet_only = [e for e in load_training_data(fixture_data).examples if e.intent == "greet"]
    with pytest.raises(ValueError, match="two intents"):
        embedded.train(greet_only)


def test_cache_is_reused_then_rebuilt_when_the_data_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fixture_data: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(fixture_data, data)
    cache = tmp_path / "cache"
    trainings: list[int] = []
    real_train = embedded.train

    def counting_train(*args: object, **kwargs: object) -> EmbeddedModel:
        trainings.append(1)
        return real_train(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(embedded, "train", counting_train)

    first = load_or_train(data, cache)
    assert len(trainings) == 1
    assert [p.name for p in cache.glob("*.joblib")] == [f"embedded-{first.key}.joblib"]

    again = load_or_train(data, cache)
    assert len(trainings) == 1, "an unchanged data set must load from the cache"
    assert again.key == first.key

    ru = data / "ru" / "nlu.yml"
    ru.write_text(ru.read_text("utf-8") + "    - когда дадут мою получку\n", encoding="utf-8")
    changed = load_or_train(data, cache)
    assert len(trainings) == 2
    assert changed.key != first.key
    # the stale model is removed, only the current one stays
    assert [p.name for p in cache.glob("*.joblib")] == [f"embedded-{changed.key}.joblib"]


def test_a_corrupt_cache_file_is_retrained(tmp_path: Path, fixture_data: Path) -> None:
    cache = tmp_path / "cache"
    key = embedded.cache_key(fixture_data)
    cache.mkdir()
    (cache / f"embedded-{key}.joblib").write_bytes(b"not a joblib file")
    model = load_or_train(fixture_data, cache)
    assert model.key == key
    assert load_or_train(fixture_data, cache).key == key

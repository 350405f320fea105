"""The real understanding pipeline for the danger tests: the embedded NLU trained on nlu/data
(from the project's cache; trained once per test process when the data changed) and the risk
detector on the editors' rules in content/ (`RiskDetector.load`).

Both are improved in parallel, so a test does not hard-code one message for a level: it names
the level (and indicator) it needs and takes the first message from a short list that the
current detector rates so. When none is rated so any more, the test fails and says which
level it needs, so a better example can be added.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.engine.understand import Understander
from nlu.config import NLUSettings
from nlu.embedded import load_or_train
from nlu.risk.detector import RiskDetector
from nlu.risk.situation_model import load_or_train as load_situations
from nlu.service import EmbeddedNLU

ROOT = Path(__file__).resolve().parents[3]

# Everyday labour trouble the detector should rate "elevated" (not high): the doubt case.
ELEVATED = ("зарплату не платят два месяца и работаем по 14 часов", "зарплату не платят три месяца",
            "работаем по 14 часов без выходных", "маош намедиҳанд ду моҳ")
# A hint of self-harm, not a statement: "elevated" with the self_harm indicator.
SELF_HARM_HINTS = ("иногда не хочется просыпаться", "я так устал от всего", "не хочется просыпаться утром",
                   "раздал друзьям свои вещи, они мне больше не понадобятся")
# Locked in and beaten: "high" on its own.
LOCKED_IN_AND_BEATEN = ("нас заперли на складе и избили", "хозяин запер нас в вагончике и бьёт",
                        "нас заперли и избили")
HARMLESS = "как получить патент"


@functools.cache
def real_understander() -> Understander:
    settings = NLUSettings()
    model = load_or_train(ROOT / "nlu" / "data", ROOT / ".cache" / "nlu")
    # The detector the bot runs: the editors' rules and the situation model.
    situations = load_situations(ROOT / "nlu" / "situations", ROOT / "nlu" / "data", ROOT / ".cache" / "nlu")
    return Understander(EmbeddedNLU(model), RiskDetector.load(ROOT / "content", situations=situations),
                        threshold=settings.threshold, margin=settings.ambiguity_margin, max_chars=4000)


async def rated(understander: Understander, candidates: Sequence[str], level: str | tuple[str, ...],
                indicator: str | None = None) -> str:
    """The first candidate rated `level` (or one of several) with `indicator` among its
    indicators, read alone."""
    seen = []
    levels = (level,) if isinstance(level, str) else level
    for text in candidates:
        u = await understander.understand(text)
        indicators = [str(i) for i in u.risk.indicators]
        if str(u.risk.level) in levels and (indicator is None or indicator in indicators):
            return text
        seen.append(f"{text!r}: {u.risk.level} {indicators}")
    pytest.fail(f"this test needs a message rated {level!r}" + (f" with {indicator!r}" if indicator else "")
                + " by the current detector; none of these is any more: " + "; ".join(seen))

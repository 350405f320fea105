"""Per-flag precision and recall of the offer checker on a labelled set of ads
(tests/nlu/offers/ads_<lang>.yaml): each ad lists the red flags it contains, and `offer:
false` marks a message that is not an ad at all (no flags expected)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlu.offers.checker import OfferChecker
from nlu.yamlsafe import load_file


@dataclass(frozen=True)
class Ad:
    text: str
    flags: frozenset[str]
    offer: bool = True
    forwarded: bool = False


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Report:
    lang: str
    ads: int
    offers: int
    flags: dict[str, Score] = field(default_factory=dict)
    offer: Score = field(default_factory=Score)  # "is an offer" as one more label
    errors: list[tuple[str, set[str], set[str]]] = field(default_factory=list)  # text, missed, extra


def load_ads(path: Path) -> list[Ad]:
    data: Any = load_file(path).data
    out = []
    for item in data["ads"]:
        out.append(Ad(str(item["text"]), frozenset(item.get("flags") or ()), bool(item.get("offer", True)),
                      bool(item.get("forwarded", False))))
    return out


def evaluate(checker: OfferChecker, ads: Sequence[Ad], lang: str, flag_ids: Sequence[str]) -> Report:
    report = Report(lang, len(ads), sum(a.offer for a in ads), {f: Score() for f in flag_ids})
    for ad in ads:
        reading = checker.read(ad.text, forwarded=ad.forwarded)
        got = set(reading.flag_ids)
        for fid, score in report.flags.items():
            score.tp += fid in got and fid in ad.flags
            score.fp += fid in got and fid not in ad.flags
            score.fn += fid not in got and fid in ad.flags
        report.offer.tp += reading.is_offer and ad.offer
        report.offer.fp += reading.is_offer and not ad.offer
        report.offer.fn += not reading.is_offer and ad.offer
        if got != ad.flags or reading.is_offer != ad.offer:
            report.errors.append((ad.text, set(ad.flags) - got, got - set(ad.flags)))
    return report


def render(reports: Sequence[Report]) -> str:
    lines = ["| lang | flag | support | precision | recall |", "|---|---|---:|---:|---:|"]
    for r in reports:
        for fid, s in [*r.flags.items(), ("(is an offer)", r.offer)]:
            lines.append(f"| {r.lang} | {fid} | {s.tp + s.fn} | {s.precision:.2f} | {s.recall:.2f} |")
    lines.append("")
    lines += [f"{r.lang}: {r.ads} messages, {r.offers} ads, {len(r.errors)} with a difference" for r in reports]
    return "\n".join(lines)

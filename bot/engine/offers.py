"""The job-offer checker in the conversation (issue 17): a forwarded message, or a pasted text
that looks like a job ad, gets the red flags found in *this* offer with the words that
triggered each, what the offer leaves out, what to check next, and "Talk to a person".

Danger comes first: the engine's risk detector has already read the message, and when the
level is `high` ("I already went and cannot leave") the risk reply stands and the offer is not
analysed. At `elevated` the offer reply is given and the check question still follows it.
"""

from __future__ import annotations

import functools
import html
import threading
from dataclasses import replace as dc_replace
from pathlib import Path

from bot.engine import checks, render
from bot.engine.types import HANDOFF_YES, Button, Outcome, Reply
from bot.engine.understand import Understanding
from bot.i18n import Translator
from nlu.languages import LANGS, Lang
from nlu.offers import OfferChecker, OfferReading
from nlu.offers.spec import rules_path, settings_path
from nlu.risk.model import RiskAssessment, RiskLevel

# The topic an offer reading is recorded under (the general "how to check an offer" answer).
OFFER_TOPIC = "jobs_verify_offer"

_lock = threading.Lock()
_loaded: dict[Path, tuple[tuple[tuple[str, int, int], ...], OfferChecker]] = {}


def _fingerprint(root: Path) -> tuple[tuple[str, int, int], ...]:
    out = []
    for path in (settings_path(root), *(rules_path(root, lang) for lang in LANGS)):
        try:
            st = path.stat()
        except OSError:
            continue
        out.append((str(path), st.st_size, st.st_mtime_ns))
    return tuple(out)


def checker_for(root: Path) -> OfferChecker:
    """The checker for a content folder, read again when an offer file changed (a few stat
    calls per message); a file that no longer loads keeps the last good checker."""
    key = root.resolve()
    stamp = _fingerprint(key)
    with _lock:
        cached = _loaded.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        fresh = OfferChecker.load(key)
        if cached is not None and any(p.is_error for p in fresh.problems) and not fresh.rulesets:
            fresh = cached[1]
        _loaded[key] = (stamp, fresh)
        return fresh


class OfferRead:
    """The offer check of one message, done at most once however many steps ask for it."""

    def __init__(self, checker: OfferChecker, text: str, *, forwarded: bool) -> None:
        self.checker, self.text, self.forwarded = checker, text, forwarded

    @functools.cached_property
    def reading(self) -> OfferReading:
        return self.checker.read(self.text, forwarded=self.forwarded)


def forwarded_ad(u: Understanding, *, offer: OfferRead) -> Understanding:
    """A forwarded job ad is someone else's words about an offer, not the person's report:
    when only the situation model (no editor's rule) raises the alarm on it, the person is
    asked instead ("Are you or someone close to you in danger right now?"), and the offer is
    checked. A rule match still escalates, and so does anything typed by the person."""
    risk = u.risk
    if not offer.forwarded or not isinstance(risk, RiskAssessment) or risk.level != RiskLevel.HIGH:
        return u
    if any(ev.counted and ev.level == RiskLevel.HIGH and ev.source != "model" for ev in risk.evidence):
        return u
    if not offer.reading.is_offer:
        return u
    note = "a forwarded job ad: the model's alarm is asked about"
    evidence = tuple(dc_replace(ev, level=RiskLevel.ELEVATED, note=note) if ev.source == "model" else ev
                     for ev in risk.evidence)
    return dc_replace(u, risk=dc_replace(risk, level=RiskLevel.ELEVATED, evidence=evidence))


def apply(out: Outcome, *, offer: OfferRead, lang: Lang, _: Translator) -> Outcome:
    """The outcome for a message that is a job offer; `out` unchanged otherwise."""
    if out.risk == "high":
        return out  # the risk reply wins: safety steps and a person first
    reading = offer.reading
    if not reading.is_offer:
        return out
    out.topic, out.confidence = OFFER_TOPIC, 1.0
    out.replies = [offer_reply(_, reading, offer.checker, lang)]
    if out.check:
        out.replies.append(checks.question(_, out.check))
    return out


def offer_reply(_: Translator, reading: OfferReading, checker: OfferChecker, lang: Lang) -> Reply:
    labels, missing_labels = checker.labels(lang), checker.missing_labels(lang)
    parts = [f"<b>{_('🔎 I checked this job offer.')}</b>"]
    if reading.flags:
        lines = [f"<b>{_('Red flags in this offer:')}</b>"]
        for flag in reading.flags:
            line = "🚩 " + html.escape(labels.get(flag.id, flag.id), quote=False)
            if flag.words:
                line += ": " + ", ".join(f"«{html.escape(w, quote=False)}»" for w in flag.words)
            lines.append(line)
        parts.append("\n".join(lines))
    else:
        parts.append(_("I found none of the red flags I know in this offer. That alone does not "
                       "make it safe: check it before you pay or travel."))
    if reading.missing:
        parts.append(f"<b>{_('Missing from the offer:')}</b>\n" + "\n".join(
            "• " + html.escape(missing_labels.get(m, m), quote=False) for m in reading.missing))
    steps = checker.next_steps(lang)
    if steps:
        parts.append(f"<b>{_('What to check next:')}</b>\n{steps}")  # editors' HTML, checked
    rows = ((Button(_("👤 Talk to a person"), HANDOFF_YES),), (render.menu_button(_),))
    return Reply("\n\n".join(parts), rows)

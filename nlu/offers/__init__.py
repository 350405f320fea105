"""The job-offer checker: is a message a job ad (or a recruiter's message), which red flags
does it show, with the words that triggered each, and what does it leave out.

    checker = OfferChecker.load(Path("content"))
    reading = checker.read(text, forwarded=True)
    reading.is_offer, [f.id for f in reading.flags], reading.missing

The rules are the editors' YAML (`content/<folder>/offers/rules.yaml`, one per language, all
run on every message; the shared thresholds and the usual-pay table in
`content/ru/offers/settings.yaml`), described in content/OFFER_RULES.md.
"""

from nlu.offers.checker import FlagHit, OfferChecker, OfferReading
from nlu.offers.spec import COMPUTED_FLAGS, FLAG_IDS, MISSING_IDS

__all__ = ["COMPUTED_FLAGS", "FLAG_IDS", "MISSING_IDS", "FlagHit", "OfferChecker", "OfferReading"]

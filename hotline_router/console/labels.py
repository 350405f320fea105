"""Codes in words: risk indicators, levels, statuses, countries, outcomes and what a person
pressed, in the operator's language. An unknown code is shown as it is."""

from __future__ import annotations

from hotline_router import readable
from hotline_router.console.i18n import N_, tr

INDICATORS = {
    "retention_of_documents": N_("Documents withheld by the employer"),
    "restriction_of_movement": N_("Not free to leave"),
    "isolation": N_("Cut off from other people"),
    "physical_sexual_violence": N_("Physical or sexual violence"),
    "intimidation_threats": N_("Threats and intimidation"),
    "withholding_of_wages": N_("Wages withheld"),
    "debt_bondage": N_("Debt bondage"),
    "abusive_conditions": N_("Abusive working and living conditions"),
    "excessive_overtime": N_("Excessive overtime"),
    "abuse_of_vulnerability": N_("Abuse of vulnerability"),
    "deception": N_("Deceived about the job"),
    "self_harm": N_("Risk of self-harm"),
    "sexual_exploitation": N_("Sexual exploitation"),
}
LEVELS = {"high": N_("high risk"), "elevated": N_("elevated risk"), "none": N_("no risk signs")}
STATUSES = {"queued": N_("waiting"), "assigned": N_("in work"), "closed": N_("closed")}
DELIVERY = {"pending": N_("queued to send"), "sending": N_("sending"), "sent": N_("delivered"),
            "failed": N_("not delivered")}
COUNTRIES = {"RU": N_("Russia"), "KZ": N_("Kazakhstan"), "UZ": N_("Uzbekistan"),
             "TJ": N_("Tajikistan"), "KR": N_("South Korea"), "OTHER": N_("another country")}
COUNTRY_SOURCES = {"profile": N_("from the bot's record, not confirmed"),
                   "person": N_("the person said so"), "operator": N_("corrected by an operator")}
LANGUAGES = {"tg": N_("Tajik"), "ru": N_("Russian"), "uz": N_("Uzbek")}
WRITE_IN = {"tg": N_("Write in Tajik"), "ru": N_("Write in Russian"), "uz": N_("Write in Uzbek")}
OUTCOMES = {
    "advice_given": N_("advice given"), "referred_hotline": N_("referred to a hotline"),
    "referred_embassy": N_("referred to the embassy"), "referred_police": N_("referred to the police"),
    "referred_lawyer": N_("referred to a lawyer"), "emergency_escalated": N_("emergency services called"),
    "no_reply": N_("no reply from the person"), "not_relevant": N_("not relevant"),
    "duplicate": N_("duplicate"), "cancelled_by_person": N_("cancelled by the person"),
}
TAGS = {
    "documents_taken": N_("documents taken"), "unpaid_wages": N_("unpaid wages"), "debt": N_("debt"),
    "recruitment_fraud": N_("recruitment fraud"), "violence": N_("violence"), "threats": N_("threats"),
    "registry": N_("registry of controlled persons"), "patent": N_("patent"), "child": N_("child"),
    "follow_up": N_("follow up"),
}
EVENTS = {
    "created": N_("asked for a person"), "claimed": N_("claimed"), "transferred": N_("transferred"),
    "closed": N_("closed"), "reopened": N_("reopened"), "cancelled": N_("cancelled by the person"),
    "escalated": N_("waited past the SLA"), "country_set": N_("country set"),
}
ACTIONS = {
    "view": N_("opened a case"), "claim": N_("claimed"), "claim_next": N_("took the next case"),
    "reply": N_("replied"), "note": N_("added a note"), "transfer": N_("transferred"),
    "close": N_("closed"), "reopen": N_("reopened"), "denied": N_("refused"),
    "login": N_("logged in"), "login_failed": N_("wrong password"),
    "login_blocked": N_("login blocked"), "logout": N_("logged out"),
    "export_csv": N_("exported CSV"), "ack_alert": N_("acknowledged an alert"),
    "set_country": N_("corrected the country"), "set_language": N_("changed language"),
}


def _of(table: dict[str, str], code: str | None) -> str:
    if not code:
        return ""
    msgid = table.get(code)
    return tr(msgid) if msgid else code


def indicator(code: str) -> str:
    return _of(INDICATORS, code)


def level(code: str) -> str:
    return _of(LEVELS, code)


def status(code: str) -> str:
    return _of(STATUSES, code)


def delivery(code: str) -> str:
    return _of(DELIVERY, code)


def country(code: str | None) -> str:
    return _of(COUNTRIES, code) if code else tr("not known")


def country_source(code: str) -> str:
    return _of(COUNTRY_SOURCES, code)


def language(code: str) -> str:
    return _of(LANGUAGES, code)


def write_in(code: str) -> str:
    return _of(WRITE_IN, code)


def outcome(code: str | None) -> str:
    return _of(OUTCOMES, code)


def tag(code: str) -> str:
    return _of(TAGS, code)


def event(code: str) -> str:
    return _of(EVENTS, code)


def action(code: str) -> str:
    return _of(ACTIONS, code)


def button(payload: str) -> str:
    """What a button says, as readable.button does, in the operator's language."""
    for prefix, msgid, value in (
            (readable.LANG_PREFIX, N_("Language: %(value)s"),
             lambda v: language(v)),
            (readable.TOPIC_PREFIX, N_("topic: %(value)s"), lambda v: v),
            (readable.AREA_PREFIX, N_("menu section: %(value)s"), lambda v: v),
            (readable.COUNTRY_PREFIX, N_("Country: %(value)s"), lambda v: country(v))):
        if payload.startswith(prefix):
            return tr(msgid, value=value(payload.removeprefix(prefix)))
    fixed = {readable.MENU: N_("Main menu"), readable.LANG_PICKER: N_("Change language"),
             readable.HANDOFF_YES: N_("Talk to a person: yes"),
             readable.HANDOFF_NO: N_("Talk to a person: not now")}
    return tr(fixed[payload]) if payload in fixed else payload


def said(kind: str | None, text: str) -> readable.Readable:
    """A person's message or press in words (readable.describe, translated)."""
    found = readable.describe(kind, text)
    if kind == "button":
        return readable.Readable(f"[{tr('button')}] {button(found.raw)}", found.raw)
    if kind == "command":
        return readable.Readable(f"[{tr('command')}] /{text.strip().lstrip('/')}", found.raw)
    return found

"""Links that look dead or lead only to a home page, judged from the URL alone (no network).

A source should be the page that does the job (the MVD's entry-ban check, Rostrud's complaint
service, the tax service's company register), not the front page of a ministry: a worker who
opens a home page does not find the form. `link_warnings()` returns one plain sentence per
problem; the checker adds the file and line.
"""

from __future__ import annotations

import html
import ipaddress
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

# Placeholder and local addresses: a link to them never works for a worker.
_PLACEHOLDER_DOMAINS = ("example.com", "example.org", "example.net")
_PLACEHOLDER_TLDS = ("example", "test", "invalid", "localhost", "local")
# Sites that serve https: an http:// link to them is an old or mistyped link.
HTTPS_SITES = (
    "gov.ru",                              # every *.gov.ru: Rostrud, the tax service, ...
    "xn--b1aew.xn--p1ai",                  # мвд.рф and its service subdomains
    "xn--80akibcicpdbetz7e2g.xn--p1ai",    # онлайнинспекция.рф (Rostrud's complaints)
    "gosuslugi.ru", "nalog.ru", "consultant.ru",
    "gov.uz", "migration.uz", "gov.kz", "egov.kz", "enbek.kz", "migration.tj",
)
# Front pages that have a path: a section's landing page is still not the page with the answer.
KNOWN_HOME_PAGES = frozenset({
    "gov.uz/en/migration", "gov.uz/ru/migration", "gov.uz/uz/migration", "gov.uz/oz/migration",
})
# A path that is only a language, or only the index page, is a home page too.
_HOME_SEGMENTS = frozenset({"ru", "en", "uz", "oz", "tg", "tj", "kk", "kz", "ko", "kr",
                            "index.html", "index.htm", "index.php", "main", "home"})
_TRAILING = ".,;:!?)]}»\"'"
_HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]*>")
_BARE = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)


def _ascii_host(host: str) -> str:
    """`мвд.рф` and `xn--b1aew.xn--p1ai` compare equal."""
    host = host.lower().rstrip(".")
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _on(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def _dead_reason(host: str) -> str | None:
    if host == "localhost" or host.endswith(".localhost"):
        return "it points to the computer it was written on (localhost)"
    if _on(host, _PLACEHOLDER_DOMAINS) or host.rsplit(".", 1)[-1] in _PLACEHOLDER_TLDS:
        return f"{host} is a placeholder address, not a real page"
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    if ip.is_loopback or ip.is_private or ip.is_unspecified or ip.is_link_local:
        return f"{host} is a local network address"
    return None


def is_home_page(url: str) -> bool:
    """The link has no path beyond the site's front page (or is a known front page)."""
    try:
        parts = urlsplit(url.strip())
        host = _ascii_host(parts.hostname or "")
    except ValueError:
        return False
    path = parts.path.strip("/")
    if not host or parts.query:
        return False
    if not path or path.lower() in _HOME_SEGMENTS:
        return True
    bare_host = host.removeprefix("www.")
    return f"{bare_host}/{path.lower()}" in KNOWN_HOME_PAGES


def link_warnings(url: str) -> list[str]:
    """Plain sentences for a link that looks dead, old or only leads to a home page."""
    url = url.strip()
    shown = url if len(url) <= 120 else url[:117] + "..."
    if any(c.isspace() for c in url):
        return [f"link {shown!r} has a space in it: a link cannot contain spaces (remove it or write %20)"]
    try:
        parts = urlsplit(url)
        host = _ascii_host(parts.hostname or "")
    except ValueError:
        return [f"link {shown} does not look like a working address: copy it again from the browser"]
    out = []
    dead = _dead_reason(host)
    if dead:
        out.append(f"link {shown} looks dead: {dead}")
    if url and url[-1] in _TRAILING:
        out.append(f"link {shown} ends with {url[-1]!r}: probably punctuation, not part of the address; "
                   "remove it")
    if parts.scheme.lower() == "http" and _on(host, HTTPS_SITES):
        out.append(f"link {shown} uses http:// but {parts.hostname} serves https: write https://")
    if not dead and is_home_page(url):
        out.append(f"link {shown} is only a home page: link the page that does the job "
                   "(the check, the form, the register)")
    return out


def links_in_text(text: str) -> Iterator[tuple[int, str]]:
    """(offset, url) of every http(s) link in an answer's HTML: `<a href>` values and bare URLs.

    A bare URL in a sentence loses its closing punctuation ("... see https://x.ru/a."), which
    belongs to the sentence; an href keeps it, since there it is part of the link.
    """
    for tag in _TAG.finditer(text):
        for m in _HREF.finditer(tag.group(0)):
            value = m.group(1) if m.group(1) is not None else m.group(2)
            if value.strip().lower().startswith(("http://", "https://")):
                yield tag.start() + m.start(), html.unescape(value)
    blanked = _TAG.sub(lambda m: " " * len(m.group(0)), text)
    for m in _BARE.finditer(blanked):
        yield m.start(), m.group(0).rstrip(_TRAILING)

"""A person's file is served with a safe content type: never one a browser renders, and a
declared type with parameters no longer breaks the response."""

from __future__ import annotations

import pytest

from bot.telegram.files import safe_mime


@pytest.mark.parametrize("declared,served", [
    ("image/jpeg", "image/jpeg"),
    ("application/pdf", "application/pdf"),
    ("Audio/OGG; codecs=opus", "audio/ogg"),
    ("text/plain; charset=utf-8", "text/plain"),
    ("text/html; charset=utf-8", "application/octet-stream"),
    ("application/xhtml+xml", "application/octet-stream"),
    ("image/svg+xml", "application/octet-stream"),
    ("text/javascript", "application/octet-stream"),
    ("", "application/octet-stream"),
    (None, "application/octet-stream"),
    ("not a type", "application/octet-stream"),
    ("image/jpeg\r\nX-Injected: 1", "application/octet-stream"),
])
def test_safe_mime(declared: str | None, served: str) -> None:
    assert safe_mime(declared) == served

"""Files a person sent during a handoff, linked from the case page.

The queue stores what the person sent as text ("[photo] caption"); the transport that can
fetch the file itself (Telegram: bot.telegram.files) registers an `AttachmentSource` on the
console application (`app[ATTACHMENTS]`). Its attachments are matched to the person's media
messages in order, per media type: the n-th photo message carries the n-th photo file (a
message type that has no file, such as a location, never gets one).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from hotline_router.models import Message
from hotline_router.readable import describe


@dataclass(frozen=True)
class Attachment:
    media_type: str
    url: str  # opens (downloads) the file through the transport
    name: str = ""  # the file's own name, when it has one


class AttachmentSource(Protocol):
    def index_url(self, case_id: int) -> str:
        """The page listing every file of the case."""
        ...

    async def attachments(self, session: AsyncSession, case_id: int) -> list[Attachment]:
        """The case's files, oldest first."""
        ...


def pair(messages: Sequence[Message], attachments: Sequence[Attachment]) -> dict[int, Attachment]:
    """Message id -> its file, for the person's media messages."""
    queues: dict[str, deque[Attachment]] = defaultdict(deque)
    for attachment in attachments:
        queues[attachment.media_type].append(attachment)
    out: dict[int, Attachment] = {}
    for msg in messages:
        if msg.direction != "in" or msg.kind != "media":
            continue
        media = describe(msg.kind, msg.text).media_type or ""
        if queues[media]:
            out[msg.id] = queues[media].popleft()
    return out

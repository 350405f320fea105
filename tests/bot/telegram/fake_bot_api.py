"""A fake Telegram Bot API server for tests and benchmarks (aiohttp on 127.0.0.1).

aiogram's real HTTP client talks to it through
`Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.url)))`. It speaks
the Bot API's shapes: form-encoded requests, `{"ok": true, "result": ...}` answers and
Telegram-shaped errors (`error_code`, `description`, `parameters.retry_after`). Tests push
updates (long-polled by getUpdates, or POSTed to the webhook set with setWebhook, with the
`X-Telegram-Bot-Api-Secret-Token` header), read what the bot sent, and inject errors.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.bot.telegram.fake_bot_methods import BOT_ID, BotMethods

TOKEN = "123456789:AAHamrohTestTokenForTheFakeServer00"
# Values sent as plain strings (everything else the client JSON-encodes).
_TEXT_FIELDS = {"text", "caption", "name", "description", "secret_token", "url", "callback_query_id",
                "file_id", "language_code", "parse_mode", "short_description", "title",
                "icon_custom_emoji_id", "emoji", "business_connection_id", "inline_message_id"}
_SENDS = {"sendMessage", "copyMessage", "forwardMessage", "sendPhoto", "sendDocument", "sendVoice",
          "editMessageText", "editMessageReplyMarkup"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.perf_counter)
    status: int = 200  # what the server answered: an injected error's code means "not delivered"
    content_type: str = ""  # how the client sent it: application/json or multipart/form-data

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    def buttons(self) -> list[str]:
        """callback_data of every inline button, row by row."""
        markup = self.params.get("reply_markup") or {}
        return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class Injected:
    method: str
    code: int
    description: str
    retry_after: int | None = None
    times: int = 1
    chat_id: int | None = None
    migrate_to_chat_id: int | None = None
    skip: int = 0  # let this many matching calls through first


class FakeBotAPI(BotMethods):
    def __init__(self, token: str = TOKEN, *, forum_chats: set[int] | None = None) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.pushed_at: dict[int, float] = {}
        self.errors: list[Injected] = []
        self.blocked: set[int] = set()
        self.forum_chats: set[int] = set(forum_chats or ())
        self.topics: dict[int, dict[int, str]] = {}
        self.files: dict[str, bytes] = {}
        self.webhook: dict[str, Any] | None = None
        self.webhook_statuses: list[int] = []
        self.polls = 0  # getUpdates requests (not kept in `calls`: they would swamp it)
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(5000)
        self._threads = itertools.count(70)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False
        self.url = ""

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        self._client = aiohttp.ClientSession()
        return self.url

    async def stop(self) -> None:
        self._closing = True  # long polls still waiting return at once
        await self._notify()
        for task in list(self._tasks):
            task.cancel()
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- what tests do -------------------------------------------------------------------------

    def fail(self, method: str, code: int, description: str, *, retry_after: int | None = None,
             times: int = 1, chat_id: int | None = None, migrate_to_chat_id: int | None = None,
             skip: int = 0) -> None:
        self.errors.append(Injected(method, code, description, retry_after, times, chat_id, migrate_to_chat_id,
                                    skip))

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates, or deliver it to the webhook when one is set."""
        update = {"update_id": next(self._update_ids), **update}
        self.pushed_at[update["update_id"]] = time.perf_counter()
        if self.webhook is not None:
            task = asyncio.create_task(self._deliver(update))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            self.updates.append(update)
            task = asyncio.create_task(self._notify())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return update

    async def post_webhook(self, update: dict[str, Any], *, secret: str | None = None,
                           url: str | None = None) -> int:
        """POST one update to the webhook as Telegram would; returns the HTTP status."""
        assert self._client is not None
        target = url or (self.webhook or {}).get("url")
        assert target, "no webhook set"
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        async with self._client.post(target, json=update, headers=headers) as resp:
            await resp.read()
            return resp.status

    def calls_of(self, method: str, chat_id: int | None = None) -> list[Call]:
        return [c for c in self.calls if c.method == method and (chat_id is None or c.chat_id == chat_id)]

    def texts_to(self, chat_id: int) -> list[str]:
        return [c.text for c in self.calls if c.method == "sendMessage" and c.chat_id == chat_id]

    def delivered_to(self, chat_id: int) -> list[str]:
        """Only the messages the server accepted (not those answered 429 and the like)."""
        return [c.text for c in self.calls if c.method == "sendMessage" and c.chat_id == chat_id
                and c.status == 200]

    async def wait_for(self, method: str, *, count: int = 1, chat_id: int | None = None,
                       where: Callable[[Call], bool] = lambda c: True, within: float = 10.0) -> list[Call]:
        deadline = time.monotonic() + within
        while True:
            found = [c for c in self.calls_of(method, chat_id) if where(c)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} x{count} not seen in {within}s; calls: "
                                     f"{[(c.method, c.chat_id, c.text[:40]) for c in self.calls]}")
            await asyncio.sleep(0.01)

    # -- update builders -------------------------------------------------------------------

    @staticmethod
    def user(user_id: int, lang: str | None = "ru", first_name: str = "Test") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": first_name,
                **({"language_code": lang} if lang else {})}

    def message(self, user_id: int, text: str | None = None, *, lang: str | None = "ru",
                chat: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
        msg: dict[str, Any] = {"message_id": next(self._message_ids), "date": int(time.time()),
                               "chat": chat or {"id": user_id, "type": "private", "first_name": "Test"},
                               "from": self.user(user_id, lang), **extra}
        if text is not None:
            msg["text"] = text
            if text.startswith("/"):
                msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return msg

    def topic_message(self, chat_id: int, thread_id: int, user_id: int, text: str) -> dict[str, Any]:
        """A member writes in a forum topic of a supergroup."""
        chat = {"id": chat_id, "type": "supergroup", "title": "Operators", "is_forum": True}
        return self.push({"message": self.message(user_id, text, chat=chat, message_thread_id=thread_id,
                                                  is_topic_message=True)})

    def send_text(self, user_id: int, text: str, **kw: Any) -> dict[str, Any]:
        return self.push({"message": self.message(user_id, text, **kw)})

    def press(self, user_id: int, data: str, *, message_id: int = 1, lang: str | None = "ru",
              chat: dict[str, Any] | None = None) -> dict[str, Any]:
        chat = chat or {"id": user_id, "type": "private", "first_name": "Test"}
        message = {"message_id": message_id, "date": int(time.time()), "chat": chat,
                   "from": {"id": BOT_ID, "is_bot": True, "first_name": "Hamroh"}, "text": "…"}
        return self.push({"callback_query": {"id": str(next(self._update_ids)), "chat_instance": "ci",
                                             "from": self.user(user_id, lang), "message": message,
                                             "data": data}})

    # -- the server --------------------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _deliver(self, update: dict[str, Any]) -> None:
        assert self.webhook is not None
        status = await self.post_webhook(update, secret=self.webhook.get("secret_token"))
        self.webhook_statuses.append(status)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            if isinstance(value, bytes | bytearray):
                params[key] = bytes(value)
            elif not isinstance(value, str):
                params[key] = value.file.read()  # an uploaded file
            elif key in _TEXT_FIELDS:
                params[key] = value
            else:
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    params[key] = value
        return params

    def _injected(self, method: str, params: dict[str, Any]) -> web.Response | None:
        for err in self.errors:
            if err.method == method and err.times > 0 and err.chat_id in (None, params.get("chat_id")):
                if err.skip > 0:
                    err.skip -= 1
                    continue
                err.times -= 1
                return self._error(err.code, err.description, err.retry_after, err.migrate_to_chat_id)
        return None

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params, content_type=request.content_type)
        if method != "getUpdates":
            self.calls.append(call)
        else:
            self.polls += 1
        if (injected := self._injected(method, params)) is not None:
            call.status = injected.status
            return injected
        if method in _SENDS and params.get("chat_id") in self.blocked:
            call.status = 403
            return self._error(403, "Forbidden: bot was blocked by the user")
        handler = getattr(self, "_m_" + method, None)
        if handler is None:
            return self._error(404, "Not Found: method not found")
        result = handler(params)
        if asyncio.iscoroutine(result):
            result = await result
        return result if isinstance(result, web.Response) else self._ok(result)

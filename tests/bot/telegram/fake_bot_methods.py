"""The Bot API methods of the fake server (`FakeBotAPI` in fake_bot_api.py): each `_m_<method>`
answers like Telegram does, including its error shapes."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from typing import Any

from aiohttp import web

BOT_ID = 123456789


class BotMethods:
    token: str
    updates: list[dict[str, Any]]
    forum_chats: set[int]
    topics: dict[int, dict[int, str]]
    files: dict[str, bytes]
    webhook: dict[str, Any] | None
    commands: dict[tuple[str, str], list[dict[str, Any]]]
    _message_ids: itertools.count[int]
    _threads: itertools.count[int]
    _changed: asyncio.Condition
    _closing: bool

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(code: int, description: str, retry_after: int | None = None,
               migrate_to_chat_id: int | None = None) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        if migrate_to_chat_id is not None:
            body["parameters"] = {"migrate_to_chat_id": migrate_to_chat_id}
        return web.json_response(body, status=code)


    def _bot_user(self) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Hamroh", "username": "hamroh_test_bot",
                "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    def _chat(self, chat_id: Any) -> dict[str, Any]:
        if isinstance(chat_id, int) and chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "Test"}
        return {"id": chat_id, "type": "supergroup", "title": "Operators",
                "is_forum": chat_id in self.forum_chats}

    def _message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any] | web.Response:
        chat_id = params.get("chat_id")
        thread = params.get("message_thread_id")
        msg: dict[str, Any] = {"message_id": next(self._message_ids), "date": int(time.time()),
                               "chat": self._chat(chat_id), "from": self._bot_user(), **extra}
        if thread is not None:
            if thread not in self.topics.get(chat_id, {}):  # type: ignore[arg-type]
                return self._error(400, "Bad Request: message thread not found")
            msg.update(message_thread_id=thread, is_topic_message=True)
        if "reply_markup" in params:
            msg["reply_markup"] = params["reply_markup"]
        return msg

    def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._bot_user()

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.webhook is not None:
            return self._error(409, "Conflict: can't use getUpdates method while webhook is active; "
                                    "use deleteWebhook to delete the webhook first")
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]  # confirmed ones go
        if not self.updates and timeout > 0:
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait_for(lambda: bool(self.updates) or self._closing),
                                           timeout)
        return self.updates[:limit]

    def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        return self._message(params, text=params.get("text", ""))

    def _m_sendDocument(self, params: dict[str, Any]) -> Any:
        """An upload (multipart: the file's bytes), or a file_id sent again."""
        document = params.get("document")
        if not document:
            return self._error(400, "Bad Request: there is no document in the request")
        return self._message(params, caption=params.get("caption"),
                             document={"file_id": "uploaded-document", "file_unique_id": "u",
                                       "file_size": len(document) if isinstance(document, bytes) else None})

    def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        return {"message_id": params.get("message_id"), "date": int(time.time()),
                "chat": self._chat(params.get("chat_id")), "text": params.get("text", ""),
                "edit_date": int(time.time())}

    def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        return {"message_id": params.get("message_id"), "date": int(time.time()),
                "chat": self._chat(params.get("chat_id")), "text": "…", "edit_date": int(time.time())}

    def _m_copyMessage(self, params: dict[str, Any]) -> Any:
        msg = self._message(params)
        return msg if isinstance(msg, web.Response) else {"message_id": msg["message_id"]}

    def _m_forwardMessage(self, params: dict[str, Any]) -> Any:
        return self._message(params, text="(forwarded)")

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        return True

    def _m_createForumTopic(self, params: dict[str, Any]) -> Any:
        chat_id = int(params.get("chat_id") or 0)
        if chat_id not in self.forum_chats:
            return self._error(400, "Bad Request: the chat is not a forum")
        thread = next(self._threads)
        self.topics.setdefault(chat_id, {})[thread] = str(params.get("name", ""))
        return {"message_thread_id": thread, "name": params.get("name", ""), "icon_color": 7322096}

    def _topic_or_error(self, params: dict[str, Any]) -> tuple[int, int] | web.Response:
        chat_id, thread = int(params.get("chat_id") or 0), int(params.get("message_thread_id") or 0)
        if thread not in self.topics.get(chat_id, {}):
            return self._error(400, "Bad Request: message thread not found")
        return chat_id, thread

    def _m_editForumTopic(self, params: dict[str, Any]) -> Any:
        found = self._topic_or_error(params)
        if isinstance(found, web.Response):
            return found
        chat_id, thread = found
        if "name" in params:
            self.topics[chat_id][thread] = str(params["name"])
        return True

    def _m_closeForumTopic(self, params: dict[str, Any]) -> Any:
        found = self._topic_or_error(params)
        return found if isinstance(found, web.Response) else True

    def _m_reopenForumTopic(self, params: dict[str, Any]) -> Any:
        found = self._topic_or_error(params)
        return found if isinstance(found, web.Response) else True

    def _m_deleteForumTopic(self, params: dict[str, Any]) -> bool:
        self.topics.get(int(params.get("chat_id") or 0), {}).pop(int(params.get("message_thread_id") or 0), None)
        return True

    def _m_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {"url": params["url"], "secret_token": params.get("secret_token")}
        return True

    def _m_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        return True

    def _m_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False,
                "pending_update_count": len(self.updates)}

    def _m_setMyCommands(self, params: dict[str, Any]) -> bool:
        scope = (params.get("scope") or {}).get("type", "default")
        self.commands[(scope, params.get("language_code", ""))] = params.get("commands", [])
        return True

    def _m_leaveChat(self, params: dict[str, Any]) -> bool:
        return True

    def _m_getFile(self, params: dict[str, Any]) -> Any:
        file_id = params.get("file_id", "")
        if file_id not in self.files:
            return self._error(400, "Bad Request: invalid file_id")
        return {"file_id": file_id, "file_unique_id": "u" + file_id, "file_size": len(self.files[file_id]),
                "file_path": f"files/{file_id}"}

    async def _file(self, request: web.Request) -> web.StreamResponse:
        file_id = request.match_info["path"].removeprefix("files/")
        if request.match_info["token"] != self.token or file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id])

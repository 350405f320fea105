"""Hamroh: the dialogue engine, content, storage and transports (terminal chat, Telegram)."""

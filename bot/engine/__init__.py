"""The transport-free dialogue engine: Telegram, the terminal chat and the batch interface
are thin adapters over it. Nothing here imports aiogram."""

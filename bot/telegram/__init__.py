"""Hamroh on Telegram (aiogram 3): a thin transport over the dialogue engine.

`get_routers(settings)` wires the journeys; `bot.telegram.factory` builds the bot and the
dispatcher; `bot.telegram.serve` runs them in polling or webhook mode. Only this package
imports aiogram.
"""

"""Awareness campaigns: editors' messages sent to the people who opted in to news.

No aiogram here: the Telegram side gives a `Transport` (bot.telegram.campaign_transport).
"""

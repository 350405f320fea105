"""Reminders of a person's own deadlines: patent paid until, registration ending, 90 days of stay
(no aiogram here; the Telegram journey is bot.telegram.reminders)."""

"""The inbox of misunderstood messages: capture (redacted), labels by editors, figures.

Domain code only (no aiogram): the engine reports through `bot.inbox.capture.CapturePort`,
the console reads and labels through `bot.inbox.desk.InboxDesk`, and `hamroh nlu inbox ...`
turns labels into training data (`bot.inbox.cli`, `nlu.inbox`).
"""

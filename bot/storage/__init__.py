"""Storage of people, their language and conversation history (SQLAlchemy 2 async)."""

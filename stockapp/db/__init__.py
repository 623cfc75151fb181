"""Persistence: SQLModel tables, engine and session helpers."""

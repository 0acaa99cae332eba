"""Talking to the Telegram Bot API: the sender interface, its errors, and pacing rules."""

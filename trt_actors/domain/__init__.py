"""The bot's behaviour as pure functions: (state, update) -> (new state, effects). No I/O here."""

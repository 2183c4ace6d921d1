"""A strict Telegram Bot API emulator that the tests drive the real application against."""

"""mesobot: the patient side of a mesotherapy clinic, in Telegram."""

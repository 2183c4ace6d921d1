"""The durable outbox: every message the bot must send, on time, never lost, never doubled.

Other packages use it through `mesobot.outbox.api`.
"""

"""Calendar files delivered to patients and staff: what was published, and the observer that
sends an updated file when a confirmed course changes (see `mesobot.calendar_delivery.delivery`).

This package's `__init__` stays empty so that `mesobot.models` can import its table.
"""

"""mesobot: the patient side of a mesotherapy clinic, in Telegram."""

import os

# Opt in to PTB 23's behaviour now: durations such as RetryAfter.retry_after are timedeltas,
# and PTB stops warning about the change on every 429.
os.environ.setdefault("PTB_TIMEDELTA", "true")

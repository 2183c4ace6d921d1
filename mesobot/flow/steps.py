"""The booking flow's steps, the pre-treatment questionnaire, and gentle checks of typed input.

Nothing here knows Telegram: `mesobot.flow.screens` turns these into screens.
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from dataclasses import dataclass

from mesobot.scheduling.series import PlannedSeries

CONSENT_VERSION = "2026-12"  # bump when the consent text changes: patients agree again

CONSENT = "consent"
ADULT = "adult"
BROWSE = "browse"  # consent declined: treatments can be read, not booked
TREATMENT = "treatment"
AREA = "area"
COUNT = "count"
QUESTION_PREFIX = "q:"
NOTE = "note"
NAME = "name"
PHONE = "phone"
DATE = "date"
TIME = "time"
PREVIEW = "preview"

NOTE_MAX = 300
NAME_MAX = 100


@dataclass(frozen=True)
class Question:
    """One question of the questionnaire; `safe` answers raise no flag for staff."""

    key: str
    options: tuple[str, ...]
    safe: frozenset[str]


QUESTIONS: tuple[Question, ...] = (
    Question("allergies", ("none", "anaesthetic", "other", "unsure"), frozenset({"none"})),
    Question("pregnancy", ("no", "pregnant", "breastfeeding"), frozenset({"no"})),
    Question("blood_thinners", ("no", "yes", "unsure"), frozenset({"no"})),
    Question("skin_infection", ("no", "yes"), frozenset({"no"})),
    Question("injection_reactions", ("no", "yes", "never_had"), frozenset({"no", "never_had"})),
)
QUESTIONS_BY_KEY = {question.key: question for question in QUESTIONS}


def question_step(key: str) -> str:
    """The step name of a question."""
    return QUESTION_PREFIX + key


def step_question(step: str) -> Question | None:
    """The question a step asks, if it is a question step."""
    if not step.startswith(QUESTION_PREFIX):
        return None
    return QUESTIONS_BY_KEY.get(step.removeprefix(QUESTION_PREFIX))


def next_question(key: str | None) -> Question | None:
    """The question after `key` (the first for None); None after the last."""
    keys = [question.key for question in QUESTIONS]
    index = 0 if key is None else keys.index(key) + 1
    return QUESTIONS[index] if index < len(QUESTIONS) else None


def flags(questionnaire: dict[str, str], note: str) -> list[str]:
    """The answers staff should look at: every answer that is not a safe one, and any note.

    A flag asks a person to look; it never diagnoses and never blocks a request.
    """
    found = [
        question.key
        for question in QUESTIONS
        if questionnaire.get(question.key) not in question.safe
    ]
    return [*found, "note"] if note else found


def plan_digest(series: PlannedSeries) -> str:
    """A short fingerprint of a plan's dates and times, carried by its Confirm button.

    If the plan computed at confirmation differs, the patient sees the new one first.
    """
    text = "|".join(f"{s.local_date.isoformat()}T{s.local_time:%H%M}" for s in series.sessions)
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()[:6]).decode()


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Characters that change how the text around them shows, or show nothing themselves: format
# characters (Cf: bidi overrides and isolates such as U+202E and U+2066, zero-width space and
# joiners, the soft hyphen, tags) and lone surrogates (Cs, which no message can carry).
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cs"})


def clean_line(text: str) -> str:
    """One line of typed text: normalised, control characters gone, spaces collapsed."""
    text = unicodedata.normalize("NFC", text)
    return " ".join(_CONTROL.sub(" ", text).split())


def visible_name(text: str) -> str:
    """A name as it may show to staff: one line, without control and format characters.

    A patient's name sits inside lines staff read ("Request #12 from ..."): a right-to-left
    override in it would turn the rest of the line around, a zero-width character would make two
    names that look alike differ. Stripping them costs a legitimate name little (a zero-width
    non-joiner in a Persian name only changes how two letters join).
    """
    kept = "".join(c for c in text if unicodedata.category(c) not in _INVISIBLE_CATEGORIES)
    return clean_line(kept)


def clean_name(text: str) -> str | None:
    """The name as the clinic should use it, or None when it cannot be one."""
    name = visible_name(text)
    if not name or len(name) > NAME_MAX or name.startswith("/"):
        return None
    if not any(character.isalpha() for character in name):
        return None
    return name


_PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ().\-]+$")


def clean_phone(text: str) -> str | None:
    """A phone number as typed or shared, kept as + and digits, or None if it is not one."""
    text = text.strip()
    if len(text) > 32 or not _PHONE_CHARACTERS.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    if not 7 <= len(digits) <= 15:
        return None
    return ("+" if text.startswith("+") else "") + digits

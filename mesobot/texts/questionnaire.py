"""The questionnaire as staff read it: each question by a short label, each answer in words,
and ⚠️ only beside the answers that need a look (the booking flow's flags)."""

from __future__ import annotations

from gettext import NullTranslations
from typing import Any

from mesobot.i18n import N_
from mesobot.texts import escape
from mesobot.texts.booking import ANSWER_LABELS

QUESTION_LABELS = {
    "allergies": N_("Allergies"),
    "pregnancy": N_("Pregnancy"),
    "blood_thinners": N_("Blood thinners"),
    "skin_infection": N_("Skin infection in the area"),
    "injection_reactions": N_("Reactions to injections"),
    "note": N_("Note"),
}
# What the course keeps beside the answers, shown elsewhere (name, phone) or not at all.
_NOT_ANSWERS = frozenset({"flags", "name", "phone", "consent_version"})


# The six-week review's decision, kept in a course's answers (mesobot/staff/reviews.py).
REVIEW_KEY = "review"
REVIEW_LABEL = N_("Six-week review")
REVIEW_DECISIONS = {
    "added": N_("second session added"),
    "not_needed": N_("no second session needed"),
    "booked": N_("second session requested"),
}


def _value(t: NullTranslations, value: Any) -> str:
    if value is True:
        return t.gettext("yes")
    if value is False:
        return t.gettext("no")
    if isinstance(value, list | tuple):
        return ", ".join(_value(t, v) for v in value)
    if isinstance(value, str) and value in ANSWER_LABELS:
        return escape(t.gettext(ANSWER_LABELS[value]))
    return escape(value)


def _label(t: NullTranslations, key: str) -> str:
    found = REVIEW_LABEL if key == REVIEW_KEY else QUESTION_LABELS.get(key)
    return escape(t.gettext(found) if found else key.replace("_", " ").capitalize())


def answer_lines(t: NullTranslations, answers: dict[str, Any]) -> list[str]:
    """The questionnaire, one answer a line; the flagged ones marked with ⚠️ and in bold.

    An empty note is left out; the name and phone are in the heading, not repeated here.
    """
    flagged = set(answers.get("flags") or ())
    flat: dict[str, Any] = {}
    for key, value in answers.items():
        if key in _NOT_ANSWERS:
            continue
        if isinstance(value, dict) and key in ("questionnaire", "answers"):
            flat.update(value)
        elif value not in ("", None):
            flat[key] = value
    if not flat:
        return [t.gettext("(no answers)")]
    lines = []
    for key, value in flat.items():
        decision = REVIEW_DECISIONS.get(value) if key == REVIEW_KEY else None
        shown = escape(t.gettext(decision)) if decision else _value(t, value)
        text = f"{_label(t, key)}: {shown}"
        lines.append(f"⚠️ <b>{text}</b>" if key in flagged else text)
    return lines


def allergy_flagged(answers: dict[str, Any]) -> bool:
    """Whether the patient's allergy answer needs a look (for the agenda's ⚠️)."""
    return "allergies" in set(answers.get("flags") or ())

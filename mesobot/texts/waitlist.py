"""Texts of the waitlist, for patients and staff; values come escaped by the caller."""

from __future__ import annotations

from datetime import date, time
from gettext import NullTranslations

from mesobot.i18n import N_
from mesobot.texts.booking import series_lines
from mesobot.texts.dates import day_label

# When the patient can come (keys are mesobot.waitlist.models.PartOfDay values).
PART_LABELS = {
    "any": N_("Any time"),
    "morning": N_("Mornings"),
    "afternoon": N_("Afternoons"),
}


def join_label(t: NullTranslations) -> str:
    """Under the calendar: none of these dates suits (at most 32 characters)."""
    return t.gettext("Join the waitlist")


def move_earlier_label(t: NullTranslations) -> str:
    """Under a booked treatment in /appointments (at most 32 characters)."""
    return t.gettext("Move me earlier")


def start_question(t: NullTranslations, *, treatment: str) -> str:
    """The first step of joining: from which day."""
    return t.gettext(
        "<b>Waitlist for {treatment}</b>\n"
        "When a place frees up from which your whole treatment fits, I will offer it to you. "
        "From which day could you start?"
    ).format(treatment=treatment)


def length_question(t: NullTranslations, *, start: str) -> str:
    """The second step: for how long from that day."""
    return t.gettext("From {start}: for how long could you start?").format(start=start)


def weeks_label(t: NullTranslations, weeks: int) -> str:
    """A length button (at most 32 characters)."""
    return t.ngettext("{count} week", "{count} weeks", weeks).format(count=weeks)


def when_question(t: NullTranslations, *, first: str, last: str) -> str:
    """The third step: which times suit."""
    return t.gettext("From {first} to {last}. Which times suit you?").format(
        first=first, last=last
    )


def when_label(t: NullTranslations, part: str, weekdays_only: bool) -> str:
    """A times button: the part of the day, maybe on weekdays only (at most 32 characters)."""
    label = t.gettext(PART_LABELS[part])
    if weekdays_only:
        return t.gettext("{when}, Mon-Fri").format(when=label)
    return label


def range_line(
    t: NullTranslations,
    *,
    treatment: str,
    first: date,
    last: date,
    part: str,
    weekdays_only: bool,
    language: str,
) -> str:
    """One entry: the treatment, its days and its times."""
    return t.gettext("{treatment}: from {first} to {last} ({when})").format(
        treatment=treatment,
        first=day_label(first, language),
        last=day_label(last, language),
        when=when_label(t, part, weekdays_only),
    )


def joined(t: NullTranslations, *, line: str, minutes: int) -> str:
    """The confirmation of joining."""
    return t.ngettext(
        "You are on the waitlist.\n{line}\nWhen a place frees up I will offer it to you here; "
        "the offer holds for {minutes} minute. Leave the list any time in /appointments.",
        "You are on the waitlist.\n{line}\nWhen a place frees up I will offer it to you here; "
        "the offer holds for {minutes} minutes. Leave the list any time in /appointments.",
        minutes,
    ).format(line=line, minutes=minutes)


def too_many(t: NullTranslations, limit: int) -> str:
    """Joining refused: the patient already holds the clinic's maximum."""
    return t.ngettext(
        "You can be on the waitlist {count} time at most. Leave an entry in /appointments first.",
        "You can be on the waitlist {count} times at most. Leave an entry in /appointments first.",
        limit,
    ).format(count=limit)


def nothing_earlier(t: NullTranslations) -> str:
    """Move me earlier, when no day lies between tomorrow and the first session."""
    return t.gettext("Your first session is already the earliest I can offer.")


def entry_screen(t: NullTranslations, *, line: str) -> str:
    """An entry in /appointments."""
    return t.gettext("<b>Waitlist</b>\n{line}").format(line=line)


def leave_label(t: NullTranslations) -> str:
    """Under an entry (at most 32 characters)."""
    return t.gettext("Leave the waitlist")


def left(t: NullTranslations) -> str:
    """After leaving."""
    return t.gettext("You have left the waitlist.")


def entry_gone(t: NullTranslations) -> str:
    """A button about an entry that has ended."""
    return t.gettext("This waitlist entry has ended.")


def offer(
    t: NullTranslations,
    *,
    treatment: str,
    slots: list[tuple[date, time]],
    city: str,
    minutes: int,
    language: str,
) -> str:
    """To a waiting patient: a place freed up, this whole course fits."""
    _ = t.gettext
    lines = [_("<b>A place freed up for {treatment}</b>").format(treatment=treatment)]
    lines += series_lines(t, slots, language)
    lines += [
        _("Times are {city} time.").format(city=city),
        "",
        t.ngettext(
            "Accept within {minutes} minute to request these sessions; the clinic will then "
            "confirm them. Whoever books first gets the place.",
            "Accept within {minutes} minutes to request these sessions; the clinic will then "
            "confirm them. Whoever books first gets the place.",
            minutes,
        ).format(minutes=minutes),
    ]
    return "\n".join(lines)


def offer_labels(t: NullTranslations) -> tuple[str, str]:
    """The offer's two buttons (at most 32 characters)."""
    return t.gettext("Accept"), t.gettext("No, thanks")


def taken(t: NullTranslations) -> str:
    """The offer lost the race."""
    return t.gettext("Sorry, that place was just taken: you stay on the waitlist.")


def offer_gone(t: NullTranslations) -> str:
    """An expired, answered or withdrawn offer's button."""
    return t.gettext("This offer has ended. You stay on the waitlist unless you left it.")


def declined(t: NullTranslations) -> str:
    """After No, thanks."""
    return t.gettext("Fine: you stay on the waitlist for other places.")


def staff_list(t: NullTranslations, count: int) -> str:
    """/waitlist's heading."""
    if count == 0:
        return t.gettext("Nobody is on the waitlist.")
    return t.ngettext(
        "<b>Waitlist</b>: {count} patient waiting, in order of joining.",
        "<b>Waitlist</b>: {count} patients waiting, in order of joining.",
        count,
    ).format(count=count)


def staff_more(t: NullTranslations, shown: int) -> str:
    """Under /waitlist's heading, when not every entry fits in one message."""
    return t.ngettext(
        "The first {count} is shown here.", "The first {count} are shown here.", shown
    ).format(count=shown)


def staff_entry(t: NullTranslations, *, number: int, patient: str, line: str, joined: str) -> str:
    """One entry in staff's /waitlist."""
    return t.gettext("#{number} {patient}\n{line}\nJoined {joined}.").format(
        number=number, patient=patient, line=line, joined=joined
    )


def remove_label(t: NullTranslations, number: int) -> str:
    """Staff's button under an entry (at most 32 characters)."""
    return t.gettext("Remove #{number}").format(number=number)


def removed(t: NullTranslations, number: int) -> str:
    """After staff removed an entry."""
    return t.gettext("Entry #{number} removed from the waitlist.").format(number=number)

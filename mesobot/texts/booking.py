"""Texts of the patient's booking flow (/appointments has texts.appointments); values escaped."""

from __future__ import annotations

from datetime import date, time
from gettext import NullTranslations

from mesobot.i18n import N_
from mesobot.texts import escape, no_staff_note
from mesobot.texts.dates import clock_label, day_label, zone_city

QUESTION_TEXTS = {
    "allergies": N_(
        "Do you have any known allergies, especially to local anaesthetics such as lidocaine "
        "or procaine?"
    ),
    "pregnancy": N_("Are you pregnant or breastfeeding?"),
    "blood_thinners": N_(
        "Do you take blood-thinning medication (aspirin, warfarin and the like)?"
    ),
    "skin_infection": N_("Do you have an active skin infection or inflammation in the area?"),
    "injection_reactions": N_("Have you reacted badly to injections before?"),
}
ANSWER_LABELS = {
    "none": N_("No known allergies"),
    "anaesthetic": N_("Yes: lidocaine or procaine"),
    "other": N_("Yes: something else"),
    "unsure": N_("Not sure"),
    "no": N_("No"),
    "yes": N_("Yes"),
    "pregnant": N_("Pregnant"),
    "breastfeeding": N_("Breastfeeding"),
    "never_had": N_("Never had injections"),
}
AREA_LABELS = {
    "stomach": N_("Stomach"),
    "love_handles": N_("Love handles"),
    "thighs": N_("Thighs"),
    "buttocks": N_("Buttocks"),
    "abdomen": N_("Abdomen"),
    "neck": N_("Neck"),
    "arms": N_("Arms"),
    "legs": N_("Legs"),
    "chin": N_("Chin"),
}


def adult_question(t: NullTranslations) -> str:
    """Asked once: treatments are for adults only."""
    return t.gettext("Thank you. One more thing: are you 18 years old or older?")


def under_age(t: NullTranslations) -> str:
    """Told to a patient who says they are under 18."""
    return t.gettext(
        "Sorry: the clinic treats adults only, so I cannot book for you. You can still read "
        "about the treatments."
    )


def treatment_list(t: NullTranslations, *, can_book: bool) -> str:
    """Above the list of treatments."""
    _ = t.gettext
    if can_book:
        return _("<b>Our treatments</b>\nChoose one to read about it and book it.")
    return _(
        "<b>Our treatments</b>\nChoose one to read about it. To book, give your consent first."
    )


def area_question(t: NullTranslations) -> str:
    """Fat reduction treats one area per course."""
    return t.gettext("Which area would you like treated? A treatment is for one area.")


def count_question(t: NullTranslations) -> str:
    """A treatment with a range of sessions asks how many."""
    return t.gettext(
        "How many sessions would you like to book? The practitioner may adjust this at your "
        "consultation."
    )


def count_label(t: NullTranslations, count: int, price: str) -> str:
    """A session-count button: '3 sessions (from $750.00)'."""
    return t.ngettext("{n} session (from {price})", "{n} sessions (from {price})", count).format(
        n=count, price=price
    )


def question(t: NullTranslations, key: str, number: int, total: int) -> str:
    """One question of the questionnaire, with where the patient is in it."""
    _ = t.gettext
    intro = _("<b>Health question {number} of {total}</b>").format(number=number, total=total)
    reassurance = _("Your answer goes to the practitioner; it does not stop your booking.")
    return f"{intro}\n{_(QUESTION_TEXTS[key])}\n\n<i>{reassurance}</i>"


def note_question(t: NullTranslations) -> str:
    """The one free-text line of the questionnaire."""
    return t.gettext(
        "Anything else the practitioner should know? Type it in one message (up to 300 "
        "characters), or tap <b>Nothing to add</b>."
    )


def note_too_long(t: NullTranslations) -> str:
    """A note over the limit."""
    return t.gettext("That is a little long: please keep it under 300 characters.")


def name_question(t: NullTranslations) -> str:
    """Asks for the name the clinic should use."""
    return t.gettext("What name should the clinic use for you? Type it, or tap the button.")


def name_invalid(t: NullTranslations) -> str:
    """A name that cannot be one."""
    return t.gettext("Please type the name the clinic should use (up to 100 characters).")


def use_name_label(t: NullTranslations, first_name: str) -> str:
    """The button that takes the Telegram first name (a label, not HTML)."""
    return t.gettext("Use “{name}”").format(name=first_name[:40])


def phone_question(t: NullTranslations) -> str:
    """Asks for a phone number."""
    return t.gettext(
        "Which phone number can the clinic call you on, for example about a reaction? Tap "
        "<b>Share my phone number</b> below, or type it."
    )


def phone_invalid(t: NullTranslations) -> str:
    """A phone number that does not look like one."""
    return t.gettext(
        "That does not look like a phone number. Please type it with the country code, like "
        "+34 600 123 456, or use the button below."
    )


def share_phone_label(t: NullTranslations) -> str:
    """The contact-request keyboard button."""
    return t.gettext("Share my phone number")


def phone_saved(t: NullTranslations) -> str:
    """After the phone number, before the calendar."""
    return t.gettext("Thank you, saved.")


def calendar_heading(t: NullTranslations, *, month: str, any_free: bool) -> str:
    """Above the month calendar."""
    _ = t.gettext
    heading = _("<b>Choose the date of your first session</b> ({month})").format(month=month)
    if any_free:
        return heading + "\n" + _("Only dates from which your whole treatment fits are shown.")
    return heading + "\n" + _("No free dates this month: try the next one.")


def times_heading(t: NullTranslations, *, day: str) -> str:
    """Above the free times of a date."""
    return t.gettext("<b>{day}</b>: choose a time.").format(day=day)


def series_lines(t: NullTranslations, slots: list[tuple[date, time]], language: str) -> list[str]:
    """Each session's date, weekday and time, and the gap to the one before."""
    _ = t.gettext
    lines = []
    for number, (day, wall) in enumerate(slots, start=1):
        line = f"{number}. {escape(day_label(day, language))}, {clock_label(wall)}"
        if number > 1:
            gap = (day - slots[number - 2][0]).days
            line += " " + t.ngettext(
                "({days} day after the previous one)", "({days} days after the previous one)", gap
            ).format(days=gap)
        lines.append(line)
    return lines


def preview(
    t: NullTranslations,
    *,
    treatment: str,
    area: str | None,
    slots: list[tuple[date, time]],
    zone: str,
    name: str,
    phone: str,
    language: str,
    no_staff_phone: str | None = None,
) -> str:
    """The whole series before the patient confirms it; `no_staff_phone` (no staff
    configured): nobody in the bot can confirm it, which the patient reads before sending."""
    _ = t.gettext
    title = escape(treatment) + (f" ({escape(_(AREA_LABELS[area]))})" if area else "")
    lines = [_("<b>Your treatment: {title}</b>").format(title=title)]
    lines += series_lines(t, slots, language)
    lines += [
        _("Times are {city} time.").format(city=escape(zone_city(zone, language))),
        _("Name: {name}. Phone: {phone}.").format(name=escape(name), phone=escape(phone)),
        "",
        _("This is a <b>request</b>: the clinic will confirm it.")
        if no_staff_phone is None
        else _("This is a <b>request</b>.") + " " + no_staff_note(t, no_staff_phone),
    ]
    return "\n".join(lines)


def requested(t: NullTranslations, *, no_staff_phone: str | None = None) -> str:
    """After Confirm: plainly a request (that nobody in the bot will confirm, without staff)."""
    if no_staff_phone is not None:
        return " ".join(
            [
                t.gettext("Your request is stored, but it is not confirmed."),
                no_staff_note(t, no_staff_phone),
            ]
        )
    return t.gettext(
        "Your request is sent. It is not confirmed yet: the clinic will confirm it and I will "
        "tell you. See it any time with /appointments."
    )


def plan_changed(t: NullTranslations) -> str:
    """The plan changed between preview and confirmation."""
    return t.gettext(
        "Another patient has just booked part of that plan, so it changed. Here is the plan "
        "now: please check it."
    )


def date_taken(t: NullTranslations) -> str:
    """A date or time that is no longer free."""
    return t.gettext(
        "Sorry, that date is no longer free for your whole treatment. Please choose again."
    )


def stale_button(t: NullTranslations) -> str:
    """An old button: the conversation has moved on."""
    return t.gettext("That button is from an earlier step. Here is where you are now.")


def expired_button(t: NullTranslations) -> str:
    """A button of a conversation that ended or expired."""
    return t.gettext("That conversation has ended. Let us start again.")


def use_buttons(t: NullTranslations) -> str:
    """Text where a button is expected."""
    return t.gettext("Please use the buttons below.")


def no_flow(t: NullTranslations) -> str:
    """Text outside any flow."""
    return t.gettext(
        "I did not understand that. Use /start to book, /appointments to see your sessions, "
        "or /help."
    )


def cancelled_flow(t: NullTranslations) -> str:
    """After /cancel."""
    return t.gettext("Cancelled: nothing was booked. Use /start whenever you want to begin again.")


def nothing_to_cancel(t: NullTranslations) -> str:
    """/cancel outside any flow."""
    return t.gettext("There is nothing to cancel. Use /start to book or /help.")


def not_available(t: NullTranslations) -> str:
    """A greyed-out calendar day."""
    return t.gettext("That day is not available.")


def help_text(t: NullTranslations, *, phone: str) -> str:
    """The answer to /help: reporting a reaction first, then the rest, then a person."""
    return t.gettext(
        "<b>What I can do</b>\n"
        "/report: tell the clinic about an unusual reaction after a session\n"
        "/start: read about the treatments and book one\n"
        "/appointments: your sessions; move or cancel them\n"
        "/calendar: your sessions as a calendar file\n"
        "/notifications: pause or resume tips and check-ins\n"
        "/clinic: the address, phone and opening hours\n"
        "/language: the language I write to you in\n"
        "/consent, /mydata, /forget: your consent and your data\n"
        "/cancel: leave what you are doing\n\n"
        "To talk to a person, press the button below or call {phone}.\n"
        "I give no medical advice. If you feel unwell after a treatment, call the clinic or "
        "your emergency number."
    ).format(phone=escape(phone or "—"))


# Buttons (labels are plain text, not HTML)


def label(t: NullTranslations, key: str) -> str:
    """A fixed button label."""
    _ = t.gettext
    labels = {
        "agree": _("I agree"),
        "decline": _("No, thanks"),
        "adult": _("Yes, I am 18 or older"),
        "minor": _("No"),
        "book": _("Book this treatment"),
        "back": _("Back to the treatments"),
        "consent": _("Give consent to book"),
        "nothing": _("Nothing to add"),
        "confirm": _("Confirm"),
        "cancel": _("Cancel"),
        "other_date": _("Other date"),
        "previous": _("« Previous"),
        "next": _("Next »"),
        "keep": _("Keep it"),
        "cancel_one": _("Cancel this session"),
        "cancel_rest": _("Cancel this and all later sessions"),
    }
    return labels[key]

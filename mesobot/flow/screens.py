"""The screens of each booking step: text and the core's keyboard, without Telegram."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from mesobot.flow import buttons as b
from mesobot.flow import steps
from mesobot.flow.calendar_rows import month_rows
from mesobot.scheduling.localtime import minute_of_day
from mesobot.scheduling.series import PlannedSeries
from mesobot.screens import Row, Screen, SharePhone
from mesobot.staff.presence import no_staff_phone
from mesobot.texts import booking as texts
from mesobot.texts import consent as consent_texts
from mesobot.texts import escape
from mesobot.texts import reviews as review_texts
from mesobot.texts import waitlist as waitlist_texts
from mesobot.texts.dates import clock_label, day_label, money, month_label

if TYPE_CHECKING:
    from mesobot.flow.machine import Flow


async def step_screens(flow: Flow) -> list[Screen] | None:
    """The screens of the flow's current step; None for a step this version does not know."""
    step = flow.step or ""
    question = steps.step_question(step)
    if question is not None:
        return [question_screen(flow, question)]
    fixed = _FIXED.get(step)
    if fixed is not None:
        return [fixed(flow)]
    if step == steps.DATE:
        return await calendar_screens(flow)
    if step == steps.TIME:
        return await times_screens(flow)
    if step == steps.PREVIEW:
        return await preview_screens(flow)
    return None


def cancel_row(flow: Flow) -> Row:
    """The Cancel button under most steps."""
    return [(texts.label(flow.t, "cancel"), b.CancelFlow())]


# Fixed screens


def consent_screen(flow: Flow) -> Screen:
    """What is stored and why, with Agree / No, thanks."""
    t = flow.t
    agree = (texts.label(t, "agree"), b.ConsentAnswer(True))
    decline = (texts.label(t, "decline"), b.ConsentAnswer(False))
    return Screen(
        consent_texts.consent(
            t,
            clinic_name=flow.services.clinic.clinic.name,
            record_years=flow.services.clinic.retention.clinical_record_years,
        ),
        flow.keyboard([[agree, decline]]),
    )


def adult_screen(flow: Flow) -> Screen:
    """The age question."""
    t = flow.t
    adult = (texts.label(t, "adult"), b.AdultAnswer(True))
    minor = (texts.label(t, "minor"), b.AdultAnswer(False))
    return Screen(texts.adult_question(t), flow.keyboard([[adult, minor]]))


def list_screen(flow: Flow) -> Screen:
    """The treatments; without consent, a button to give it."""
    can_book = flow.step == steps.TREATMENT
    rows: list[Row] = [
        [(treatment.name.in_language(flow.language), b.TreatmentInfo(key))]
        for key, treatment in flow.services.clinic.treatments.items()
    ]
    if not can_book:
        rows.append([(texts.label(flow.t, "consent"), b.ConsentAnswer(True))])
    return Screen(texts.treatment_list(flow.t, can_book=can_book), flow.keyboard(rows))


def area_screen(flow: Flow) -> Screen:
    """The areas the chosen treatment can treat."""
    rows: list[Row] = [
        [(flow.t.gettext(texts.AREA_LABELS[area]), b.AreaChoice(area.value))]
        for area in flow.treatment.areas
    ]
    return Screen(texts.area_question(flow.t), flow.keyboard([*rows, cancel_row(flow)]))


def count_screen(flow: Flow) -> Screen:
    """The numbers of sessions the patient may book, each with its price."""
    treatment, t = flow.treatment, flow.t
    currency = treatment.price_per_session.currency
    rows: list[Row] = [
        [
            (
                texts.count_label(
                    t, n, money(treatment.course_price(n)[0], currency, flow.language)
                ),
                b.SessionCount(n),
            )
        ]
        for n in treatment.bookable_session_counts()
    ]
    return Screen(texts.count_question(t), flow.keyboard([*rows, cancel_row(flow)]))


def question_screen(flow: Flow, question: steps.Question) -> Screen:
    """One question of the questionnaire, its answers as buttons."""
    t = flow.t
    number = steps.QUESTIONS.index(question) + 1
    rows: list[Row] = [
        [(t.gettext(texts.ANSWER_LABELS[option]), b.QuestionAnswer(question.key, option))]
        for option in question.options
    ]
    return Screen(
        texts.question(t, question.key, number, len(steps.QUESTIONS)),
        flow.keyboard([*rows, cancel_row(flow)]),
    )


def note_screen(flow: Flow) -> Screen:
    """The questionnaire's free-text line, with Nothing to add."""
    t = flow.t
    nothing: Row = [(texts.label(t, "nothing"), b.NothingToAdd())]
    return Screen(texts.note_question(t), flow.keyboard([nothing, cancel_row(flow)]))


def name_screen(flow: Flow) -> Screen:
    """The name the clinic uses, offering the Telegram first name when it is usable."""
    t = flow.t
    rows: list[Row] = []
    name = steps.clean_name(flow.first_name)
    if name:  # the button shows the name as it will be stored
        rows.append([(texts.use_name_label(t, name), b.UseTelegramName())])
    return Screen(texts.name_question(t), flow.keyboard([*rows, cancel_row(flow)]))


def phone_screen(flow: Flow) -> Screen:
    """The phone number, typed or shared with a reply-keyboard button."""
    t = flow.t
    return Screen(texts.phone_question(t), SharePhone(texts.share_phone_label(t)))


_FIXED: dict[str, Callable[[Flow], Screen]] = {
    steps.CONSENT: consent_screen,
    steps.ADULT: adult_screen,
    steps.BROWSE: list_screen,
    steps.TREATMENT: list_screen,
    steps.AREA: area_screen,
    steps.COUNT: count_screen,
    steps.NOTE: note_screen,
    steps.NAME: name_screen,
    steps.PHONE: phone_screen,
}


# Screens that look at the calendar


async def calendar_screens(flow: Flow) -> list[Screen]:
    """The month calendar of first dates from which the whole course fits."""
    year, month = flow.clamp_month(*flow.answers.get("month", (0, 0)))
    free = await flow.free_dates(year, month)
    bounds = flow.window()
    heading = (
        texts.calendar_heading(
            flow.t, month=month_label(year, month, flow.language), any_free=bool(free)
        )
        if bounds is None
        else review_texts.window_heading(
            flow.t,
            month=escape(month_label(year, month, flow.language)),
            first=escape(day_label(bounds[0], flow.language)),
            last=escape(day_label(bounds[1], flow.language)),
        )
    )
    rows = month_rows(flow, year, month, free, b.FirstDate, b.CalendarMonth)
    if bounds is None:  # none of these dates suits: wait for a place to free up
        rows.append([(waitlist_texts.join_label(flow.t), b.JoinWaitlist())])
    return [Screen(heading, flow.keyboard([*rows, cancel_row(flow)]))]


async def times_screens(flow: Flow) -> list[Screen]:
    """The chosen date's free times, or the calendar again if none is left."""
    day = date.fromisoformat(flow.answers["day"])
    times = await flow.free_times(day)
    if not times:
        return await flow.go(steps.DATE, texts.date_taken(flow.t))
    buttons: Row = [(clock_label(w), b.FirstTime(day, minute_of_day(w))) for w in times]
    rows: list[Row] = [buttons[i : i + 4] for i in range(0, len(buttons), 4)]
    other_date = (texts.label(flow.t, "other_date"), b.CalendarMonth(day.year, day.month))
    rows.append([other_date, *cancel_row(flow)])
    heading = texts.times_heading(flow.t, day=escape(day_label(day, flow.language)))
    return [Screen(heading, flow.keyboard(rows))]


async def preview_screens(flow: Flow) -> list[Screen]:
    """The whole series from the chosen slot, or the calendar again if it no longer fits."""
    answers = flow.answers
    day, minute = date.fromisoformat(answers["day"]), int(answers["minute"])
    plan = await flow.plan(day, minute)
    if not isinstance(plan, PlannedSeries):
        return await flow.go(steps.DATE, texts.date_taken(flow.t))
    return [preview_screen(flow, plan, day, minute)]


def preview_screen(flow: Flow, plan: PlannedSeries, day: date, minute: int) -> Screen:
    """The series with Confirm / Other date / Cancel."""
    t, answers = flow.t, flow.answers
    text = texts.preview(
        t,
        treatment=flow.treatment.name.in_language(flow.language),
        area=answers.get("area"),
        slots=[(s.local_date, s.local_time) for s in plan.sessions],
        zone=flow.services.clinic.clinic.timezone,
        name=answers.get("name", ""),
        phone=answers.get("phone", ""),
        language=flow.language,
        no_staff_phone=no_staff_phone(flow.services),
    )
    confirm = b.ConfirmBooking(day, minute, steps.plan_digest(plan))
    change_date = (texts.label(t, "other_date"), b.CalendarMonth(day.year, day.month))
    return Screen(
        text,
        flow.keyboard([[(texts.label(t, "confirm"), confirm)], [change_date, *cancel_row(flow)]]),
    )

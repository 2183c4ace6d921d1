"""What each tap and typed answer does in the booking flow: a Flow and plain values in.

Steps change the patient and the draft in memory and return the screens of where they lead;
the turn stores the change afterwards (`mesobot.flow.turn`). Only requesting the course
writes during a step, through `Flow.write`.
"""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.booking import Booked, Taken
from mesobot.clinic_contact import TalkToPerson
from mesobot.flow import buttons as b
from mesobot.flow import steps
from mesobot.flow.machine import Flow, Outcome, may_book
from mesobot.flow.ordering import book_course
from mesobot.scheduling.series import PlannedSeries
from mesobot.screens import RemoveKeyboard, Row, Screen
from mesobot.staff.presence import no_staff_phone
from mesobot.texts import booking as texts
from mesobot.texts import clinic as clinic_texts
from mesobot.texts import treatments as treatment_texts

# Age


async def on_adult(flow: Flow, data: b.AdultAnswer) -> Outcome:
    """Store the confirmation of being 18 or older; a minor can only read."""
    if flow.step != steps.ADULT:
        return await flow.stale(texts.stale_button(flow.t))
    if not data.adult:
        return Outcome(await flow.go(steps.BROWSE, texts.under_age(flow.t)))
    flow.patient.adult_confirmed_at = flow.now
    return Outcome(await flow.go(steps.TREATMENT))


# Treatments


async def on_list(flow: Flow, _data: b.TreatmentList) -> Outcome:
    """Show the treatments again."""
    if flow.step not in (steps.TREATMENT, steps.BROWSE):
        return await flow.stale(texts.stale_button(flow.t))
    return Outcome(await flow.show())


async def on_info(flow: Flow, data: b.TreatmentInfo) -> Outcome:
    """A treatment's information from the catalog, with Book when the patient may book."""
    treatment = flow.services.clinic.treatments.get(data.treatment)
    if treatment is None or flow.step not in (steps.TREATMENT, steps.BROWSE):
        return await flow.stale(texts.stale_button(flow.t))
    t = flow.t
    rows: list[Row] = [[(texts.label(t, "back"), b.TreatmentList())]]
    if flow.step == steps.TREATMENT:
        rows.insert(0, [(texts.label(t, "book"), b.BookTreatment(data.treatment))])
    text = treatment_texts.treatment_info(t, treatment, language=flow.language)
    return Outcome([Screen(text, flow.keyboard(rows))])


async def on_book(flow: Flow, data: b.BookTreatment) -> Outcome:
    """Begin booking a treatment: its area, its number of sessions, or the questionnaire."""
    treatment = flow.services.clinic.treatments.get(data.treatment)
    if treatment is None or flow.step != steps.TREATMENT or not may_book(flow.patient):
        return await flow.stale(texts.stale_button(flow.t))
    counts = treatment.bookable_session_counts()
    answers: dict[str, Any] = {
        "treatment": data.treatment,
        "area": None,
        "count": counts.start,
        "questionnaire": {},
    }
    if treatment.areas:
        return Outcome(await flow.go(steps.AREA, **answers))
    return Outcome(await flow.go(after_area(counts), **answers))


def after_area(counts: range) -> str:
    """The step after the area: the number of sessions when there is a choice."""
    return steps.COUNT if len(counts) > 1 else steps.question_step(steps.QUESTIONS[0].key)


async def on_area(flow: Flow, data: b.AreaChoice) -> Outcome:
    """Store the area to treat."""
    if flow.step != steps.AREA or data.area not in flow.treatment.areas:
        return await flow.stale(texts.stale_button(flow.t))
    counts = flow.treatment.bookable_session_counts()
    return Outcome(await flow.go(after_area(counts), area=data.area))


async def on_count(flow: Flow, data: b.SessionCount) -> Outcome:
    """Store the number of sessions."""
    if flow.step != steps.COUNT or data.count not in flow.treatment.bookable_session_counts():
        return await flow.stale(texts.stale_button(flow.t))
    first = steps.question_step(steps.QUESTIONS[0].key)
    return Outcome(await flow.go(first, count=data.count))


# The questionnaire


async def on_answer(flow: Flow, data: b.QuestionAnswer) -> Outcome:
    """Store one answer and ask the next question (or for the free-text line)."""
    question = steps.step_question(flow.step or "")
    if question is None or question.key != data.question or data.answer not in question.options:
        return await flow.stale(texts.stale_button(flow.t))
    answered = dict(flow.answers.get("questionnaire", {})) | {question.key: data.answer}
    following = steps.next_question(question.key)
    step = steps.question_step(following.key) if following else steps.NOTE
    return Outcome(await flow.go(step, questionnaire=answered))


async def on_nothing_to_add(flow: Flow, _data: b.NothingToAdd) -> Outcome:
    """Skip the free-text line."""
    if flow.step != steps.NOTE:
        return await flow.stale(texts.stale_button(flow.t))
    return Outcome(await flow.go(steps.NAME, note=""))


async def on_use_name(flow: Flow, _data: b.UseTelegramName) -> Outcome:
    """Take the Telegram first name as the name the clinic uses."""
    name = steps.clean_name(flow.first_name)
    if flow.step != steps.NAME or name is None:
        return await flow.stale(texts.stale_button(flow.t))
    return Outcome(await flow.go(steps.PHONE, name=name))


# Dates, times, preview


async def on_month(flow: Flow, data: b.CalendarMonth) -> Outcome:
    """Show a month of the calendar (also Change date from the times and the preview)."""
    if flow.step not in (steps.DATE, steps.TIME, steps.PREVIEW) or not 1 <= data.month <= 12:
        return await flow.stale(texts.stale_button(flow.t))
    return Outcome(await flow.go(steps.DATE, month=list(flow.clamp_month(data.year, data.month))))


async def on_date(flow: Flow, data: b.FirstDate) -> Outcome:
    """The first session's date: its free times, or the calendar again if it filled up."""
    if flow.step not in (steps.DATE, steps.TIME, steps.PREVIEW):
        return await flow.stale(texts.stale_button(flow.t))
    month = [data.day.year, data.day.month]
    if not await flow.free_times(data.day):
        return await flow_taken(flow, month)
    return Outcome(await flow.go(steps.TIME, day=data.day.isoformat(), month=month))


async def flow_taken(flow: Flow, month: list[int]) -> Outcome:
    """A date or time that is no longer free: say so and show the calendar."""
    notice = texts.date_taken(flow.t)
    return Outcome(await flow.go(steps.DATE, notice, month=month), notice=notice)


async def on_time(flow: Flow, data: b.FirstTime) -> Outcome:
    """The first session's time: the preview of the whole series."""
    if (
        flow.step not in (steps.TIME, steps.PREVIEW)
        or flow.answers.get("day") != data.day.isoformat()
    ):
        return await flow.stale(texts.stale_button(flow.t))
    free = {w.hour * 60 + w.minute for w in await flow.free_times(data.day)}
    if data.minute not in free:
        return await flow_taken(flow, [data.day.year, data.day.month])
    return Outcome(await flow.go(steps.PREVIEW, minute=data.minute))


async def on_confirm(flow: Flow, data: b.ConfirmBooking) -> Outcome:
    """Request the series shown: stored as requested, staff told in the same transaction."""
    answers = flow.answers
    shown_slot = (answers.get("day"), answers.get("minute"))
    if flow.step != steps.PREVIEW or shown_slot != (data.day.isoformat(), data.minute):
        return await flow.stale(texts.stale_button(flow.t))
    if not may_book(flow.patient):  # consent withdrawn, or a newer text not yet agreed to
        return Outcome(await flow.restart())
    plan = await flow.plan(data.day, data.minute)
    if not isinstance(plan, PlannedSeries) or steps.plan_digest(plan) != data.plan:
        return await flow.stale(texts.plan_changed(flow.t))

    async def request(session: AsyncSession) -> Booked | Taken:
        booked = await book_course(
            session=session,
            services=flow.services,
            patient=flow.patient,
            answers=answers,
            plan=plan,
            now=flow.now,
        )
        if isinstance(booked, Booked):
            flow.end()  # the draft goes in the course's transaction
        return booked

    if not isinstance(await flow.write(request), Booked):
        return await flow.stale(texts.plan_changed(flow.t))
    return Outcome([Screen(texts.requested(flow.t, no_staff_phone=no_staff_phone(flow.services)))])


# Leaving the flow


async def on_cancel_button(flow: Flow, _data: b.CancelFlow) -> Outcome:
    """Leave the flow from its Cancel button."""
    if flow.draft is None:
        return Outcome([Screen(texts.nothing_to_cancel(flow.t))])
    flow.end()
    return Outcome([Screen(texts.cancelled_flow(flow.t), RemoveKeyboard())])


async def cancel_command(flow: Flow) -> list[Screen]:
    """/cancel: leave the flow at any step (or say there was nothing to leave)."""
    had_draft = flow.draft is not None
    flow.end()
    text = texts.cancelled_flow(flow.t) if had_draft else texts.nothing_to_cancel(flow.t)
    return [Screen(text, RemoveKeyboard())]


async def unknown_command(flow: Flow) -> list[Screen]:
    """A command no feature claims: say what the bot understands."""
    return [Screen(texts.no_flow(flow.t))]


async def help_command(flow: Flow) -> list[Screen]:
    """/help: what the bot can do; the flow stays where it is."""
    talk: Row = [(clinic_texts.talk_label(flow.t), TalkToPerson())]
    phone = flow.services.clinic.clinic.phone
    return [Screen(texts.help_text(flow.t, phone=phone), flow.keyboard([talk]))]


async def on_unavailable(flow: Flow, _data: b.Unavailable) -> Outcome:
    """A greyed-out calendar day: a short notice, nothing else."""
    return Outcome(notice=texts.not_available(flow.t))


# Typed answers


async def typed_answer(flow: Flow, *, text: str, shared_phone: str | None) -> list[Screen]:
    """What typed text (or a shared contact's phone number) does at the current step."""
    t, step = flow.t, flow.step
    if step is None:
        return [Screen(texts.no_flow(t))]
    if step == steps.NOTE:
        note = steps.clean_line(text)
        if not note or len(note) > steps.NOTE_MAX:
            return await flow.show(texts.note_too_long(t) if note else texts.use_buttons(t))
        return await flow.go(steps.NAME, note=note)
    if step == steps.NAME:
        name = steps.clean_name(text)
        return (
            await flow.go(steps.PHONE, name=name)
            if name
            else await flow.show(texts.name_invalid(t))
        )
    if step == steps.PHONE:
        return await typed_phone(flow, shared_phone if shared_phone is not None else text)
    return await flow.show(texts.use_buttons(t))


async def typed_phone(flow: Flow, raw: str) -> list[Screen]:
    """A phone number typed or shared with the contact button; then the calendar."""
    phone = steps.clean_phone(raw)
    if phone is None:
        return await flow.show(texts.phone_invalid(flow.t))
    flow.patient.phone = phone
    flow.patient.display_name = flow.answers.get("name")
    month = await first_free_month(flow)
    screens = await flow.go(steps.DATE, phone=phone, month=month)
    return [Screen(texts.phone_saved(flow.t), RemoveKeyboard()), *screens]


async def first_free_month(flow: Flow) -> list[int]:
    """This month, or the next one with a free date (looking a few months ahead)."""
    year, month = flow.clamp_month(flow.today().year, flow.today().month)
    for _ in range(3):
        if await flow.free_dates(year, month):
            return [year, month]
        year, month = flow.clamp_month(year, month + 1) if month < 12 else (year + 1, 1)
    return list(flow.clamp_month(flow.today().year, flow.today().month))

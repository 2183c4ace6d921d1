"""The patient's booking flow in Telegram: /start, the buttons and typed answers, /cancel.

Every update opens the patient's draft from the database, changes it in one transaction, and
only then sends the screens of the new step (no message goes out while the database is held).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram import Message, ReplyKeyboardRemove, Update, User
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from mesobot.booking import Booked, CourseRequest, request_course
from mesobot.callbacks import ButtonData
from mesobot.flow import steps
from mesobot.handlers import booking_buttons as b
from mesobot.handlers.booking_flow import Flow, Outcome, Screen, may_book
from mesobot.lifecycle import Change, SessionChange, sessions_changed
from mesobot.models import Appointment, Course
from mesobot.patients import record_patient
from mesobot.scheduling.series import PlannedSeries
from mesobot.services import MesobotContext, Services
from mesobot.staff.closures import clinic_calendar
from mesobot.staff_notices import enqueue_new_request_notices
from mesobot.texts import booking as texts

ButtonHandler = Callable[[Flow, Any], Awaitable[Outcome]]
BUTTONS: dict[type[ButtonData], ButtonHandler] = {}


def on_button(kind: type[ButtonData]) -> Callable[[ButtonHandler], ButtonHandler]:
    """Register the handler of one kind of button of this feature."""

    def register(handler: ButtonHandler) -> ButtonHandler:
        BUTTONS[kind] = handler
        return handler

    return register


async def send_screens(context: MesobotContext, chat_id: int, screens: list[Screen]) -> None:
    """Send each screen as a message of its own."""
    for screen in screens:
        await context.bot.send_message(chat_id, screen.text, reply_markup=screen.markup)


async def open_flow(context: MesobotContext, session: Any, user: User) -> Flow:
    """The user's patient record and booking draft, inside `session`'s transaction."""
    services = context.bot_data.services
    patient = await record_patient(
        session=session,
        telegram_user_id=user.id,
        language_code=user.language_code,
        now=services.clock.now(),
    )
    return await Flow.open(
        session=session, services=services, patient=patient, first_name=user.first_name
    )


async def on_booking_button(update: Update, context: MesobotContext) -> None:
    """Route a tap to its handler; data the bot did not issue is refused quietly."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    data = context.bot_data.services.codec.decode(query.data)
    handler = BUTTONS.get(type(data)) if data is not None else None
    if handler is None:
        await query.answer()
        return
    async with context.bot_data.services.database.transaction() as session:
        outcome = await handler(await open_flow(context, session, user), data)
    await send_screens(context, user.id, outcome.screens)
    # Answered last, so that a patient's next tap finds the screens already there.
    await query.answer(outcome.notice)


async def on_unknown_button(update: Update, _context: MesobotContext) -> None:
    """A tap no feature claims (forged or foreign data): answered, nothing else."""
    if update.callback_query is not None:
        await update.callback_query.answer()


async def on_unknown_command(update: Update, context: MesobotContext) -> None:
    """A command no feature claims: say what the bot understands."""
    user = update.effective_user
    if user is None:
        return
    async with context.bot_data.services.database.transaction() as session:
        flow = await open_flow(context, session, user)
    await send_screens(context, user.id, [Screen(texts.no_flow(flow.t))])


async def cancel(update: Update, context: MesobotContext) -> None:
    """/cancel: leave the flow at any step."""
    user = update.effective_user
    if user is None:
        return
    async with context.bot_data.services.database.transaction() as session:
        flow = await open_flow(context, session, user)
        had_draft = flow.draft is not None
        await flow.end()
    text = texts.cancelled_flow(flow.t) if had_draft else texts.nothing_to_cancel(flow.t)
    await send_screens(context, user.id, [Screen(text, ReplyKeyboardRemove())])


# Consent and age


@on_button(b.ConsentAnswer)
async def on_consent(flow: Flow, data: b.ConsentAnswer) -> Outcome:
    """Store consent (version and time) and go on; without it, treatments can only be read."""
    if flow.step not in (steps.CONSENT, steps.BROWSE):
        return await flow.stale(texts.stale_button(flow.t))
    if not data.agree:
        return Outcome(await flow.go(steps.BROWSE))
    flow.patient.consent_version = steps.CONSENT_VERSION
    flow.patient.consent_at = flow.now
    flow.session.add(flow.patient)
    step = steps.ADULT if flow.patient.adult_confirmed_at is None else steps.TREATMENT
    return Outcome(await flow.go(step))


@on_button(b.AdultAnswer)
async def on_adult(flow: Flow, data: b.AdultAnswer) -> Outcome:
    """Store the confirmation of being 18 or older; a minor can only read."""
    if flow.step != steps.ADULT:
        return await flow.stale(texts.stale_button(flow.t))
    if not data.adult:
        return Outcome(await flow.go(steps.BROWSE, texts.under_age(flow.t)))
    flow.patient.adult_confirmed_at = flow.now
    flow.session.add(flow.patient)
    return Outcome(await flow.go(steps.TREATMENT))


# Treatments


@on_button(b.TreatmentList)
async def on_list(flow: Flow, _data: b.TreatmentList) -> Outcome:
    """Show the treatments again."""
    if flow.step not in (steps.TREATMENT, steps.BROWSE):
        return await flow.stale(texts.stale_button(flow.t))
    return Outcome(await flow.show())


@on_button(b.TreatmentInfo)
async def on_info(flow: Flow, data: b.TreatmentInfo) -> Outcome:
    """A treatment's information from the catalog, with Book when the patient may book."""
    treatment = flow.services.clinic.treatments.get(data.treatment)
    if treatment is None or flow.step not in (steps.TREATMENT, steps.BROWSE):
        return await flow.stale(texts.stale_button(flow.t))
    t = flow.t
    rows: list[list[tuple[str, ButtonData]]] = [[(texts.label(t, "back"), b.TreatmentList())]]
    if flow.step == steps.TREATMENT:
        rows.insert(0, [(texts.label(t, "book"), b.BookTreatment(data.treatment))])
    text = texts.treatment_info(t, treatment, language=flow.language)
    return Outcome([Screen(text, flow.keyboard(rows))])


@on_button(b.BookTreatment)
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
    return Outcome(await flow.go(after_area(flow, treatment.bookable_session_counts()), **answers))


def after_area(_flow: Flow, counts: range) -> str:
    """The step after the area: the number of sessions when there is a choice."""
    return steps.COUNT if len(counts) > 1 else steps.question_step(steps.QUESTIONS[0].key)


@on_button(b.AreaChoice)
async def on_area(flow: Flow, data: b.AreaChoice) -> Outcome:
    """Store the area to treat."""
    if flow.step != steps.AREA or data.area not in flow.treatment.areas:
        return await flow.stale(texts.stale_button(flow.t))
    counts = flow.treatment.bookable_session_counts()
    return Outcome(await flow.go(after_area(flow, counts), area=data.area))


@on_button(b.SessionCount)
async def on_count(flow: Flow, data: b.SessionCount) -> Outcome:
    """Store the number of sessions."""
    if flow.step != steps.COUNT or data.count not in flow.treatment.bookable_session_counts():
        return await flow.stale(texts.stale_button(flow.t))
    first = steps.question_step(steps.QUESTIONS[0].key)
    return Outcome(await flow.go(first, count=data.count))


# The questionnaire


@on_button(b.QuestionAnswer)
async def on_answer(flow: Flow, data: b.QuestionAnswer) -> Outcome:
    """Store one answer and ask the next question (or for the free-text line)."""
    question = steps.step_question(flow.step or "")
    if question is None or question.key != data.question or data.answer not in question.options:
        return await flow.stale(texts.stale_button(flow.t))
    answered = dict(flow.answers.get("questionnaire", {})) | {question.key: data.answer}
    following = steps.next_question(question.key)
    step = steps.question_step(following.key) if following else steps.NOTE
    return Outcome(await flow.go(step, questionnaire=answered))


@on_button(b.NothingToAdd)
async def on_nothing_to_add(flow: Flow, _data: b.NothingToAdd) -> Outcome:
    """Skip the free-text line."""
    if flow.step != steps.NOTE:
        return await flow.stale(texts.stale_button(flow.t))
    return Outcome(await flow.go(steps.NAME, note=""))


@on_button(b.UseTelegramName)
async def on_use_name(flow: Flow, _data: b.UseTelegramName) -> Outcome:
    """Take the Telegram first name as the name the clinic uses."""
    name = steps.clean_name(flow.first_name)
    if flow.step != steps.NAME or name is None:
        return await flow.stale(texts.stale_button(flow.t))
    return Outcome(await flow.go(steps.PHONE, name=name))


# Dates, times, preview


@on_button(b.CalendarMonth)
async def on_month(flow: Flow, data: b.CalendarMonth) -> Outcome:
    """Show a month of the calendar (also Change date from the times and the preview)."""
    if flow.step not in (steps.DATE, steps.TIME, steps.PREVIEW) or not 1 <= data.month <= 12:
        return await flow.stale(texts.stale_button(flow.t))
    return Outcome(await flow.go(steps.DATE, month=list(flow.clamp_month(data.year, data.month))))


@on_button(b.FirstDate)
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


@on_button(b.FirstTime)
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


@on_button(b.ConfirmBooking)
async def on_confirm(flow: Flow, data: b.ConfirmBooking) -> Outcome:
    """Request the series shown: stored as requested, staff told in the same transaction."""
    answers = flow.answers
    shown_slot = (answers.get("day"), answers.get("minute"))
    if flow.step != steps.PREVIEW or shown_slot != (data.day.isoformat(), data.minute):
        return await flow.stale(texts.stale_button(flow.t))
    plan = await flow.plan(data.day, data.minute)
    if not isinstance(plan, PlannedSeries) or steps.plan_digest(plan) != data.plan:
        return await flow.stale(texts.plan_changed(flow.t))
    booked = await book_series(flow, plan)
    if not booked:
        return await flow.stale(texts.plan_changed(flow.t))
    await flow.end()
    return Outcome([Screen(texts.requested(flow.t))])


async def book_series(flow: Flow, plan: PlannedSeries) -> bool:
    """Store the request in the flow's transaction; False when a place went meanwhile."""
    services, answers = flow.services, flow.answers
    assert flow.patient.id is not None
    request = CourseRequest(
        patient_id=flow.patient.id,
        treatment=answers["treatment"],
        area=answers.get("area"),
        rule=flow.treatment.series_rule(),
        shown=plan,
        answers=course_answers(answers),
        expires_at=flow.now + _expiry(services),
    )
    result = await request_course(
        session=flow.session,
        calendar=await clinic_calendar(flow.session, services.clinic),
        request=request,
        now=flow.now,
        after_booking=after_booking_hook(services, flow.now),
    )
    return isinstance(result, Booked)


def _expiry(services: Services) -> timedelta:
    return timedelta(hours=services.clinic.clinic.request_expiry_hours)


def course_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """What the course keeps of the questionnaire: answers, the free line, flags for staff."""
    questionnaire = dict(answers.get("questionnaire", {}))
    note = str(answers.get("note", ""))
    return {
        "questionnaire": questionnaire,
        "note": note,
        "flags": steps.flags(questionnaire, note),
        "name": answers.get("name"),
        "phone": answers.get("phone"),
        "consent_version": steps.CONSENT_VERSION,
    }


def after_booking_hook(services: Services, now: Any) -> Any:
    """Queue staff notices and announce the new sessions, in the booking's transaction."""

    async def after(session: Any, course: Course, appointments: list[Appointment]) -> None:
        await enqueue_new_request_notices(
            session=session, services=services, course=course, now=now
        )
        changes = [SessionChange(appointment, Change.REQUESTED) for appointment in appointments]
        await sessions_changed(session=session, services=services, changes=changes, now=now)

    return after


@on_button(b.CancelFlow)
async def on_cancel_button(flow: Flow, _data: b.CancelFlow) -> Outcome:
    """Leave the flow from its Cancel button."""
    if flow.draft is None:
        return Outcome([Screen(texts.nothing_to_cancel(flow.t))])
    await flow.end()
    return Outcome([Screen(texts.cancelled_flow(flow.t), ReplyKeyboardRemove())])


@on_button(b.Unavailable)
async def on_unavailable(flow: Flow, _data: b.Unavailable) -> Outcome:
    """A greyed-out calendar day: a short notice, nothing else."""
    return Outcome(notice=texts.not_available(flow.t))


# Typed answers


async def on_text(update: Update, context: MesobotContext) -> None:
    """Typed text or a shared contact: the answer of a typing step, else a re-prompt."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    async with context.bot_data.services.database.transaction() as session:
        flow = await open_flow(context, session, user)
        screens = await typed_answer(flow, message)
    await send_screens(context, user.id, screens)


async def typed_answer(flow: Flow, message: Message) -> list[Screen]:
    """What typed input does at the current step."""
    t, step = flow.t, flow.step
    if step is None:
        return [Screen(texts.no_flow(t))]
    text = message.text or ""
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
        return await typed_phone(flow, message)
    return await flow.show(texts.use_buttons(t))


async def typed_phone(flow: Flow, message: Message) -> list[Screen]:
    """A phone number typed or shared with the contact button; then the calendar."""
    raw = message.contact.phone_number if message.contact else (message.text or "")
    phone = steps.clean_phone(raw)
    if phone is None:
        return await flow.show(texts.phone_invalid(flow.t))
    flow.patient.phone = phone
    flow.patient.display_name = flow.answers.get("name")
    flow.session.add(flow.patient)
    month = await first_free_month(flow)
    screens = await flow.go(steps.DATE, phone=phone, month=month)
    return [Screen(texts.phone_saved(flow.t), ReplyKeyboardRemove()), *screens]


async def first_free_month(flow: Flow) -> list[int]:
    """This month, or the next one with a free date (looking a few months ahead)."""
    year, month = flow.clamp_month(flow.today().year, flow.today().month)
    for _ in range(3):
        if await flow.free_dates(year, month):
            return [year, month]
        year, month = flow.clamp_month(year, month + 1) if month < 12 else (year + 1, 1)
    return list(flow.clamp_month(flow.today().year, flow.today().month))


_PRIVATE = filters.ChatType.PRIVATE
HANDLERS = [
    CommandHandler("cancel", cancel, filters=_PRIVATE),
    CallbackQueryHandler(on_booking_button, pattern=b.PATTERN),
    MessageHandler(_PRIVATE & ((filters.TEXT & ~filters.COMMAND) | filters.CONTACT), on_text),
]
# Registered last in group 0: answers taps that no feature's handler claimed.
FALLBACK_HANDLERS = [
    CallbackQueryHandler(on_unknown_button),
    MessageHandler(_PRIVATE & filters.COMMAND, on_unknown_command),
]

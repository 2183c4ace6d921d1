"""The booking flow end to end: the real application against the Bot API emulator."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import date, time

import pytest
from sqlmodel import select

from botapi_emulator.server import BotApiEmulator
from mesobot.clock import ManualClock
from mesobot.db import Database
from mesobot.models import CourseState, FlowDraft, Patient, SessionState
from mesobot.outbox.models import OutboxMessage
from tests.app_harness import running_bot, settings_for
from tests.booking.driver import PatientAtKeyboard, courses_of


@pytest.fixture
async def patient(
    emulator: BotApiEmulator, database_url: str, clock: ManualClock
) -> AsyncIterator[PatientAtKeyboard]:
    """Ana, talking to the running bot (staff: one member)."""
    rita = emulator.create_user("Rita")
    rita.user.started_bot = True  # staff have opened the bot before
    settings = settings_for(emulator, database_url=database_url, staff_ids=[rita.id])
    async with running_bot(settings, clock=clock) as app:
        yield PatientAtKeyboard(emulator, app, emulator.create_user("Ana"))


async def through_consent(patient: PatientAtKeyboard) -> None:
    """From /start to the list of treatments."""
    replies = await patient.command("start")
    assert "Before you book" in replies[-1].text
    await patient.tap("I agree")
    await patient.tap("Yes, I am 18 or older")
    assert "Our treatments" in patient.last.text


async def through_questions(patient: PatientAtKeyboard) -> None:
    """Answer the questionnaire: an allergy to lidocaine, everything else no."""
    await patient.tap("Yes: lidocaine or procaine")
    await patient.tap("No")
    await patient.tap("No")
    await patient.tap("No")
    await patient.tap("Never had injections")
    await patient.text("I bruise easily")


async def through_contact(patient: PatientAtKeyboard, name: str = "Ana María") -> None:
    """Name typed, phone shared with the contact button."""
    await patient.text(name)
    await patient.contact("34600111222")


async def pick_first_slot(patient: PatientAtKeyboard, day: int, at: str) -> None:
    """Pick a date of the calendar shown and a time, up to the preview."""
    await patient.tap(str(day))
    await patient.tap(at)
    assert "Your treatment" in patient.last.text


async def test_a_facial_course_is_requested_with_its_answers(
    patient: PatientAtKeyboard, database: Database
) -> None:
    """The whole flow: the course is stored as requested with flagged answers; staff told."""
    await through_consent(patient)
    await patient.tap("Facial rejuvenation")
    info = patient.last.text
    assert "4 sessions, 14 to 21 days apart" in info
    assert "$1,000.00 to $2,400.00" in info
    assert "insurance" in info
    await patient.tap("Book this treatment")
    await through_questions(patient)
    await through_contact(patient)
    assert "December 2026" in patient.last.text
    await pick_first_slot(patient, 7, "10:00")
    preview = patient.last.text
    assert "Mon, 7 Dec 2026, 10:00" in preview
    assert "(14 days after the previous one)" in preview
    assert "Times are Madrid time." in preview
    _notice, replies = await patient.tap("Confirm")
    assert "not confirmed yet" in replies[-1].text
    [(course, appointments)] = await courses_of(database, patient.user.id)
    assert course.state is CourseState.REQUESTED
    assert course.treatment == "facial_rejuvenation"
    assert [s.local_date for s in appointments] == [
        date(2026, 12, 7),
        date(2026, 12, 21),
        date(2027, 1, 4),
        date(2027, 1, 18),
    ]
    assert all(
        s.local_time == time(10) and s.state is SessionState.REQUESTED for s in appointments
    )
    assert course.answers["questionnaire"]["allergies"] == "anaesthetic"
    assert course.answers["note"] == "I bruise easily"
    assert course.answers["flags"] == ["allergies", "note"]
    async with database.read() as session:
        stored = (
            await session.exec(select(Patient).where(Patient.telegram_user_id == patient.user.id))
        ).one()
        drafts = (await session.exec(select(FlowDraft))).all()
        notices = (await session.exec(select(OutboxMessage))).all()
    assert (stored.display_name, stored.phone) == ("Ana María", "34600111222")
    assert stored.consent_version is not None
    assert stored.consent_at is not None
    assert stored.adult_confirmed_at is not None
    assert drafts == []
    assert len(notices) == 1  # the new request, to the one staff member


async def book_through_flow(
    patient: PatientAtKeyboard,
    treatment: str,
    *,
    area: str | None = None,
    count: str | None = None,
    day: int = 7,
    at: str = "10:00",
) -> None:
    """Book `treatment` (its button label) from /start to Confirm."""
    await through_consent(patient)
    await patient.tap(treatment)
    await patient.tap("Book this treatment")
    if area is not None:
        assert "Which area" in patient.last.text
        await patient.tap(area)
    if count is not None:
        assert "How many sessions" in patient.last.text
        await patient.tap(label=count)
    await through_questions(patient)
    await through_contact(patient)
    await pick_first_slot(patient, day, at)
    await patient.tap("Confirm")
    assert "Your request is sent" in patient.last.text


@pytest.mark.parametrize(
    ("label", "key", "area", "count", "session_count"),
    [
        ("Facial rejuvenation", "facial_rejuvenation", None, None, 4),
        (
            "Fat reduction (body contouring)",
            "fat_reduction",
            "Love handles",
            "3 sessions (from $750.00)",
            3,
        ),
        ("Cellulite treatment", "cellulite", None, "4 sessions (from $1,000.00)", 4),
        ("Lower blepharoplasty", "lower_blepharoplasty", None, None, 1),
    ],
)
async def test_each_treatment_can_be_booked(
    patient: PatientAtKeyboard,
    database: Database,
    label: str,
    key: str,
    area: str | None,
    count: str | None,
    session_count: int,
) -> None:
    """Each treatment of the catalog: its area and count asked where they apply."""
    await book_through_flow(patient, label, area=area, count=count)
    [(course, stored)] = await courses_of(database, patient.user.id)
    assert (course.treatment, len(stored)) == (key, session_count)
    assert course.area == ("love_handles" if area else None)
    rule = patient.app.bot_data.services.clinic.treatments[key].series_rule()
    gaps = [(b.local_date - a.local_date).days for a, b in itertools.pairwise(stored)]
    assert all(rule.allows_gap(gap) for gap in gaps)


async def test_blepharoplasty_explains_the_second_session_and_the_preparation(
    patient: PatientAtKeyboard,
) -> None:
    """Its information names the cortisone and the optional second session, with no count."""
    await through_consent(patient)
    await patient.tap("Lower blepharoplasty")
    info = patient.last.text
    assert "cortisone" in info
    assert "1 session; the practitioner may add more (up to 2), 42 to 49 days apart" in info
    assert (
        "Cost: $250.00 to $600.00 for one session, up to $1,200.00 if a second is needed." in info
    )
    assert "Whole course" not in info
    await patient.tap("Book this treatment")
    assert "Health question 1 of 5" in patient.last.text  # no count to choose


async def test_declining_consent_lets_the_patient_read_but_not_book(
    patient: PatientAtKeyboard, database: Database
) -> None:
    """Without consent: treatments readable, no Book button, and a way to consent later."""
    await patient.command("start")
    await patient.tap("No, thanks")
    assert "give your consent first" in patient.last.text
    await patient.tap("Cellulite treatment")
    assert "Cellulite" in patient.last.text
    assert "Book this treatment" not in patient.last.button_labels
    async with database.read() as session:
        stored = (await session.exec(select(Patient))).one()
    assert stored.consent_at is None
    await patient.tap("Give consent to book")
    assert "18 years old" in patient.last.text


STEPS_TO_CANCEL = [
    ("consent", []),
    ("adult", ["I agree"]),
    ("treatment", ["I agree", "Yes, I am 18 or older"]),
    (
        "area",
        [
            "I agree",
            "Yes, I am 18 or older",
            "Fat reduction (body contouring)",
            "Book this treatment",
        ],
    ),
    (
        "count",
        [
            "I agree",
            "Yes, I am 18 or older",
            "Fat reduction (body contouring)",
            "Book this treatment",
            "Neck",
        ],
    ),
    (
        "question",
        ["I agree", "Yes, I am 18 or older", "Facial rejuvenation", "Book this treatment"],
    ),
]


@pytest.mark.parametrize(("step", "taps"), STEPS_TO_CANCEL, ids=[s for s, _ in STEPS_TO_CANCEL])
async def test_cancel_leaves_the_flow_at_each_button_step(
    patient: PatientAtKeyboard, database: Database, step: str, taps: list[str]
) -> None:
    """/cancel at any step: the draft is gone, and an old button starts afresh."""
    await patient.command("start")
    for label in taps:
        await patient.tap(label)
    before = patient.last
    [reply] = await patient.command("cancel")
    assert "Cancelled" in reply.text
    async with database.read() as session:
        assert (await session.exec(select(FlowDraft))).all() == []
    notice, _replies = await patient.tap(before.button_labels[0], message=before)
    assert notice == "That conversation has ended. Let us start again."


@pytest.mark.parametrize("step", ["note", "name", "phone", "date", "time", "preview"])
async def test_cancel_leaves_the_flow_at_each_later_step(
    patient: PatientAtKeyboard, database: Database, step: str
) -> None:
    """/cancel at the typing, calendar and preview steps: nothing is booked, no draft left."""
    await through_consent(patient)
    await patient.tap("Facial rejuvenation")
    await patient.tap("Book this treatment")
    for label in ["No known allergies", "No", "No", "No", "No"]:
        await patient.tap(label)
    actions = {
        "name": lambda: patient.text("nothing"),
        "phone": lambda: patient.text("Ana"),
        "date": lambda: patient.contact("+34 600 111 222"),
        "time": lambda: patient.tap("7"),
        "preview": lambda: patient.tap("10:00"),
    }
    for name, action in actions.items():
        if name == step or step == "note":
            break
        await action()
    await patient.command("cancel")
    assert "Cancelled" in patient.last.text
    async with database.read() as session:
        assert (await session.exec(select(FlowDraft))).all() == []
    assert await courses_of(database, patient.user.id) == []


async def test_text_where_a_button_is_expected_re_prompts(patient: PatientAtKeyboard) -> None:
    """Typed text at a button step: a gentle re-prompt and the same step again."""
    await through_consent(patient)
    replies = await patient.text("<b>hi</b> & 🙂" * 300)
    assert "Please use the buttons below." in replies[-1].text
    assert "Our treatments" in replies[-1].text


async def test_a_bad_phone_number_is_asked_again_gently(patient: PatientAtKeyboard) -> None:
    """A phone that is not one: asked again, the contact keyboard still there."""
    await through_consent(patient)
    await patient.tap("Cellulite treatment")
    await patient.tap("Book this treatment")
    await patient.tap("3 sessions (from $750.00)")
    for label in ["No known allergies", "No", "No", "No", "No", "Nothing to add"]:
        await patient.tap(label)
    await patient.tap("Use “Ana”")
    [reply] = await patient.text("call me maybe")
    assert "does not look like a phone number" in reply.text
    await patient.text("+34 (600) 111-222")
    assert "December 2026" in patient.last.text


async def test_a_name_with_markup_is_escaped_everywhere(
    patient: PatientAtKeyboard, database: Database
) -> None:
    """A patient named <Ana & "Bo"> sees the name as typed in the preview; nothing breaks."""
    await through_consent(patient)
    await patient.tap("Facial rejuvenation")
    await patient.tap("Book this treatment")
    await through_questions(patient)
    await through_contact(patient, name='<Ana & "Bo">')
    await pick_first_slot(patient, 7, "10:00")
    assert 'Name: <Ana & "Bo">.' in patient.last.text
    await patient.tap("Confirm")
    [(course, _appointments)] = await courses_of(database, patient.user.id)
    assert course.answers["name"] == '<Ana & "Bo">'


async def test_forged_callback_data_is_refused_quietly(
    patient: PatientAtKeyboard, database: Database
) -> None:
    """Data the bot did not sign: answered with nothing, no message, nothing stored."""
    await through_consent(patient)
    count = len(patient.user.bot_messages)
    good = patient.last.buttons[0]["callback_data"]
    forged = [
        good[:-1] + ("A" if good[-1] != "A" else "B"),
        "1bk.20261207.a0.abc.xxxxxxxx",
        "hello",
        "1bb.facial_rejuvenation",
    ]
    for data in forged:
        notice, replies = await patient.tap(data=data, message=patient.last)
        assert (notice, replies) == (None, [])
    assert len(patient.user.bot_messages) == count
    assert await courses_of(database, patient.user.id) == []


async def test_help_and_unknown_commands_keep_the_flow(patient: PatientAtKeyboard) -> None:
    """/help and an unknown command answer without losing the step."""
    await through_consent(patient)
    [reply] = await patient.command("help")
    assert "/appointments" in reply.text
    [reply] = await patient.command("frobnicate")
    assert "/start" in reply.text
    await patient.tap("Facial rejuvenation")
    assert "Book this treatment" in patient.last.button_labels

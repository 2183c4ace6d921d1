"""The booking flow's screens: one patient's draft in, the messages of its current step out.

A `Flow` is one patient's turn, inside one database transaction: handlers change the draft
with `go()` and get back the screens of the step they moved to. Nothing is kept in memory
between updates, so a restart loses nothing.
"""

from __future__ import annotations

import calendar as gregorian
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from gettext import NullTranslations
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from mesobot.booking import day_free_times, month_free_dates, plan_from_database
from mesobot.callbacks import ButtonData
from mesobot.catalog import Treatment
from mesobot.drafts import clear_draft, load_draft, save_draft
from mesobot.flow import steps
from mesobot.handlers import booking_buttons as b
from mesobot.i18n import translations
from mesobot.models import FlowDraft, Patient
from mesobot.scheduling.localtime import minute_of_day, zone_named
from mesobot.scheduling.series import PlannedSeries, PlanResult
from mesobot.services import Services
from mesobot.staff.closures import clinic_calendar
from mesobot.texts import booking as texts
from mesobot.texts import escape

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove
Row = list[tuple[str, ButtonData]]
MONTHS_AHEAD = 12  # how far the calendar lets a patient look


@dataclass
class Screen:
    """One message to send: HTML text and its keyboard."""

    text: str
    markup: Markup | None = None


@dataclass
class Outcome:
    """What a tap leads to: a short notice on the button, and the messages to send."""

    screens: list[Screen] = field(default_factory=list)
    notice: str | None = None


def keyboard(services: Services, rows: list[Row]) -> InlineKeyboardMarkup:
    """Inline buttons whose data goes through the codec."""
    encode = services.codec.encode
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(text, callback_data=encode(data)) for text, data in row]
            for row in rows
            if row
        ]
    )


def entry_step(patient: Patient) -> str:
    """Where a patient starts: consent, then the age question, then the treatments."""
    if patient.consent_version != steps.CONSENT_VERSION:
        return steps.CONSENT
    if patient.adult_confirmed_at is None:
        return steps.ADULT
    return steps.TREATMENT


def may_book(patient: Patient) -> bool:
    """Whether the patient gave the current consent and confirmed being an adult."""
    return entry_step(patient) == steps.TREATMENT


class Flow:
    """One patient's turn in the booking flow, inside one transaction."""

    def __init__(
        self,
        *,
        session: AsyncSession,
        services: Services,
        patient: Patient,
        draft: FlowDraft | None,
        now: datetime,
        first_name: str,
    ) -> None:
        self.session = session
        self.services = services
        self.patient = patient
        self.draft = draft
        self.now = now
        self.first_name = first_name

    @classmethod
    async def open(
        cls, *, session: AsyncSession, services: Services, patient: Patient, first_name: str
    ) -> Flow:
        """The flow of `patient` as the database has it now."""
        now = services.clock.now()
        assert patient.id is not None
        draft = await load_draft(session=session, patient_id=patient.id, now=now)
        return cls(
            session=session,
            services=services,
            patient=patient,
            draft=draft,
            now=now,
            first_name=first_name,
        )

    @property
    def language(self) -> str:
        """The patient's language."""
        return self.patient.language

    @property
    def t(self) -> NullTranslations:
        """The patient's translations."""
        return translations(self.patient.language)

    @property
    def step(self) -> str | None:
        """The current step, or None without a live draft."""
        return self.draft.step if self.draft is not None else None

    @property
    def answers(self) -> dict[str, Any]:
        """A copy of the answers so far."""
        return dict(self.draft.answers) if self.draft is not None else {}

    @property
    def treatment(self) -> Treatment:
        """The treatment being booked (only valid after it was chosen)."""
        return self.services.clinic.treatments[self.answers["treatment"]]

    def keyboard(self, rows: list[Row]) -> InlineKeyboardMarkup:
        """Inline buttons for this flow."""
        return keyboard(self.services, rows)

    async def go(self, step: str, lead: str | None = None, **changes: Any) -> list[Screen]:
        """Move to `step` with `changes` to the answers, and show it."""
        assert self.patient.id is not None
        self.draft = await save_draft(
            session=self.session,
            patient_id=self.patient.id,
            step=step,
            answers=self.answers | changes,
            now=self.now,
        )
        return await self.show(lead)

    async def restart(self, lead: str | None = None) -> list[Screen]:
        """Begin the flow afresh at the patient's entry step."""
        assert self.patient.id is not None
        await clear_draft(session=self.session, patient_id=self.patient.id)
        self.draft = None
        return await self.go(entry_step(self.patient), lead)

    async def end(self) -> None:
        """Forget the draft: the flow is over."""
        assert self.patient.id is not None
        await clear_draft(session=self.session, patient_id=self.patient.id)
        self.draft = None

    async def show(self, lead: str | None = None) -> list[Screen]:
        """The screens of the current step, `lead` (an explanation) above the first."""
        if self.draft is None:
            return await self.restart(lead)
        step = self.step or ""
        question = steps.step_question(step)
        if question is not None:
            screens = [self._question(question)]
        elif step in _FIXED:
            screens = [_FIXED[step](self)]
        elif step == steps.DATE:
            screens = await self._calendar()
        elif step == steps.TIME:
            screens = await self._times()
        elif step == steps.PREVIEW:
            screens = await self._preview()
        else:  # a step from an older version of the bot: begin again
            return await self.restart(lead)
        if lead:
            screens[0].text = f"<i>{lead}</i>\n\n{screens[0].text}"
        return screens

    async def stale(self, notice: str) -> Outcome:
        """An old button: a short notice and the current step again."""
        if self.draft is None:
            notice = texts.expired_button(self.t)
        return Outcome(await self.show(notice), notice=notice)

    # Fixed screens

    def _consent(self) -> Screen:
        t = self.t
        return Screen(
            texts.consent(t, clinic_name=self.services.clinic.clinic.name),
            self.keyboard(
                [
                    [
                        (texts.label(t, "agree"), b.ConsentAnswer(True)),
                        (texts.label(t, "decline"), b.ConsentAnswer(False)),
                    ]
                ]
            ),
        )

    def _adult(self) -> Screen:
        t = self.t
        return Screen(
            texts.adult_question(t),
            self.keyboard(
                [
                    [
                        (texts.label(t, "adult"), b.AdultAnswer(True)),
                        (texts.label(t, "minor"), b.AdultAnswer(False)),
                    ]
                ]
            ),
        )

    def _list(self) -> Screen:
        can_book = self.step == steps.TREATMENT
        rows: list[Row] = [
            [(treatment.name.in_language(self.language), b.TreatmentInfo(key))]
            for key, treatment in self.services.clinic.treatments.items()
        ]
        if not can_book:
            rows.append([(texts.label(self.t, "consent"), b.ConsentAnswer(True))])
        return Screen(texts.treatment_list(self.t, can_book=can_book), self.keyboard(rows))

    def _area(self) -> Screen:
        rows: list[Row] = [
            [(self.t.gettext(texts.AREA_LABELS[area]), b.AreaChoice(area.value))]
            for area in self.treatment.areas
        ]
        return Screen(texts.area_question(self.t), self.keyboard([*rows, self._cancel_row()]))

    def _count(self) -> Screen:
        treatment, t = self.treatment, self.t
        currency = treatment.price_per_session.currency
        rows: list[Row] = [
            [
                (
                    texts.count_label(
                        t, n, texts.money(treatment.course_price(n)[0], currency, self.language)
                    ),
                    b.SessionCount(n),
                )
            ]
            for n in treatment.bookable_session_counts()
        ]
        return Screen(texts.count_question(t), self.keyboard([*rows, self._cancel_row()]))

    def _question(self, question: steps.Question) -> Screen:
        t = self.t
        number = steps.QUESTIONS.index(question) + 1
        rows: list[Row] = [
            [(t.gettext(texts.ANSWER_LABELS[option]), b.QuestionAnswer(question.key, option))]
            for option in question.options
        ]
        return Screen(
            texts.question(t, question.key, number, len(steps.QUESTIONS)),
            self.keyboard([*rows, self._cancel_row()]),
        )

    def _note(self) -> Screen:
        t = self.t
        return Screen(
            texts.note_question(t),
            self.keyboard([[(texts.label(t, "nothing"), b.NothingToAdd())], self._cancel_row()]),
        )

    def _name(self) -> Screen:
        t = self.t
        rows: list[Row] = []
        if steps.clean_name(self.first_name):
            rows.append([(texts.use_name_label(t, self.first_name), b.UseTelegramName())])
        return Screen(texts.name_question(t), self.keyboard([*rows, self._cancel_row()]))

    def _phone(self) -> Screen:
        t = self.t
        share = KeyboardButton(texts.share_phone_label(t), request_contact=True)
        markup = ReplyKeyboardMarkup([[share]], resize_keyboard=True, one_time_keyboard=True)
        return Screen(texts.phone_question(t), markup)

    def _cancel_row(self) -> Row:
        return [(texts.label(self.t, "cancel"), b.CancelFlow())]

    # Screens that look at the calendar

    def _rule_and_count(self) -> tuple[Any, int]:
        return self.treatment.series_rule(), int(self.answers["count"])

    def today(self) -> date:
        """Today in the clinic's zone."""
        return self.now.astimezone(zone_named(self.services.clinic.clinic.timezone)).date()

    def clamp_month(self, year: int, month: int) -> tuple[int, int]:
        """A month between this one and MONTHS_AHEAD later."""
        today = self.today()
        index = max(0, min(MONTHS_AHEAD, (year - today.year) * 12 + month - today.month))
        total = today.year * 12 + today.month - 1 + index
        return total // 12, total % 12 + 1

    async def free_dates(self, year: int, month: int) -> tuple[date, ...]:
        """The month's dates from which the whole course fits."""
        rule, count = self._rule_and_count()
        return await month_free_dates(
            session=self.session,
            calendar=await clinic_calendar(self.session, self.services.clinic),
            rule=rule,
            sessions=count,
            year=year,
            month=month,
            now=self.now,
        )

    async def free_times(self, day: date) -> tuple[time, ...]:
        """The date's times from which the whole course fits."""
        rule, count = self._rule_and_count()
        return await day_free_times(
            session=self.session,
            calendar=await clinic_calendar(self.session, self.services.clinic),
            rule=rule,
            sessions=count,
            day=day,
            now=self.now,
        )

    async def plan(self, day: date, minute: int) -> PlanResult:
        """The whole series from a first slot, against what is booked now."""
        rule, count = self._rule_and_count()
        return await plan_from_database(
            session=self.session,
            calendar=await clinic_calendar(self.session, self.services.clinic),
            rule=rule,
            sessions=count,
            first_date=day,
            first_time=time(minute // 60, minute % 60),
            now=self.now,
        )

    async def _calendar(self) -> list[Screen]:
        year, month = self.clamp_month(*self.answers.get("month", (0, 0)))
        free = await self.free_dates(year, month)
        heading = texts.calendar_heading(
            self.t, month=texts.month_label(year, month, self.language), any_free=bool(free)
        )
        rows = month_rows(self, year, month, free, b.FirstDate, b.CalendarMonth)
        return [Screen(heading, self.keyboard([*rows, self._cancel_row()]))]

    async def _times(self) -> list[Screen]:
        day = date.fromisoformat(self.answers["day"])
        times = await self.free_times(day)
        if not times:
            return await self.go(steps.DATE, texts.date_taken(self.t))
        buttons: Row = [(texts.clock_label(w), b.FirstTime(day, minute_of_day(w))) for w in times]
        rows: list[Row] = [buttons[i : i + 4] for i in range(0, len(buttons), 4)]
        rows.append(
            [
                (texts.label(self.t, "other_date"), b.CalendarMonth(day.year, day.month)),
                *self._cancel_row(),
            ]
        )
        heading = texts.times_heading(self.t, day=escape(texts.day_label(day, self.language)))
        return [Screen(heading, self.keyboard(rows))]

    async def _preview(self) -> list[Screen]:
        answers = self.answers
        day, minute = date.fromisoformat(answers["day"]), int(answers["minute"])
        plan = await self.plan(day, minute)
        if not isinstance(plan, PlannedSeries):
            return await self.go(steps.DATE, texts.date_taken(self.t))
        return [self.preview_screen(plan, day, minute)]

    def preview_screen(self, plan: PlannedSeries, day: date, minute: int) -> Screen:
        """The series with Confirm / Change date / Cancel."""
        t, answers = self.t, self.answers
        text = texts.preview(
            t,
            treatment=self.treatment.name.in_language(self.language),
            area=answers.get("area"),
            sessions=[(s.local_date, s.local_time) for s in plan.sessions],
            zone=self.services.clinic.clinic.timezone,
            name=answers.get("name", ""),
            phone=answers.get("phone", ""),
            language=self.language,
        )
        confirm = b.ConfirmBooking(day, minute, steps.plan_digest(plan))
        return Screen(
            text,
            self.keyboard(
                [
                    [(texts.label(t, "confirm"), confirm)],
                    [
                        (texts.label(t, "change_date"), b.CalendarMonth(day.year, day.month)),
                        *self._cancel_row(),
                    ],
                ]
            ),
        )


_FIXED = {
    steps.CONSENT: Flow._consent,
    steps.ADULT: Flow._adult,
    steps.BROWSE: Flow._list,
    steps.TREATMENT: Flow._list,
    steps.AREA: Flow._area,
    steps.COUNT: Flow._count,
    steps.NOTE: Flow._note,
    steps.NAME: Flow._name,
    steps.PHONE: Flow._phone,
}


def month_rows(
    flow: Flow,
    year: int,
    month: int,
    free: tuple[date, ...],
    pick: Any,
    navigate: Any,
    *prefix: int,
) -> list[Row]:
    """A month as rows of weekdays: free dates are buttons, other days greyed out.

    `pick(*prefix, day)` and `navigate(*prefix, year, month)` build the buttons' data, so the
    same calendar serves booking and moving a session.
    """
    blank = b.Unavailable()
    rows: list[Row] = [[(initial, blank) for initial in texts.weekday_initials(flow.language)]]
    first_weekday, length = gregorian.monthrange(year, month)
    cells: list[tuple[str, ButtonData]] = [("·", blank)] * first_weekday
    for offset in range(length):
        day = date(year, month, 1) + timedelta(days=offset)
        cells.append((str(day.day), pick(*prefix, day)) if day in free else ("·", blank))
    cells += [("·", blank)] * (-len(cells) % 7)
    rows += [cells[i : i + 7] for i in range(0, len(cells), 7)]
    navigation: Row = []
    earlier = flow.clamp_month(year, month - 1) if month > 1 else flow.clamp_month(year - 1, 12)
    later = flow.clamp_month(year, month + 1) if month < 12 else flow.clamp_month(year + 1, 1)
    if earlier != (year, month):
        navigation.append((texts.label(flow.t, "previous"), navigate(*prefix, *earlier)))
    if later != (year, month):
        navigation.append((texts.label(flow.t, "next"), navigate(*prefix, *later)))
    rows.append(navigation)
    return rows

"""The booking flow's state machine: one patient's draft in, the screens of its current step out.

A `Flow` is one patient's turn, inside the caller's database transaction: steps change the
draft with `go()` and get back the screens of the step they moved to. Nothing is kept in memory
between updates, so a restart loses nothing. Nothing here knows Telegram: screens carry the
core's keyboards (`mesobot.screens`), which the handlers turn into markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from gettext import NullTranslations
from typing import TYPE_CHECKING, Any

from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.booking import day_free_times, month_free_dates, plan_from_database
from mesobot.catalog import Treatment
from mesobot.drafts import clear_draft, load_draft, save_draft
from mesobot.flow import steps
from mesobot.flow.screens import step_screens
from mesobot.i18n import translations
from mesobot.models import FlowDraft, Patient
from mesobot.scheduling.localtime import zone_named
from mesobot.scheduling.series import PlanResult, SeriesRule
from mesobot.screens import InlineRows, Row, Screen, inline_rows
from mesobot.staff.closures import clinic_calendar
from mesobot.texts import booking as texts

if TYPE_CHECKING:
    from mesobot.services import Services

MONTHS_AHEAD = 12  # how far the calendar lets a patient look


@dataclass
class Outcome:
    """What a tap leads to: a short notice on the button, and the messages to send."""

    screens: list[Screen] = field(default_factory=list)
    notice: str | None = None


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

    def keyboard(self, rows: Iterable[Row]) -> InlineRows:
        """Inline buttons for this flow, their data encoded by the codec."""
        return inline_rows(self.services.codec, rows)

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
        await self.end()
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
        screens = await step_screens(self)
        if screens is None:  # a step from an older version of the bot: begin again
            return await self.restart(lead)
        return [screens[0].led_by(lead), *screens[1:]]

    async def stale(self, notice: str) -> Outcome:
        """An old button: a short notice and the current step again."""
        if self.draft is None:
            notice = texts.expired_button(self.t)
        return Outcome(await self.show(notice), notice=notice)

    # The calendar, as far as the patient's course fits

    def rule_and_count(self) -> tuple[SeriesRule, int]:
        """The chosen treatment's series rule and number of sessions."""
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
        rule, count = self.rule_and_count()
        return await month_free_dates(
            session=self.session,
            calendar=await clinic_calendar(self.session, self.services.clinic),
            rule=rule,
            session_count=count,
            year=year,
            month=month,
            now=self.now,
        )

    async def free_times(self, day: date) -> tuple[time, ...]:
        """The date's times from which the whole course fits."""
        rule, count = self.rule_and_count()
        return await day_free_times(
            session=self.session,
            calendar=await clinic_calendar(self.session, self.services.clinic),
            rule=rule,
            session_count=count,
            day=day,
            now=self.now,
        )

    async def plan(self, day: date, minute: int) -> PlanResult:
        """The whole series from a first slot, against what is booked now."""
        rule, count = self.rule_and_count()
        return await plan_from_database(
            session=self.session,
            calendar=await clinic_calendar(self.session, self.services.clinic),
            rule=rule,
            session_count=count,
            first_date=day,
            first_time=time(minute // 60, minute % 60),
            now=self.now,
        )

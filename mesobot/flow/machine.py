"""The booking flow's state machine: one patient's draft in, the screens of its current step out.

A `Flow` is one patient's turn (`mesobot.flow.turn`: read and render, then store the change):
steps change the draft with `go()` and get back the screens of the step they moved to. The
draft lives in the database, so a restart loses nothing. Nothing here knows Telegram: screens
carry the core's keyboards (`mesobot.screens`), which the handlers turn into markup.

The calendar, free times and plans are computed once per turn (`Turn.computed`): a step that
checks a date's times and then shows them reads the bookings once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time
from gettext import NullTranslations
from typing import Any

from mesobot.booking import day_free_times, month_free_dates, plan_from_database
from mesobot.catalog import Treatment
from mesobot.drafts import BOOKING
from mesobot.flow import steps
from mesobot.flow.screens import step_screens
from mesobot.flow.turn import Turn
from mesobot.i18n import translations
from mesobot.models import Patient
from mesobot.scheduling.calendar import Calendar
from mesobot.scheduling.localtime import zone_named
from mesobot.scheduling.series import PlanResult, SeriesRule
from mesobot.screens import InlineRows, Row, Screen, inline_rows
from mesobot.staff.closures import clinic_calendar
from mesobot.texts import booking as texts

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


class Flow(Turn):
    """One patient's turn in the booking flow."""

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
        self.set_draft(step, self.answers | changes, BOOKING)
        return await self.show(lead)

    async def restart(self, lead: str | None = None) -> list[Screen]:
        """Begin the flow afresh at the patient's entry step."""
        self.end()
        return await self.go(entry_step(self.patient), lead)

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

    async def calendar(self) -> Calendar:
        """The clinic's calendar with the closures staff set, read once per turn."""
        return await self.computed(
            "calendar", lambda: clinic_calendar(self.session, self.services.clinic)
        )

    def window(self) -> tuple[date, date] | None:
        """The days a follow-up session (`mesobot.flow.second_session`) may fall on, if the
        draft books one; the calendar and times offer only those."""
        days = self.answers.get("window")
        if not days:
            return None
        return date.fromisoformat(days[0]), date.fromisoformat(days[1])

    def in_window(self, day: date) -> bool:
        """Whether `day` may be offered (always, outside a follow-up booking)."""
        bounds = self.window()
        return bounds is None or bounds[0] <= day <= bounds[1]

    async def free_dates(self, year: int, month: int) -> tuple[date, ...]:
        """The month's dates from which the whole course fits."""
        return tuple(day for day in await self._free_dates(year, month) if self.in_window(day))

    async def _free_dates(self, year: int, month: int) -> tuple[date, ...]:
        rule, count = self.rule_and_count()
        calendar = await self.calendar()
        return await self.computed(
            ("dates", rule, count, year, month),
            lambda: month_free_dates(
                session=self.session,
                calendar=calendar,
                rule=rule,
                session_count=count,
                year=year,
                month=month,
                now=self.now,
            ),
        )

    async def free_times(self, day: date) -> tuple[time, ...]:
        """The date's times from which the whole course fits."""
        if not self.in_window(day):
            return ()
        rule, count = self.rule_and_count()
        calendar = await self.calendar()
        return await self.computed(
            ("times", rule, count, day),
            lambda: day_free_times(
                session=self.session,
                calendar=calendar,
                rule=rule,
                session_count=count,
                day=day,
                now=self.now,
            ),
        )

    async def plan(self, day: date, minute: int) -> PlanResult:
        """The whole series from a first slot, against what is booked now."""
        rule, count = self.rule_and_count()
        calendar = await self.calendar()
        return await self.computed(
            ("plan", rule, count, day, minute),
            lambda: plan_from_database(
                session=self.session,
                calendar=calendar,
                rule=rule,
                session_count=count,
                first_date=day,
                first_time=time(minute // 60, minute % 60),
                now=self.now,
            ),
        )

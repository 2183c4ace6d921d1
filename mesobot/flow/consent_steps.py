"""Consent in the flow: the consent step's answer, /consent, and withdrawing.

Each change is stored twice in one transaction: the patient row holds the current consent
and the history gets an event (`mesobot.privacy.consent`).
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.drafts import BOOKING
from mesobot.flow import buttons as b
from mesobot.flow import steps
from mesobot.flow.machine import Flow, Outcome
from mesobot.privacy.consent import (
    give_consent,
    has_consent,
    record_consent_event,
    withdraw_consent,
)
from mesobot.scheduling.localtime import zone_named
from mesobot.screens import Screen
from mesobot.texts import booking as texts
from mesobot.texts import consent as consent_texts
from mesobot.texts.dates import day_label


async def on_consent(flow: Flow, data: b.ConsentAnswer) -> Outcome:
    """Store consent (version and time) and go on; without it, treatments can only be read.

    Declining a newer text after agreeing to an earlier one withdraws the earlier consent.
    """
    if flow.step not in (steps.CONSENT, steps.BROWSE):
        return await flow.stale(texts.stale_button(flow.t))
    if not data.agree:
        if has_consent(flow.patient):
            await _record(flow, withdraw_consent(flow.patient), given=False)
        return Outcome(await flow.go(steps.BROWSE))
    give_consent(flow.patient, version=steps.CONSENT_VERSION, now=flow.now)
    await _record(flow, steps.CONSENT_VERSION, given=True)
    step = steps.ADULT if flow.patient.adult_confirmed_at is None else steps.TREATMENT
    return Outcome(await flow.go(step))


async def consent_command(flow: Flow) -> list[Screen]:
    """/consent: with the current consent, when it was given and a Withdraw button; without
    it (or with an older text's), the consent text to agree to."""
    patient = flow.patient
    if patient.consent_version != steps.CONSENT_VERSION or patient.consent_at is None:
        lead = consent_texts.not_given(flow.t) if not has_consent(patient) else None
        return await flow.go(steps.CONSENT, lead)
    zone = zone_named(flow.services.clinic.clinic.timezone)
    given = day_label(patient.consent_at.astimezone(zone).date(), flow.language)
    withdraw = (consent_texts.withdraw_label(flow.t), b.WithdrawConsent())
    return [Screen(consent_texts.given(flow.t, date=given), flow.keyboard([[withdraw]]))]


async def on_withdraw(flow: Flow, _data: b.WithdrawConsent) -> Outcome:
    """Withdraw consent: no tips, check-ins or bookings until it is given again; a booking
    under way ends (booked sessions, and /appointments to change them, stay)."""
    if not has_consent(flow.patient):
        return Outcome([Screen(consent_texts.already_withdrawn(flow.t))])
    if flow.draft is not None and flow.draft.flow == BOOKING:
        flow.end()
    await _record(flow, withdraw_consent(flow.patient), given=False)
    return Outcome([Screen(consent_texts.withdrawn(flow.t))])


async def _record(flow: Flow, version: str | None, *, given: bool) -> None:
    """The history's event, in the write that stores the patient as the step changed it."""
    patient_id = flow.patient.id
    assert patient_id is not None
    assert version is not None

    async def record(session: AsyncSession) -> None:
        await record_consent_event(
            session, patient_id=patient_id, version=version, given=given, now=flow.now
        )

    await flow.write(record)

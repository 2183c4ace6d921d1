"""A patient asking to talk to a person: each staff member is told privately, through the
outbox, at most once an hour per patient (pressing again changes nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.callbacks import ButtonData, button
from mesobot.care.subjects import patient_contact
from mesobot.i18n import translations
from mesobot.models import Patient
from mesobot.outbox.enqueue import enqueue_to_staff
from mesobot.outbox.policies import ALWAYS_SEND, KindRegistry, RenderedMessage, RenderRequest
from mesobot.services import Services
from mesobot.texts import clinic as texts

CALL_REQUESTED = "patient.call_requested"


@button("pc")
@dataclass(frozen=True)
class TalkToPerson(ButtonData):
    """A patient's "Talk to a person" (under /help and /clinic)."""


async def request_call(
    *, session: AsyncSession, services: Services, patient_id: int, now: datetime
) -> None:
    """Queue the staff notice (no commit: the caller's transaction)."""
    hour = now.astimezone(UTC).strftime("%Y-%m-%dT%H")
    await enqueue_to_staff(
        session=session,
        staff_ids=services.settings.mesobot_staff_ids,
        kind=CALL_REQUESTED,
        payload={"patient_id": patient_id},  # the name and phone are read when it is sent
        due_at=now,
        key_prefix=f"call:{patient_id}:{hour}",
        now=now,
    )


async def render_call_requested(request: RenderRequest) -> RenderedMessage | None:
    """The notice, with the patient's name and phone as they are when it is sent."""
    patient = await request.session.get(Patient, request.message.payload.get("patient_id"))
    if patient is None or patient.erased_at is not None:
        return None
    name, _phone = patient_contact(patient, None)
    t = translations(request.language)
    return RenderedMessage(texts.staff_call_request(t, patient=name, phone=patient.phone))


def register_contact_kinds(kinds: KindRegistry) -> None:
    """Add the staff notice of a call request to the outbox's kinds."""
    kinds.register(
        CALL_REQUESTED, render=render_call_requested, late_policy=ALWAYS_SEND, for_staff=True
    )

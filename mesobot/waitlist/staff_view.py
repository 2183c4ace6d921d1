"""Staff's /waitlist, without Telegram: every waiting entry in order of joining, with Remove.

Shown only in a staff member's private chat (the staff group gets "send this to me
privately"): it names patients and treatments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.i18n import translations
from mesobot.models import Patient
from mesobot.outbox.policies import Button, RenderedMessage
from mesobot.scheduling.localtime import zone_named
from mesobot.staff import buttons
from mesobot.texts import escape
from mesobot.texts import waitlist as texts
from mesobot.texts.dates import day_label
from mesobot.waitlist.entries import clinic_waiting_count, waiting_entries

if TYPE_CHECKING:
    from mesobot.services import Services

SHOWN = 30  # entries listed, each with its button (Telegram allows 100 buttons)


async def staff_waitlist(
    session: AsyncSession, services: Services, language: str
) -> RenderedMessage:
    """The list as one message; the oldest SHOWN entries, each with Remove #id."""
    t = translations(language)
    rows = await waiting_entries(session, services.clinic.clinic.id, SHOWN)
    ids = {entry.patient_id for entry in rows}
    patients = {
        p.id: p for p in await session.exec(select(Patient).where(col(Patient.id).in_(ids)))
    }
    total = await clinic_waiting_count(session, services.clinic.clinic.id)
    lines = [texts.staff_list(t, total)]
    if total > len(rows):
        lines.append(texts.staff_more(t, len(rows)))
    keyboard: list[tuple[Button, ...]] = []
    for entry in rows:
        assert entry.id is not None
        patient = patients.get(entry.patient_id)
        name = (patient.display_name if patient else None) or entry.answers.get("name") or "?"
        treatment = services.clinic.treatments.get(entry.treatment)
        line = texts.range_line(
            t,
            treatment=escape(treatment.name.in_language(language) if treatment else "?"),
            first=entry.first_day,
            last=entry.last_day,
            part=entry.part_of_day,
            weekdays_only=entry.weekdays_only,
            language=language,
        )
        joined = day_label(
            entry.created_at.astimezone(zone_named(services.clinic.clinic.timezone)).date(),
            language,
        )
        lines.append(
            "\n"
            + texts.staff_entry(
                t, number=entry.id, patient=escape(str(name)), line=line, joined=escape(joined)
            )
        )
        data = services.codec.encode(buttons.RemoveWaitlistEntry(entry.id))
        keyboard.append((Button(texts.remove_label(t, entry.id), data),))
    return RenderedMessage("\n".join(lines), tuple(keyboard))

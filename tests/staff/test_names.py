"""A staff member's Telegram name, which other staff read ("already confirmed by Rita"), loses
its format and control characters like a patient's."""

from __future__ import annotations

from sqlmodel import select

from mesobot.staff.models import AuditEntry
from tests.staff.conftest import Clinic


async def test_a_staff_name_with_an_override_reaches_other_staff_plain(clinic: Clinic) -> None:
    """Rita's Telegram name carries a right-to-left override and a zero-width space: Bob,
    pressing the same Confirm after her, reads "Rita"; the audit log keeps "Rita"."""
    clinic.rita.user.first_name = "Ri\u200bta\u202e"
    booked = await clinic.request()
    course_id = booked.course.id
    notices = []
    for staff in (clinic.rita, clinic.bob):
        notices.append(
            await staff.next_bot_message(
                after=None, where=lambda m: f"Request #{course_id}" in (m.text or ""), within=10
            )
        )
    first = clinic.rita.press_button("✅ Confirm all", message=notices[0])
    await clinic.emulator.wait_for(lambda: first.answered)
    second = clinic.bob.press_button("✅ Confirm all", message=notices[1])
    answer = await clinic.emulator.wait_for(lambda: second.answer)
    assert answer["text"] == "Already confirmed by Rita at 09:00."
    async with clinic.services.database.read() as session:
        names = list(await session.exec(select(AuditEntry.staff_name)))
    assert names == ["Rita"]

"""Which language to answer a live update in: the one stored for its sender.

Telegram's language_code decides only the first time: a patient's is stored on their patient
record when they first write, a staff member's in `staff_language` on their first contact
(from their patient record if they have one), and /language changes either. Outside a
private chat (the staff group) the bot speaks the clinic's first declared language.
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from mesobot.patients import stored_language
from mesobot.services import Services
from mesobot.staff.languages import set_staff_language, staff_language


async def language_of(update: Update, services: Services) -> str:
    """The language to answer the user of `update` in."""
    user, chat = update.effective_user, update.effective_chat
    declared = services.clinic.clinic.languages
    if user is None or (chat is not None and chat.type != ChatType.PRIVATE):
        return declared[0]
    if services.is_staff(user.id):
        return await _staff_language(services, user.id, user.language_code)
    async with services.database.read() as session:
        stored = await stored_language(
            session=session, telegram_user_id=user.id, declared=declared
        )
    return stored or services.language_for(user.language_code)


async def _staff_language(services: Services, staff_id: int, language_code: str | None) -> str:
    """A staff member's stored language; on their first contact, stored from their patient
    record's or Telegram's."""
    declared = services.clinic.clinic.languages
    async with services.database.read() as session:
        stored = await staff_language(session=session, staff_id=staff_id)
    if stored is not None:
        return stored if stored in declared else declared[0]
    async with services.database.write() as session:
        language = await stored_language(
            session=session, telegram_user_id=staff_id, declared=declared
        ) or services.language_for(language_code)
        await set_staff_language(
            session=session, staff_id=staff_id, language=language, now=services.clock.now()
        )
    return language

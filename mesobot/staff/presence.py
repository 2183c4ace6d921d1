"""Whether anyone reads the bot for the clinic: what patient texts promise depends on it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mesobot.services import Services


def no_staff_phone(services: Services) -> str | None:
    """None while staff are configured (MESOBOT_STAFF_IDS); without any, the clinic's phone
    ("" if the clinic file gives none), which patient texts give instead of promising that
    staff have, or will see, what the patient sent."""
    if services.settings.mesobot_staff_ids:
        return None
    return services.clinic.clinic.phone

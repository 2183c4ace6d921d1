"""What every handler and job shares: settings, clock, database, codec and clinic."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mesobot.callbacks import CallbackCodec
from mesobot.clock import Clock
from mesobot.config import Settings
from mesobot.db import Database
from mesobot.i18n import pick_language
from mesobot.outbox.kinds import default_kinds
from mesobot.outbox.policies import KindRegistry

if TYPE_CHECKING:
    from mesobot.clinic import Clinic
    from mesobot.lifecycle import Observer


@dataclass(frozen=True)
class Services:
    """The running bot's collaborators, built once in `build_application`."""

    settings: Settings
    clock: Clock
    database: Database
    codec: CallbackCodec
    clinic: Clinic
    # `bot.py --webhook`: updates come through the inbox, replies through the outbox.
    webhook: bool = False
    # Features register their message kinds here while the application is built.
    outbox_kinds: KindRegistry = field(default_factory=default_kinds)
    # What hangs off sessions (care messages, calendar files) registers here; app.py puts
    # the default observers first.
    session_observers: list[Observer] = field(default_factory=list)

    def language_for(self, language_code: str | None) -> str:
        """The clinic's language for a Telegram `language_code` (its first one if undeclared)."""
        return pick_language(language_code, self.clinic.clinic.languages)

    def is_staff(self, user_id: int | None) -> bool:
        """Whether a Telegram user is one of the clinic's staff."""
        return user_id is not None and user_id in self.settings.mesobot_staff_ids

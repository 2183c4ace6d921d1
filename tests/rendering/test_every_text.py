"""Every message kind, rendered from one fixture world in every language the bot speaks.

The render layer is called directly (no application, no emulator) so that it stays fast. A
language added under mesobot/locale is checked by this test without a change to it. It fails
when a button label is over 32 characters (Telegram cuts it on a phone), when a raw key or an
ISO date reaches a patient or staff member, or when a count is not pluralised ("1 sessions").
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable

import pytest

from mesobot.app import build_services
from mesobot.clock import ManualClock
from mesobot.config import DEFAULT_CLINIC_FILE, Settings
from mesobot.i18n import available_languages
from mesobot.outbox.policies import RenderedMessage, RenderRequest
from mesobot.services import Services
from tests.rendering.world import NOW, STAFF_GROUP, STAFF_IDS, World, build_world, late_by

LANGUAGES = sorted(available_languages())
BUTTON_LIMIT = 32
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TAG = re.compile(r"<[^>]+>")
# Nouns that follow a count, in the plural, in every language the catalogs hold: one of them
# after a lone "1" is a count that skipped ngettext.
PLURAL_NOUNS = {
    # English
    "sessions", "hours", "days", "minutes", "weeks", "years", "requests", "photos",
    "closures", "attempts", "changes", "appointments", "treatments", "courses", "messages",
    # Spanish
    "sesiones", "horas", "días", "minutos", "semanas", "años", "solicitudes", "fotos",
    "cierres", "intentos", "cambios", "citas", "tratamientos", "mensajes",
}  # fmt: skip
# Problems another section of issue 16 fixes (staff request notices' questionnaire labels),
# landing on its own branch: remove the entry once it has.
AWAITING = {("staff.new_request", "raw key 'never_had'")}
LONE_ONE = re.compile(r"(?<![\d.,:/])\b1 (\w+)")
SNAKE_CASE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


def problems(where: str, text: str, labels: Iterable[str]) -> list[str]:
    """What is wrong with one rendered text and its buttons. A raw key is a snake_case word
    (facial_rejuvenation, never_had, love_handles): no reader's word is written so."""
    found = [
        f"{where}: button {label!r} is {len(label)} characters"
        for label in labels
        if len(label) > BUTTON_LIMIT
    ]
    for shown in [TAG.sub("", text), *labels]:
        found += [f"{where}: ISO date {m!r}" for m in ISO_DATE.findall(shown)]
        found += [f"{where}: raw key {m!r}" for m in SNAKE_CASE.findall(shown)]
        found += [
            f"{where}: '1 {noun}' is not pluralised"
            for noun in LONE_ONE.findall(shown)
            if noun.lower() in PLURAL_NOUNS
        ]
    return found


def labels_of(message: RenderedMessage) -> list[str]:
    """Every button label of a rendered message."""
    return [button.label for row in message.buttons for button in row]


@pytest.fixture
async def services(database_url: str) -> AsyncIterator[Services]:
    """The collaborators with every kind registered, on a fresh database and the test clock."""
    settings = Settings(
        telegram_bot_token="123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678",  # type: ignore[arg-type]
        database_url=database_url,
        mesobot_staff_ids=STAFF_IDS,
        mesobot_staff_chat_id=STAFF_GROUP,
        mesobot_clinic_file=DEFAULT_CLINIC_FILE,
    )
    services = build_services(settings, clock=ManualClock(NOW))
    yield services
    await services.database.dispose()


async def render_all(services: Services, world: World, language: str) -> list[str]:
    """Render every queued message in `language`; the problems found, and kinds never shown."""
    found: list[str] = []
    shown: set[str] = set()
    async with services.database.read() as session:
        for message in world.messages:
            kind = services.outbox_kinds.get(message.kind)
            assert kind is not None, message.kind
            request = RenderRequest(session, message, language, late_by(message))
            rendered = await kind.render(request)
            if rendered is None:
                continue
            shown.add(message.kind)
            where = f"{message.kind} #{message.id} ({language})"
            found += [
                problem
                for problem in problems(where, rendered.text, labels_of(rendered))
                if not any(message.kind == k and problem.endswith(p) for k, p in AWAITING)
            ]
    found += [
        f"{name}: no message of this kind rendered in the fixture world ({language})"
        for name in sorted(set(services.outbox_kinds.kinds) - shown)
    ]
    return found


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_message_kind_reads_well(services: Services, language: str) -> None:
    """Every kind the outbox knows, for patients and staff, in `language`."""
    world = await build_world(services, language)
    found = await render_all(services, world, language)
    assert not found, "\n".join(found)

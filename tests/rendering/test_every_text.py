"""Every message kind, rendered from one fixture world in every language the bot speaks.

The render layer is called directly (no application, no emulator) so that it stays fast. A
language added under mesobot/locale is checked by this test without a change to it. It fails
when a button label is over 32 characters (Telegram cuts it on a phone), when a raw key or an
ISO date reaches a patient or staff member, or when a count is not pluralised ("1 sessions").
"""

from __future__ import annotations

import pytest

from mesobot.outbox.policies import RenderRequest
from mesobot.services import Services
from tests.rendering.checks import AWAITING, LANGUAGES, labels_of, problems
from tests.rendering.world import World, build_world, late_by


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
                for problem in problems(where, rendered.text, labels_of(rendered), language)
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

"""/patient matches names literally (LIKE's wildcards typed by staff match only themselves),
and finds a patient by the Telegram @username they have now."""

from __future__ import annotations

from mesobot.models import Patient
from tests.staff.conftest import Clinic, answer_to, started

NAMES = ("Bo 100% López", "Carla_M", "Dee/Dee")


async def _add_patients(clinic: Clinic) -> None:
    now = clinic.clock.now()
    async with clinic.services.database.write() as session:
        for n, name in enumerate(NAMES):
            session.add(
                Patient(
                    telegram_user_id=700 + n, created_at=now, last_seen_at=now, display_name=name
                )
            )


async def test_wildcards_typed_in_patient_match_only_themselves(clinic: Clinic) -> None:
    """ "%%" lists nobody (it listed everyone); "n_p" is not "n", any letter, "p"; the escape
    character itself is matched as typed."""
    await _add_patients(clinic)
    for typed in ("%%", "__", "n_p", "%a%", "a/"):
        reply = await answer_to(clinic.rita, "patient", typed)
        assert reply.text == f"No patient matches {typed}.", typed
    for typed, name in (("0%", "Bo 100% López"), ("a_m", "Carla_M"), ("e/d", "Dee/Dee")):
        reply = await answer_to(clinic.rita, "patient", typed)
        assert (reply.text or "").startswith(name), (typed, reply.text)
    reply = await answer_to(clinic.rita, "patient", "pére")
    assert (reply.text or "").startswith("Ana Pérez")


async def test_a_patient_is_found_by_the_username_they_have_now(clinic: Clinic) -> None:
    """Eva talks to the bot as @Eva_K: staff find her by it, in any case. She renames herself
    in Telegram and talks to the bot again: the old name finds nobody, the new one finds her;
    without a username she is no longer found by one."""
    eva = started(clinic.emulator, "Eva", username="Eva_K")
    await answer_to(eva, "appointments")
    reply = await answer_to(clinic.rita, "patient", "@eva_k")
    assert (reply.text or "").startswith(f"Telegram user {eva.id} (#")
    assert f"Telegram {eva.id}, @Eva_K)" in (reply.text or "")
    eva.user.username = "eva_new"
    await answer_to(eva, "appointments")
    reply = await answer_to(clinic.rita, "patient", "@Eva_K")
    assert reply.text == "No patient matches @Eva_K."
    reply = await answer_to(clinic.rita, "patient", "@EVA_NEW")
    assert f"Telegram {eva.id}, @eva_new)" in (reply.text or "")
    eva.user.username = None
    await answer_to(eva, "appointments")
    reply = await answer_to(clinic.rita, "patient", "@eva_new")
    assert reply.text == "No patient matches @eva_new."
    reply = await answer_to(clinic.rita, "patient", str(eva.id))
    assert f"Telegram {eva.id})" in (reply.text or "")

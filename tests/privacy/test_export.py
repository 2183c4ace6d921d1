"""/mydata and staff's Export through the emulator: the summary, the JSON document and its
schema, staff views shown to the patient, and the short answer for someone unknown."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
from sqlalchemy import inspect
from sqlmodel import SQLModel, select

from botapi_emulator.state import Message
from mesobot.clock import ManualClock
from mesobot.flow.steps import CONSENT_VERSION
from mesobot.models import Appointment, Patient
from mesobot.privacy import erasure_data
from mesobot.privacy.export import load_schema
from mesobot.privacy.models import ClinicalIdentity
from mesobot.privacy.patient_tables import PATIENT_TABLES
from mesobot.staff.audit import StaffActor, record_action
from mesobot.staff.models import AuditEntry
from tests.booking.driver import courses_of
from tests.booking.test_flow import pick_first_slot, through_consent
from tests.factories import sample_clinic
from tests.privacy.conftest import Clinic

NAME = "Inés Peñalver"
PHONE = "34611987654"
NOTE = "Moratón fácil tras la última sesión"
PHOTO_CAPTION = "since this morning"
INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+00:00$")


def _text(message: Message) -> str:
    return message.text or message.caption or ""


async def _book_and_confirm(clinic: Clinic) -> list[Appointment]:
    """Inés books a facial course with her answers, name, phone and a note; Rita confirms."""
    patient = clinic.patient
    await through_consent(patient)
    await patient.tap("Facial rejuvenation")
    await patient.tap("Book this treatment")
    for answer in ("Yes: lidocaine or procaine", "No", "No", "No", "Never had injections"):
        await patient.tap(answer)
    await patient.text(NOTE)
    await patient.text(NAME)
    await patient.contact(PHONE)
    await pick_first_slot(patient, 7, "10:00")
    await patient.tap("Confirm")
    notice = await clinic.rita.next_bot_message(
        where=lambda m: "✅ Confirm all" in m.button_labels, within=10
    )
    clinic.rita.press_button("✅ Confirm all", message=notice)
    await patient.user.next_bot_message(where=lambda m: m.document is not None, within=10)
    [(_course, appointments)] = await courses_of(
        patient.app.bot_data.services.database, patient.user.id
    )
    return appointments


async def _report_with_photo(clinic: Clinic) -> None:
    """Inés reports a reaction and sends a photo of it; Rita gets the photo."""
    user = clinic.patient.user
    sign = next(key for key, s in sample_clinic().care.signs.items() if s.severity == "low")
    user.send_command("report")
    question = await user.next_bot_message(where=lambda m: "What do you see" in _text(m))
    user.press_button(sample_clinic().care.signs[sign].label.in_language("en"), message=question)
    await user.next_bot_message(after=question, where=lambda m: "send a photo" in _text(m))
    user.send_photo(caption=PHOTO_CAPTION)
    await clinic.rita.next_bot_message(where=lambda m: m.photo is not None, within=10)


async def _patient_id(clinic: Clinic) -> int:
    async with clinic.app.bot_data.services.database.read() as session:
        found = await session.exec(
            select(Patient.id).where(Patient.telegram_user_id == clinic.patient.user.id)
        )
        patient_id = found.first()
    assert patient_id is not None
    return patient_id


def _document(message: Message) -> dict[str, Any]:
    """The JSON file a message carries, checked against the schema kept in the repository."""
    assert message.document is not None, _text(message)
    assert message.document.file_name is not None
    assert re.fullmatch(r"mydata-\d{4}-\d{2}-\d{2}\.json", message.document.file_name)
    document: dict[str, Any] = json.loads(message.document.content.decode())
    jsonschema.Draft202012Validator.check_schema(load_schema())
    jsonschema.validate(document, load_schema(), cls=jsonschema.Draft202012Validator)
    return document


async def test_mydata_sends_a_summary_and_every_field_as_json(
    clinic: Clinic, clock: ManualClock
) -> None:
    """A booked, questioned, reporting patient gets the summary (with the staff view), then
    the file: valid against the schema, and holding their name, phone, answers and sessions."""
    appointments = await _book_and_confirm(clinic)
    await _report_with_photo(clinic)
    patient_id = await _patient_id(clinic)
    viewed_at = clock.now()
    async with clinic.app.bot_data.services.database.write() as session:
        await record_action(
            session=session,
            staff=StaffActor(clinic.rita.id, "Rita Gómez"),
            action="view:reports",
            at=viewed_at,
            patient_id=patient_id,
        )
    clock.advance(timedelta(minutes=5))
    replies = await clinic.patient.command("mydata")
    summary = "\n".join(_text(m) for m in replies if m.document is None)
    assert NAME in summary
    assert PHONE in summary
    assert "Treatments: 1, sessions: 4" in summary
    assert "Reaction reports: 1, photos: 1" in summary
    assert "/consent withdraws your consent" in summary  # withdrawal offered here too
    assert "5 years after your last session" in summary  # the clinic file's retention
    assert "365 days after the report is closed" in summary
    local = viewed_at.astimezone(clinic.app.bot_data.services.clinic.calendar().zone)
    assert f"{local:%Y-%m-%d %H:%M} Rita Gómez: your reaction reports" in summary
    [file] = [m for m in replies if m.document is not None]
    assert replies.index(file) == len(replies) - 1  # the summary comes first
    document = _document(file)
    assert document["profile"]["display_name"] == NAME
    assert document["profile"]["phone"] == PHONE
    assert document["profile"]["telegram_user_id"] == clinic.patient.user.id
    [course] = document["courses"]
    assert course["treatment"] == "facial_rejuvenation"
    assert NOTE in json.dumps(course["answers"], ensure_ascii=False)
    assert [s["code"] for s in document["sessions"]] == [a.code for a in appointments]
    first = document["sessions"][0]
    assert (first["local_time"], first["zone"]) == ("10:00:00", appointments[0].zone)
    assert INSTANT.match(first["start_utc"])
    [report] = document["reaction_reports"]
    photos = [report["photo_file_id"]] + [a["photo_file_id"] for a in document["report_additions"]]
    assert any(photos)
    assert PHOTO_CAPTION in json.dumps(document["report_additions"]) + str(report["description"])
    # The current consent, and its history: agreed once, in the booking flow.
    assert INSTANT.match(document["profile"]["consent_at"])
    [consent] = document["consent_history"]
    assert (consent["version"], consent["given"], consent["actor"]) == (
        CONSENT_VERSION,
        True,
        "patient",
    )
    assert document["messages"]
    assert {m["recipient"] for m in document["messages"]} == {clinic.patient.user.id}
    actions = [e["action"] for e in document["audit_entries"]]
    assert "confirm" in actions
    assert "view:reports" in actions


async def test_staff_export_goes_to_the_staff_members_private_chat(
    clinic: Clinic, clock: ManualClock
) -> None:
    """Export under /patient sends the same document to Rita privately and records it; the
    patient's own summary then says that Rita made a copy."""
    await _book_and_confirm(clinic)
    patient_id = await _patient_id(clinic)
    rita = clinic.rita
    rita.send_command("patient", str(patient_id))
    view = await rita.next_bot_message(where=lambda m: f"Export #{patient_id}" in m.button_labels)
    assert f"Erase #{patient_id}" in view.button_labels
    rita.press_button(f"Export #{patient_id}", message=view)
    file = await rita.next_bot_message(after=view, where=lambda m: m.document is not None)
    assert file.chat is rita.chat  # her private chat with the bot
    assert "do not forward" in _text(file)
    document = _document(file)
    assert document["profile"]["display_name"] == NAME
    assert document["profile"]["phone"] == PHONE
    async with clinic.app.bot_data.services.database.read() as session:
        entries = (
            await session.exec(select(AuditEntry).where(AuditEntry.action == "export:patient"))
        ).all()
    assert [(e.staff_id, e.patient_id) for e in entries] == [(rita.id, patient_id)]
    exports = [
        m
        for chat in clinic.patient.emulator.world.chats.values()
        for m in chat.messages
        if m.document is not None and (m.document.file_name or "").startswith("mydata-")
    ]
    assert exports == [file]  # nowhere else: not the patient's chat, not a group
    clock.advance(timedelta(minutes=1))
    replies = await clinic.patient.command("mydata")
    assert "Rita: a copy of all your data" in "\n".join(_text(m) for m in replies)


async def test_an_unknown_or_erased_user_is_told_nothing_is_stored(clinic: Clinic) -> None:
    """Someone the bot never met, and a patient after /forget, get one short line, no file."""
    patient = clinic.patient
    [reply] = await patient.command("mydata")
    assert _text(reply) == "I have nothing stored about you."
    assert reply.document is None
    await through_consent(patient)
    await patient.command("forget")
    await patient.tap("Yes, delete my data")
    [again] = await patient.command("mydata")
    assert _text(again) == "I have nothing stored about you."


def test_every_table_about_a_patient_is_exported_and_erased() -> None:
    """A table pointing at a patient, course, session or report is in PATIENT_TABLES (so the
    export reads it), and erasure's code names it (so erasure reaches it)."""
    listed = {inspect(table.model).local_table.name for table in PATIENT_TABLES}
    linked = {"patient", "course", "appointment", "reaction_report"}
    for table in SQLModel.metadata.sorted_tables:
        points = {key.column.table.name for key in table.foreign_keys} & linked
        names = {column.name for column in table.columns}
        if points or names & {"patient_id", "course_id", "appointment_id", "report_id"}:
            assert table.name in listed | {ClinicalIdentity.__tablename__}, table.name
    erasure = Path(erasure_data.__file__).read_text(encoding="utf-8")
    for table in PATIENT_TABLES:
        if table.section != "messages":  # erasure.py's forget_chat deletes them
            assert re.search(rf"\b{table.model.__name__}\b", erasure), table.model.__name__


def test_the_schema_names_every_column_of_every_exported_table() -> None:
    """Also for tables a test patient has no rows in: a new column fails here first."""
    definitions = load_schema()["$defs"]
    for table in PATIENT_TABLES:
        columns = [
            attribute.key
            for attribute in inspect(table.model).column_attrs
            if attribute.key not in table.hidden
        ]
        definition = definitions[table.model.__name__]
        assert definition["required"] == columns, table.section
        assert sorted(definition["properties"]) == sorted(columns), table.section
        assert definition["additionalProperties"] is False

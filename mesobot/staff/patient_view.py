"""/patient's view without Telegram: a patient's courses, sessions, questionnaire, reaction
reports and history, with Export and Erase, which mesobot/handlers/staff_patients.py sends."""

from __future__ import annotations

from datetime import datetime
from gettext import NullTranslations

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.callbacks import ButtonData
from mesobot.care.models import ReactionReport
from mesobot.i18n import translations
from mesobot.models import Appointment, Patient, SessionState
from mesobot.outbox.policies import RenderedMessage
from mesobot.privacy.erasure_buttons import StaffErase, created_stamp
from mesobot.privacy.export_buttons import StaffExport
from mesobot.privacy.models import ClinicalIdentity
from mesobot.screens import InlineRows, Row, inline_rows
from mesobot.services import Services
from mesobot.staff.agenda import courses_of
from mesobot.staff.audit import patient_history
from mesobot.staff_notices import patient_label, treatment_label
from mesobot.texts import erasure, escape, mydata, questionnaire
from mesobot.texts import staff as texts
from mesobot.texts import staff_desk as desk
from mesobot.texts.care_staff import report_state_name
from mesobot.texts.dates import day_label, moment_label
from mesobot.texts.splitting import split_html_messages


def _local(services: Services, instant: datetime) -> datetime:
    """An instant in the clinic's zone."""
    return instant.astimezone(services.clinic.calendar().zone)


def _moment(services: Services, instant: datetime, language: str) -> str:
    """An instant as the clinic's wall clock shows it, such as 'Mon, 7 Dec 2026, 09:45'."""
    local = _local(services, instant)
    return moment_label(local.date(), local.time(), language)


def export_button(patient: Patient, t: NullTranslations) -> tuple[str, ButtonData] | None:
    """The Export button of a patient /patient lists, unless they are erased."""
    if patient.id is None or patient.erased_at is not None:
        return None
    data = StaffExport(patient.id, created_stamp(patient.created_at))
    return mydata.export_button(t, patient_id=patient.id), data


def erase_button(patient: Patient, t: NullTranslations) -> tuple[str, ButtonData] | None:
    """The Erase button of a patient /patient lists, unless they are erased already."""
    if patient.id is None or patient.erased_at is not None:
        return None
    data = StaffErase(patient.id, created_stamp(patient.created_at), confirm=False)
    return erasure.erase_button(t, patient_id=patient.id), data


def patient_buttons(
    services: Services, patients: list[Patient], t: NullTranslations
) -> InlineRows:
    """A row for each patient not erased yet: Export (staff_export), Erase (staff_erase)."""
    rows: list[Row] = []
    for patient in patients:
        row = [export_button(patient, t), erase_button(patient, t)]
        rows.append([button for button in row if button is not None])
    return inline_rows(services.codec, rows)


async def erased_patient_lines(
    session: AsyncSession, services: Services, patient: Patient, language: str
) -> list[str]:
    """/patient's heading for an erased patient, with the identity kept for their record."""
    t = translations(language)
    assert patient.id is not None
    assert patient.erased_at is not None
    erased_on = day_label(_local(services, patient.erased_at).date(), language)
    lines = [erasure.erased_heading(t, patient_id=patient.id, erased_on=erased_on)]
    identity = await session.get(ClinicalIdentity, patient.id)
    if identity is not None:
        lines.append(
            erasure.kept_identity(
                t,
                name=escape(identity.display_name or "—"),
                phone=escape(identity.phone or "—"),
                keep_until=day_label(_local(services, identity.keep_until).date(), language),
            )
        )
    return lines


async def report_lines(
    session: AsyncSession, services: Services, patient_id: int, language: str
) -> list[str]:
    """The patient's reaction reports, newest first, with what staff read them as."""
    t = translations(language)
    query = select(ReactionReport).where(ReactionReport.patient_id == patient_id)
    reports = (await session.exec(query.order_by(col(ReactionReport.created_at).desc()))).all()
    if not reports:
        return []
    signs = services.clinic.care.signs
    lines = ["", desk.reports_heading(t)]
    for report in reports:
        labels = ", ".join(
            signs[s].staff_label.in_language(language) if s in signs else s for s in report.signs
        )
        lines.append(
            texts.report_line(
                t,
                number=report.id or 0,  # stored rows always have an id
                when=_moment(services, report.created_at, language),
                label=labels or "—",
                state=report_state_name(t, report.state),
            )
        )
    return lines


async def _no_shows(session: AsyncSession, course_ids: list[int | None]) -> int:
    """How many of these courses' sessions the patient missed."""
    query = select(func.count()).where(
        col(Appointment.course_id).in_(course_ids), Appointment.state == SessionState.NO_SHOW
    )
    return int((await session.exec(query)).one())


async def _course_lines(
    session: AsyncSession, services: Services, patient_id: int, language: str
) -> list[str]:
    """The no-show count, then each course with its sessions and questionnaire answers."""
    t = translations(language)
    courses = await courses_of(session=session, patient_id=patient_id)
    lines = [desk.no_show_count(t, await _no_shows(session, [c.id for c in courses]))]
    for course in courses:
        lines.append("")
        lines.append(
            desk.course_heading(
                t,
                course_id=course.id,
                treatment=escape(treatment_label(services.clinic, course.treatment, language)),
                state=texts.course_state_name(t, course.state),
            )
        )
        query = select(Appointment).where(Appointment.course_id == course.id)
        for a in await session.exec(query.order_by(col(Appointment.number))):
            lines.append(
                f"  {texts.moment_label(a.local_date, a.local_time, language)}"
                f" <code>{escape(a.code)}</code> · {texts.state_name(t, a.state)}"
            )
        lines += [f"  {line}" for line in questionnaire.answer_lines(t, course.answers)]
    return lines


async def _history_lines(
    session: AsyncSession, services: Services, patient_id: int, language: str
) -> list[str]:
    """Who of the staff did what about the patient, and when."""
    t = translations(language)
    history = await patient_history(session=session, patient_id=patient_id)
    if not history:
        return []
    lines = ["", desk.history_heading(t)]
    for entry in history:
        when = _moment(services, entry.at, language)
        action = t.gettext(texts.ACTION_NAMES.get(entry.action, entry.action))
        target = f" #{entry.course_id}" if entry.course_id else ""
        lines.append(f"{when} · {escape(entry.staff_name)}: {escape(action)}{target}")
    return lines


async def patient_lines(
    session: AsyncSession, services: Services, patient: Patient, language: str
) -> list[str]:
    """Everything staff may need about one patient, line by line."""
    assert patient.id is not None
    t = translations(language)
    phone = patient.phone
    handle = f", @{escape(patient.username)}" if patient.username else ""
    lines = [
        f"<b>{escape(patient_label(patient))}</b>"
        f" (#{patient.id}, Telegram {patient.telegram_user_id}{handle})",
        desk.phone_line(t, escape(phone) if phone else None),
    ]
    if patient.erased_at is not None:
        lines = await erased_patient_lines(session, services, patient, language)
    lines += await _course_lines(session, services, patient.id, language)
    lines += await report_lines(session, services, patient.id, language)
    lines += await _history_lines(session, services, patient.id, language)
    return lines


async def patient_view(
    session: AsyncSession, services: Services, patients: list[Patient], language: str
) -> list[RenderedMessage]:
    """/patient's answer for the patients found: in parts, Export and Erase under the last."""
    lines: list[str] = []
    for patient in patients:
        lines += await patient_lines(session, services, patient, language)
    parts = split_html_messages(lines)
    rows = patient_buttons(services, patients, translations(language))
    return [
        RenderedMessage(part, rows if number == len(parts) else ())
        for number, part in enumerate(parts, start=1)
    ]

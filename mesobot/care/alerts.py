"""How staff see a reaction report: alerts, additions and /reports entries (private only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.care.config import CareSettings
from mesobot.care.models import CheckInAnswer, ReactionReport
from mesobot.care.subjects import load_subject, local_date_text, patient_contact
from mesobot.i18n import translations
from mesobot.models import Patient
from mesobot.texts import care_staff as staff_texts
from mesobot.texts import escape

if TYPE_CHECKING:
    from mesobot.services import Services

_ANSWERS = {"fine": 0, "mild": 1, "unusual": 2}


async def _patient_and_session(
    session: AsyncSession, services: Services, report: ReactionReport, language: str
) -> tuple[str, str, str]:
    # Who reported (name and phone) and about which session, as staff read it.
    subject = await load_subject(session, report.appointment_id)
    patient_row = subject.patient if subject else await session.get(Patient, report.patient_id)
    patient, phone = (
        patient_contact(patient_row, subject.course if subject else None)
        if patient_row is not None
        else ("?", "?")
    )
    if subject is None:
        return patient, phone, escape(staff_texts.no_session(translations(language)))
    treatment = services.clinic.treatments.get(subject.course.treatment)
    name = treatment.name.in_language(language) if treatment else subject.course.treatment
    session_text = escape(
        f"{name}, {subject.appointment.number}/{subject.course.session_count}, "
        f"{local_date_text(subject.appointment.local_date, language)} "
        f"{subject.appointment.local_time.strftime('%H:%M')}"
    )
    return patient, phone, session_text


def _sign_lines(care: CareSettings, report: ReactionReport, language: str) -> list[str]:
    # Each sign as the patient chose it, with the possible reaction only staff see.
    lines = []
    for key in report.signs:
        sign = care.signs.get(key)
        if sign is None:
            lines.append(escape(key))
        else:
            label = escape(sign.label.in_language(language))
            lines.append(f"{label} → <b>{escape(sign.staff_label)}</b>")
    return lines


async def _check_in_answers(session: AsyncSession, report: ReactionReport, language: str) -> str:
    # The session's check-in answers so far, by day ("1: Fine; 3: Mild").
    if report.appointment_id is None:
        return ""
    rows = (
        await session.exec(
            select(CheckInAnswer)
            .where(CheckInAnswer.appointment_id == report.appointment_id)
            .order_by(col(CheckInAnswer.day))
        )
    ).all()
    names = staff_texts.check_in_answer_names(translations(language))
    return "; ".join(f"{row.day}: {names[_ANSWERS.get(row.answer, 2)]}" for row in rows)


def _severity_name(care: CareSettings, report: ReactionReport) -> str:
    # The staff wording of the report's level, from the first sign at that level.
    return next(
        (
            care.signs[k].severity
            for k in report.signs
            if k in care.signs and care.signs[k].level == report.severity
        ),
        str(report.severity),
    )


async def alert_text(
    session: AsyncSession,
    services: Services,
    report: ReactionReport,
    language: str,
    *,
    round_number: int = 0,
) -> str:
    """The whole report as staff see it privately, possible reactions included."""
    t = translations(language)
    care = services.clinic.care
    assert report.id is not None
    patient, phone, session_text = await _patient_and_session(session, services, report, language)
    answers = await _check_in_answers(session, report, language)
    return staff_texts.staff_alert(
        t,
        report_id=report.id,
        severity=escape(_severity_name(care, report)),
        round_number=round_number,
        max_rounds=care.escalation_max_resends,
        patient=patient,
        phone=escape(phone),
        appointment=session_text,
        signs=_sign_lines(care, report, language),
        emergency_advised=report.emergency_advice_at is not None,
        answers=escape(answers),
        description=escape(report.description) if report.description else None,
        photo=report.photo_file_id is not None,
        state=escape(staff_texts.report_state_name(t, report.state)),
    )


async def addition_text(
    session: AsyncSession,
    services: Services,
    report: ReactionReport,
    language: str,
    *,
    description: str | None,
) -> str:
    """A photo or description added to a report, for staff privately."""
    del services
    assert report.id is not None
    patient_row = await session.get(Patient, report.patient_id)
    patient = patient_contact(patient_row, None)[0] if patient_row else "?"
    return staff_texts.staff_addition(
        translations(language),
        report_id=report.id,
        patient=patient,
        description=escape(description) if description else None,
    )

"""How staff see a reaction report: alerts, additions and /reports entries (private only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.care.models import CheckInAnswer, ReactionReport
from mesobot.care.subjects import load_subject, local_date_text, patient_contact
from mesobot.i18n import translations
from mesobot.models import Patient
from mesobot.texts import care as texts
from mesobot.texts import escape

if TYPE_CHECKING:
    from mesobot.services import Services

_ANSWERS = {"fine": 0, "mild": 1, "unusual": 2}


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
    subject = await load_subject(session, report.appointment_id)
    patient_row = subject.patient if subject else await session.get(Patient, report.patient_id)
    patient, phone = (
        patient_contact(patient_row, subject.course if subject else None)
        if patient_row is not None
        else ("?", "?")
    )
    if subject is not None:
        treatment = services.clinic.treatments.get(subject.course.treatment)
        name = treatment.name.in_language(language) if treatment else subject.course.treatment
        session_text = escape(
            f"{name}, {subject.appointment.number}/{subject.course.session_count}, "
            f"{local_date_text(subject.appointment.local_date, language)} "
            f"{subject.appointment.local_time.strftime('%H:%M')}"
        )
    else:
        session_text = escape(texts.no_session(t))
    signs = []
    for key in report.signs:
        sign = care.signs.get(key)
        if sign is None:
            signs.append(escape(key))
            continue
        signs.append(
            f"{escape(sign.label.in_language(language))} → <b>{escape(sign.staff_label)}</b>"
        )
    answers = ""
    if report.appointment_id is not None:
        rows = (
            await session.exec(
                select(CheckInAnswer)
                .where(CheckInAnswer.appointment_id == report.appointment_id)
                .order_by(col(CheckInAnswer.day))
            )
        ).all()
        names = texts.check_in_answer_names(t)
        answers = "; ".join(f"{row.day}: {names[_ANSWERS.get(row.answer, 2)]}" for row in rows)
    severity = next(
        (
            care.signs[k].severity
            for k in report.signs
            if k in care.signs and care.signs[k].level == report.severity
        ),
        str(report.severity),
    )
    return texts.staff_alert(
        t,
        report_id=report.id,
        severity=escape(severity),
        round_number=round_number,
        max_rounds=care.escalation_max_resends,
        patient=patient,
        phone=escape(phone),
        appointment=session_text,
        signs=signs,
        emergency_advised=report.emergency_advice_at is not None,
        answers=escape(answers),
        description=escape(report.description) if report.description else None,
        photo=report.photo_file_id is not None,
        state=escape(texts.report_state_name(t, report.state)),
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
    return texts.staff_addition(
        translations(language),
        report_id=report.id,
        patient=patient,
        description=escape(description) if description else None,
    )

"""How staff see a reaction report: alerts, additions and /reports entries (private only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.care.config import CareSettings
from mesobot.care.models import CheckInAnswer, ReactionReport, ReportAddition
from mesobot.care.subjects import load_subject, patient_contact
from mesobot.i18n import translations
from mesobot.models import Patient
from mesobot.scheduling.localtime import zone_named
from mesobot.texts import care_staff as staff_texts
from mesobot.texts import escape
from mesobot.texts.dates import clock_label, moment_label
from mesobot.texts.splitting import fitted

if TYPE_CHECKING:
    from mesobot.services import Services

_ANSWERS = {"fine": 0, "mild": 1, "unusual": 2}
# A digest's lines stop here, with room left in Telegram's 4,096 for the heading and notes;
# one addition's text is cut at _CLIP, so one long description cannot take them all.
_DIGEST_BUDGET = 3000
_CLIP = 600


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
        f"{moment_label(subject.appointment.local_date, subject.appointment.local_time, language)}"
    )
    return patient, phone, session_text


def _sign_text(care: CareSettings, key: str, language: str) -> str:
    # A sign as the patient chose it, with the possible reaction only staff see.
    sign = care.signs.get(key)
    if sign is None:
        return escape(key)
    label = escape(sign.label.in_language(language))
    return f"{label} → <b>{escape(sign.staff_label.in_language(language))}</b>"


def _sign_lines(care: CareSettings, report: ReactionReport, language: str) -> list[str]:
    return [_sign_text(care, key, language) for key in report.signs]


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
    whole: bool = False,
) -> str:
    """The whole report as staff see it privately, possible reactions included. It fits one
    message (a long description is cut, "(continued in /reports)"), unless `whole`: /reports
    sends it in as many messages as it takes."""
    t = translations(language)
    care = services.clinic.care
    assert report.id is not None
    patient, phone, session_text = await _patient_and_session(session, services, report, language)
    answers = await _check_in_answers(session, report, language)

    def render(description: str | None) -> str:
        return staff_texts.staff_alert(
            t,
            report_id=report.id or 0,
            severity=escape(staff_texts.severity_name(t, _severity_name(care, report))),
            round_number=round_number,
            max_rounds=care.escalation_max_resends,
            patient=patient,
            phone=escape(phone),
            appointment=session_text,
            signs=_sign_lines(care, report, language),
            emergency_advised=report.emergency_advice_at is not None,
            answers=escape(answers),
            description=description,
            photo=report.photo_file_id is not None,
            state=escape(staff_texts.report_state_name(t, report.state)),
        )

    if not report.description:
        return render(None)
    if whole:
        return render(escape(report.description))
    return fitted(render, report.description, staff_texts.continued_in_reports(t))


def addition_lines(
    services: Services,
    additions: Sequence[ReportAddition],
    language: str,
    *,
    clip: int | None = None,
) -> list[str]:
    """One line per addition: its local time (with the day, if not today) and what it is;
    texts longer than `clip` (UTF-16 units, as Telegram counts) are cut at a word, pointing
    to /reports for the rest."""
    t = translations(language)
    zone = zone_named(services.clinic.clinic.timezone)
    today = services.clock.now().astimezone(zone).date()
    lines = []
    for addition in additions:
        local = addition.created_at.astimezone(zone)
        text = addition.text
        text_html: str | None
        if text and clip is not None:
            # Cut at a word, outside any entity, with the pointer to the rest.
            text_html = fitted(str, text, staff_texts.continued_in_reports(t), limit=clip)
        else:
            text_html = escape(text) if text else None
        lines.append(
            staff_texts.addition_line(
                t,
                at=(
                    clock_label(local)
                    if local.date() == today
                    else moment_label(local.date(), local.time(), language)
                ),
                text=text_html,
                photo=addition.photo_file_id is not None,
                repeated=(
                    _sign_text(services.clinic.care, addition.repeated_sign, language)
                    if addition.repeated_sign
                    else None
                ),
            )
        )
    return lines


async def _patient_name(session: AsyncSession, report: ReactionReport) -> str:
    patient_row = await session.get(Patient, report.patient_id)
    return patient_contact(patient_row, None)[0] if patient_row else "?"


async def digest_text(
    session: AsyncSession,
    services: Services,
    report: ReactionReport,
    additions: Sequence[ReportAddition],
    language: str,
    *,
    last_of_hour: bool,
) -> str:
    """A digest of additions, for staff privately: as many lines as fit one message."""
    assert report.id is not None
    lines = addition_lines(services, additions, language, clip=_CLIP)
    shown: list[str] = []
    used = 0
    for line in lines:
        used += len(line) + 1
        if used > _DIGEST_BUDGET:
            break
        shown.append(line)
    return staff_texts.additions_digest(
        translations(language),
        report_id=report.id,
        patient=await _patient_name(session, report),
        lines=shown,
        left_out=len(lines) - len(shown),
        photos=sum(1 for addition in additions if addition.photo_file_id),
        last_of_hour=last_of_hour,
    )


async def addition_text(session: AsyncSession, report: ReactionReport, language: str) -> str:
    """An addition queued before digests named theirs: only where to read it."""
    assert report.id is not None
    return staff_texts.staff_addition(
        translations(language), report_id=report.id, patient=await _patient_name(session, report)
    )

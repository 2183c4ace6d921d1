"""What a care message is about: the session, its course and patient, and how staff see them."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.clinic import Clinic
from mesobot.i18n import translations
from mesobot.models import Appointment, Course, Patient
from mesobot.texts import escape
from mesobot.texts.care import healing_time


class Subject:
    """The session a message is about, its course and patient."""

    def __init__(self, appointment: Appointment, course: Course, patient: Patient) -> None:
        self.appointment, self.course, self.patient = appointment, course, patient


async def load_subject(session: AsyncSession, appointment_id: int | None) -> Subject | None:
    """The session, course and patient behind a message, if they still exist."""
    if appointment_id is None:
        return None
    appointment = await session.get(Appointment, appointment_id)
    course = await session.get(Course, appointment.course_id) if appointment else None
    patient = await session.get(Patient, course.patient_id) if course else None
    if appointment is None or course is None or patient is None:
        return None
    return Subject(appointment, course, patient)


def patient_contact(patient: Patient, course: Course | None) -> tuple[str, str]:
    """A name staff can recognise (an HTML link to the Telegram chat) and a phone (raw).

    The booking flow stores both on the patient; a patient who never finished it has neither.
    """
    del course  # the contact lives on the patient since the booking flow stores it there
    name = patient.display_name or f"patient {patient.telegram_user_id}"
    link = f'<a href="tg://user?id={patient.telegram_user_id}">{escape(name)}</a>'
    return link, patient.phone or "?"


def treatment_healing(clinic: Clinic, treatment_key: str, language: str) -> str:
    """How long the treatment's usual effects last, as a sentence in the patient's language
    (plain text): from its `side_effects_usual_days`, one to two weeks if it is unknown."""
    treatment = clinic.treatments.get(treatment_key)
    days = treatment.side_effects_usual_days if treatment is not None else 14
    return healing_time(translations(language), days)

"""Builders for rows the tests need: patients, and courses booked through the real code."""

from __future__ import annotations

from datetime import date, datetime, time
from functools import cache

from mesobot.booking import Booked, CourseRequest, request_course
from mesobot.clinic import Clinic, load_clinic
from mesobot.config import DEFAULT_CLINIC_FILE
from mesobot.db import Database
from mesobot.flow.steps import CONSENT_VERSION
from mesobot.models import Patient
from mesobot.scheduling.bookings import BookingIndex
from mesobot.scheduling.planner import plan_series
from mesobot.scheduling.series import PlannedSeries


@cache
def sample_clinic() -> Clinic:
    """The clinic of clinic.sample.toml (Madrid, two practitioners, weekday hours)."""
    return load_clinic(DEFAULT_CLINIC_FILE)


async def add_patients(database: Database, count: int, *, now: datetime) -> list[int]:
    """`count` patients; returns their ids."""
    async with database.write() as session:
        patients = [
            Patient(
                telegram_user_id=10_000 + n,
                created_at=now,
                last_seen_at=now,
                consent_version=CONSENT_VERSION,
                consent_at=now,
            )
            for n in range(count)
        ]
        session.add_all(patients)
        await session.flush()
        return [patient.id for patient in patients if patient.id is not None]


def shown_series(
    treatment: str, *, session_count: int, first: date, at: time, now: datetime
) -> PlannedSeries:
    """The series a patient would be shown on an empty calendar."""
    clinic = sample_clinic()
    plan = plan_series(
        rule=clinic.treatments[treatment].series_rule(),
        session_count=session_count,
        first_date=first,
        first_time=at,
        calendar=clinic.calendar(),
        bookings=BookingIndex.empty(),
        now=now,
    )
    assert isinstance(plan, PlannedSeries), plan
    return plan


def course_request(
    patient_id: int, treatment: str, series: PlannedSeries, *, area: str | None = None
) -> CourseRequest:
    """A request for `series` of `treatment` by `patient_id`."""
    return CourseRequest(
        patient_id=patient_id,
        treatment=treatment,
        area=area,
        rule=sample_clinic().treatments[treatment].series_rule(),
        shown=series,
        answers={},
        expires_at=None,
    )


async def book(
    database: Database,
    patient_id: int,
    treatment: str,
    series: PlannedSeries,
    *,
    now: datetime,
) -> Booked:
    """Book `series` for a patient, failing the test if it does not go through."""
    async with database.write() as session:
        result = await request_course(
            session=session,
            calendar=sample_clinic().calendar(),
            request=course_request(patient_id, treatment, series),
            now=now,
        )
    assert isinstance(result, Booked), result
    return result

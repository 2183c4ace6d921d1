"""Named cases on the sample clinic (Madrid, weekdays, two practitioners), asserted exactly."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mesobot.scheduling.bookings import Booking, BookingIndex
from mesobot.scheduling.calendar import Calendar, Closure, OpeningInterval
from mesobot.scheduling.planner import (
    add_session,
    cancel_rest,
    cancel_session,
    plan_series,
    replan_after_move,
)
from mesobot.scheduling.series import Impossible, Obstacle, PlannedSeries
from tests.scheduling.factories import (
    NOW,
    plan,
    planned,
    rule_of,
    sample_calendar,
    summary,
)

MADRID = ZoneInfo("Europe/Madrid")
LOPEZ, COSTA = "dr-lopez", "dr-costa"


def test_facial_rejuvenation_default_series() -> None:
    """Four sessions two weeks apart, same weekday, time and practitioner."""
    assert summary(plan("facial_rejuvenation", 4, (date(2026, 3, 2), time(10)))) == [
        ("2026-03-02", "10:00", LOPEZ),
        ("2026-03-16", "10:00", LOPEZ),
        ("2026-03-30", "10:00", LOPEZ),
        ("2026-04-13", "10:00", LOPEZ),
    ]


def test_fat_reduction_default_series() -> None:
    """Two 45-minute sessions two weeks apart on a split day's afternoon."""
    assert summary(plan("fat_reduction", 2, (date(2026, 3, 3), time(16)))) == [
        ("2026-03-03", "16:00", LOPEZ),
        ("2026-03-17", "16:00", LOPEZ),
    ]


def test_cellulite_default_series() -> None:
    """Three sessions three weeks apart."""
    assert summary(plan("cellulite", 3, (date(2026, 3, 4), time(11)))) == [
        ("2026-03-04", "11:00", LOPEZ),
        ("2026-03-25", "11:00", LOPEZ),
        ("2026-04-15", "11:00", LOPEZ),
    ]


def test_blepharoplasty_without_and_with_the_second_session() -> None:
    """One session; a second one is exactly six weeks later, also when added afterwards."""
    single = planned("lower_blepharoplasty", 1, (date(2026, 3, 5), time(12)))
    assert summary(single) == [("2026-03-05", "12:00", LOPEZ)]
    both = [("2026-03-05", "12:00", LOPEZ), ("2026-04-16", "12:00", LOPEZ)]
    assert summary(plan("lower_blepharoplasty", 2, (date(2026, 3, 5), time(12)))) == both
    added = add_session(
        rule=rule_of("lower_blepharoplasty"),
        series=single,
        calendar=sample_calendar(),
        bookings=BookingIndex.empty(),
        now=NOW,
    )
    assert summary(added) == both
    third = add_session(
        rule=rule_of("lower_blepharoplasty"),
        series=added,
        calendar=sample_calendar(),
        bookings=BookingIndex.empty(),
        now=NOW,
    )
    assert isinstance(third, Impossible)
    assert (third.session_number, third.obstacle) == (3, Obstacle.SESSION_COUNT)


def test_series_across_a_clock_change_stays_at_ten_local() -> None:
    """Madrid springs forward on 29 March: 14 local days apart is 13 days 23 hours in UTC."""
    series = planned("facial_rejuvenation", 4, (date(2026, 3, 16), time(10)))
    assert [s.local_time for s in series.sessions] == [time(10)] * 4
    assert series.gaps_days == (14, 14, 14)
    before, after = series.sessions[0].start_utc, series.sessions[1].start_utc
    assert (before.hour, after.hour) == (9, 8)
    assert after - before == timedelta(days=13, hours=23)


def test_closure_pushes_a_session_later_inside_its_window() -> None:
    """With the clinic closed on the preferred day, the session goes one day later."""
    closed = Closure(
        datetime(2026, 3, 16, tzinfo=MADRID), datetime(2026, 3, 17, tzinfo=MADRID), None
    )
    result = plan(
        "facial_rejuvenation", 4, (date(2026, 3, 2), time(10)), calendar=sample_calendar(closed)
    )
    assert summary(result) == [
        ("2026-03-02", "10:00", LOPEZ),
        ("2026-03-17", "10:00", LOPEZ),
        ("2026-03-31", "10:00", LOPEZ),
        ("2026-04-14", "10:00", LOPEZ),
    ]


def test_busy_practitioner_gives_way_to_a_nearby_time_then_to_a_colleague() -> None:
    """The course keeps its practitioner at another time before changing practitioner."""
    ten = datetime(2026, 3, 16, 10, tzinfo=MADRID)
    lopez_busy = Booking(LOPEZ, ten, ten + timedelta(minutes=30))
    result = plan(
        "fat_reduction",
        2,
        (date(2026, 3, 2), time(10)),
        bookings=BookingIndex.from_bookings([lopez_busy]),
    )
    # A 45-minute session plus the 10-minute buffer must clear 10:00-10:30 (+10): 10:45 is
    # the nearest free start (45 minutes away), 09:00 the nearest earlier one (60 away).
    assert summary(result)[1] == ("2026-03-16", "10:45", LOPEZ)
    away = Closure(ten.replace(hour=0), ten.replace(hour=23), LOPEZ)
    result = plan("fat_reduction", 2, (date(2026, 3, 2), time(10)), calendar=sample_calendar(away))
    assert summary(result)[1] == ("2026-03-16", "10:00", COSTA)


def test_replan_after_moving_session_two_of_four() -> None:
    """Moving session 2 re-plans 3 and 4 after it, at their own former time, gaps in window."""
    series = planned("facial_rejuvenation", 4, (date(2026, 3, 2), time(10)))
    result = replan_after_move(
        rule=rule_of("facial_rejuvenation"),
        series=series,
        session_number=2,
        new_date=date(2026, 3, 19),
        new_time=time(16),
        calendar=sample_calendar(),
        bookings=BookingIndex.empty(),
        now=NOW,
    )
    assert summary(result) == [
        ("2026-03-02", "10:00", LOPEZ),
        ("2026-03-19", "16:00", LOPEZ),
        ("2026-04-02", "10:00", LOPEZ),
        ("2026-04-16", "10:00", LOPEZ),
    ]
    assert isinstance(result, PlannedSeries)
    assert result.gaps_days == (17, 14, 14)


def test_move_keeps_later_sessions_that_are_still_valid() -> None:
    """A same-day change of time leaves the later sessions exactly where they were."""
    series = planned("facial_rejuvenation", 4, (date(2026, 3, 2), time(10)))
    result = replan_after_move(
        rule=rule_of("facial_rejuvenation"),
        series=series,
        session_number=3,
        new_date=date(2026, 3, 30),
        new_time=time(17, 30),
        calendar=sample_calendar(),
        bookings=BookingIndex.empty(),
        now=NOW,
    )
    assert isinstance(result, PlannedSeries)
    assert result.sessions[3] == series.sessions[3]
    assert summary(result)[2] == ("2026-03-30", "17:30", LOPEZ)


def test_move_that_breaks_the_window_to_the_session_before_is_refused() -> None:
    """Session 3 ten days after session 2 is refused, naming session 3 and the reason."""
    series = planned("facial_rejuvenation", 4, (date(2026, 3, 2), time(10)))
    result = replan_after_move(
        rule=rule_of("facial_rejuvenation"),
        series=series,
        session_number=3,
        new_date=date(2026, 3, 26),
        new_time=time(10),
        calendar=sample_calendar(),
        bookings=BookingIndex.empty(),
        now=NOW,
    )
    assert isinstance(result, Impossible)
    assert (result.session_number, result.obstacle) == (3, Obstacle.GAP_TO_PREVIOUS)
    assert "10 days after session 2" in result.detail


def test_cancelling_a_middle_session_replans_the_rest_or_is_refused() -> None:
    """Cellulite 4 -> 3 closes the gap; 3 -> 2 is below the minimum and refused."""
    series = planned("cellulite", 4, (date(2026, 3, 4), time(11)))
    kwargs = {"calendar": sample_calendar(), "bookings": BookingIndex.empty(), "now": NOW}
    shorter = cancel_session(rule=rule_of("cellulite"), series=series, session_number=2, **kwargs)
    assert summary(shorter) == [
        ("2026-03-04", "11:00", LOPEZ),
        ("2026-03-25", "11:00", LOPEZ),
        ("2026-04-15", "11:00", LOPEZ),
    ]
    assert isinstance(shorter, PlannedSeries)
    refused = cancel_session(rule=rule_of("cellulite"), series=shorter, session_number=3, **kwargs)
    assert isinstance(refused, Impossible)
    assert refused.obstacle is Obstacle.SESSION_COUNT
    assert cancel_rest(series=shorter, session_number=2).sessions == shorter.sessions[:1]
    assert cancel_rest(series=shorter, session_number=1).sessions == ()


def test_impossible_series_names_the_session_and_why() -> None:
    """Both practitioners away for the whole window of session 2: session 2 cannot be placed."""
    away = Closure(datetime(2026, 3, 16, tzinfo=MADRID), datetime(2026, 3, 24, tzinfo=MADRID))
    result = plan(
        "facial_rejuvenation", 4, (date(2026, 3, 2), time(10)), calendar=sample_calendar(away)
    )
    assert isinstance(result, Impossible)
    assert (result.session_number, result.obstacle) == (2, Obstacle.NO_SLOT_IN_WINDOW)
    assert "2026-03-16" in result.detail
    assert "2026-03-23" in result.detail
    weekend = plan("facial_rejuvenation", 4, (date(2026, 3, 7), time(10)))
    assert isinstance(weekend, Impossible)
    assert (weekend.session_number, weekend.obstacle) == (1, Obstacle.OUTSIDE_OPENING_HOURS)
    too_soon = plan("facial_rejuvenation", 4, (date(2026, 3, 1), time(18)))
    assert isinstance(too_soon, Impossible)
    assert too_soon.obstacle in (Obstacle.TOO_SOON, Obstacle.OUTSIDE_OPENING_HOURS)


def test_nonexistent_wall_time_is_skipped_for_the_next_that_exists() -> None:
    """Santiago skips 00:00-01:00 on 6 Sept 2026: a midnight clinic's session goes to 01:00."""
    calendar = Calendar(
        clinic_id="c1",
        zone_key="America/Santiago",
        weekly_hours=((OpeningInterval(0, 180),),) * 7,
        resource_ids=("r1",),
        slot_minutes=15,
    )
    rule = rule_of("facial_rejuvenation").__class__(1, 2, 7, 7, 7, 30)
    now = datetime(2026, 8, 1, tzinfo=UTC)
    result = plan_series(
        rule=rule,
        session_count=2,
        first_date=date(2026, 8, 30),
        first_time=time(0),
        calendar=calendar,
        bookings=BookingIndex.empty(),
        now=now,
    )
    assert summary(result) == [("2026-08-30", "00:00", "r1"), ("2026-09-06", "01:00", "r1")]
    direct = plan_series(
        rule=rule,
        session_count=1,
        first_date=date(2026, 9, 6),
        first_time=time(0, 30),
        calendar=calendar,
        bookings=BookingIndex.empty(),
        now=now,
    )
    assert isinstance(direct, Impossible)
    assert direct.obstacle is Obstacle.NONEXISTENT_TIME

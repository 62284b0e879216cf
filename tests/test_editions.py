"""When editions fire (zones, weekdays, several times a day, daylight saving time for each time), and how
admins write schedules ("07:30, 18:00", "mon-fri")."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.editions import (
    EVERY_DAY,
    MAX_EDITIONS_PER_DAY,
    Edition,
    EditionSchedule,
    InvalidSchedule,
    fire_time_on,
    format_weekdays,
    parse_edition_times,
    parse_weekdays,
    weekday_mask,
    weekdays_of_mask,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
MORNING = time(7, 30)
EVENING = time(18, 0)
HALF_PAST_TWO = time(2, 30)
WEEKDAYS = (0, 1, 2, 3, 4)


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def daily(local_time: time, zone: ZoneInfo) -> EditionSchedule:
    return EditionSchedule.of([local_time], EVERY_DAY, zone)


def firings(schedule: EditionSchedule, after: datetime, count: int) -> list[datetime]:
    found: list[datetime] = []
    for _ in range(count):
        after = schedule.next_after(after).at
        found.append(after)
    return found


# --- one time a day ---------------------------------------------------------------------------------


def test_a_daily_time_fires_at_that_local_time_in_each_zone() -> None:
    after = utc(2025, 3, 14, 0, 0)

    assert daily(MORNING, TOKYO).next_after(after).at == utc(2025, 3, 14, 22, 30)  # UTC+9
    assert daily(MORNING, LOS_ANGELES).next_after(after).at == utc(2025, 3, 14, 14, 30)  # PDT since 9 March
    assert daily(MORNING, BERLIN).next_after(after).at == utc(2025, 3, 14, 6, 30)  # CET until 30 March


def test_the_next_edition_is_strictly_after_and_the_last_at_or_before() -> None:
    schedule = daily(MORNING, BERLIN)
    fire = utc(2025, 3, 14, 6, 30)

    assert schedule.next_after(fire).at == utc(2025, 3, 15, 6, 30)
    assert schedule.first_from(fire).at == fire
    assert schedule.last_at_or_before(fire).at == fire
    assert schedule.last_at_or_before(fire - timedelta(microseconds=1)).at == utc(2025, 3, 13, 6, 30)


def test_a_time_that_occurs_twice_when_clocks_fall_back_fires_once() -> None:
    # Berlin 26 Oct 2025: 03:00 CEST becomes 02:00 CET, so 02:30 happens at 00:30 and 01:30 UTC.
    assert firings(daily(HALF_PAST_TWO, BERLIN), utc(2025, 10, 25, 12, 0), 2) == [
        utc(2025, 10, 26, 0, 30),
        utc(2025, 10, 27, 1, 30),
    ]
    # New York 2 Nov 2025: 01:30 happens at 05:30 (EDT) and 06:30 (EST) UTC.
    assert firings(daily(time(1, 30), NEW_YORK), utc(2025, 11, 1, 12, 0), 2) == [
        utc(2025, 11, 2, 5, 30),
        utc(2025, 11, 3, 6, 30),
    ]


def test_a_time_skipped_when_clocks_spring_forward_fires_once_when_they_jump() -> None:
    # Berlin 30 Mar 2025: 02:00 CET becomes 03:00 CEST at 01:00 UTC; 02:30 does not exist.
    assert firings(daily(HALF_PAST_TWO, BERLIN), utc(2025, 3, 29, 12, 0), 2) == [
        utc(2025, 3, 30, 1, 0),
        utc(2025, 3, 31, 0, 30),
    ]
    # New York 9 Mar 2025: 02:00 EST becomes 03:00 EDT at 07:00 UTC.
    assert firings(daily(HALF_PAST_TWO, NEW_YORK), utc(2025, 3, 8, 12, 0), 2) == [
        utc(2025, 3, 9, 7, 0),
        utc(2025, 3, 10, 6, 30),
    ]


def test_the_firing_of_a_skipped_time_belongs_to_its_own_date() -> None:
    assert fire_time_on(date(2025, 3, 30), HALF_PAST_TWO, BERLIN).astimezone(BERLIN).date() == date(2025, 3, 30)
    edition = daily(HALF_PAST_TWO, BERLIN).last_at_or_before(utc(2025, 3, 30, 1, 20))
    assert (edition.at, edition.local_date, edition.local_time) == (
        utc(2025, 3, 30, 1, 0),
        date(2025, 3, 30),
        HALF_PAST_TWO,
    )


# --- several times, chosen days -----------------------------------------------------------------------


def test_two_editions_a_day_fire_in_turn_each_with_its_own_time() -> None:
    schedule = EditionSchedule.of([EVENING, MORNING], EVERY_DAY, BERLIN)

    editions = [schedule.next_after(utc(2025, 3, 14, 0, 0))]
    for _ in range(3):
        editions.append(schedule.next_after(editions[-1].at))

    assert [(edition.at, edition.local_time) for edition in editions] == [
        (utc(2025, 3, 14, 6, 30), MORNING),
        (utc(2025, 3, 14, 17, 0), EVENING),
        (utc(2025, 3, 15, 6, 30), MORNING),
        (utc(2025, 3, 15, 17, 0), EVENING),
    ]


def test_editions_skip_the_days_not_chosen() -> None:
    schedule = EditionSchedule.of([MORNING], WEEKDAYS, BERLIN)
    friday = utc(2025, 3, 14, 6, 30)

    assert schedule.next_after(friday).local_date == date(2025, 3, 17)  # Monday
    assert schedule.last_at_or_before(utc(2025, 3, 16, 12, 0)).at == friday  # on Sunday, Friday's was the last


def test_each_edition_time_keeps_the_dst_rules_on_its_own() -> None:
    # Berlin 30 Mar 2025: 02:30 is skipped (fires at the 03:00 jump), 18:00 is as every day.
    # Berlin 26 Oct 2025: 02:30 occurs twice (fires at the first), 18:00 is as every day.
    schedule = EditionSchedule.of([HALF_PAST_TWO, EVENING], EVERY_DAY, BERLIN)

    assert [(edition.at, edition.local_time) for edition in _day_of(schedule, utc(2025, 3, 29, 20, 0))] == [
        (utc(2025, 3, 30, 1, 0), HALF_PAST_TWO),
        (utc(2025, 3, 30, 16, 0), EVENING),  # CEST from the jump
    ]
    assert [(edition.at, edition.local_time) for edition in _day_of(schedule, utc(2025, 10, 25, 20, 0))] == [
        (utc(2025, 10, 26, 0, 30), HALF_PAST_TWO),
        (utc(2025, 10, 26, 17, 0), EVENING),  # CET from the fall back
    ]


def _day_of(schedule: EditionSchedule, after: datetime) -> list[Edition]:
    first = schedule.next_after(after)
    return [first, schedule.next_after(first.at)]


def test_weekdays_are_stored_as_bits() -> None:
    assert weekday_mask(EVERY_DAY) == 127
    assert weekdays_of_mask(weekday_mask((5, 6))) == (5, 6)


# --- what admins write ------------------------------------------------------------------------------


def test_edition_times_are_read_in_any_order_and_sorted() -> None:
    assert parse_edition_times("18:00, 7:30") == (MORNING, EVENING)
    assert parse_edition_times("07:30 18.00 07h30") == (MORNING, EVENING)


@pytest.mark.parametrize("text", ["", "25:00", "07:30, noon", " , "])
def test_edition_times_that_are_not_times_are_refused(text: str) -> None:
    with pytest.raises(InvalidSchedule):
        parse_edition_times(text)


def test_too_many_edition_times_are_refused() -> None:
    text = ", ".join(f"{hour:02}:00" for hour in range(MAX_EDITIONS_PER_DAY + 1))

    with pytest.raises(InvalidSchedule, match="At most"):
        parse_edition_times(text)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon-fri", WEEKDAYS),
        ("sat,sun", (5, 6)),
        ("Saturday, Sunday", (5, 6)),
        ("mon, wed - fri", (0, 2, 3, 4)),
        ("fri-mon", (0, 4, 5, 6)),
        ("tu th", (1, 3)),
        ("every day", EVERY_DAY),
        (None, EVERY_DAY),
    ],
)
def test_weekdays_are_read_as_names_lists_and_ranges(text: str | None, days: tuple[int, ...]) -> None:
    assert parse_weekdays(text) == days


@pytest.mark.parametrize("text", ["weekdays please", "m", "mon-tue-wed", "funday"])
def test_weekdays_that_are_not_weekdays_are_refused_with_an_example(text: str) -> None:
    with pytest.raises(InvalidSchedule, match="mon-fri"):
        parse_weekdays(text)


def test_weekdays_are_written_back_as_ranges_and_lists() -> None:
    assert format_weekdays(WEEKDAYS) == "mon-fri"
    assert format_weekdays((5, 6)) == "sat, sun"
    assert format_weekdays(EVERY_DAY) == ""

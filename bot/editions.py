"""When a subscription's editions fire: one or more local times a day, on chosen weekdays, in an IANA zone.

Pure time arithmetic (no store, no Discord), shared by the store's claim of due editions, the schema
upgrade that gave every older subscription its first `next_edition_at`, and the commands that parse
what an admin types ("07:30, 18:00", "mon-fri").

Daylight saving time, decided by `fire_time_on` for each edition time on its own:

- a local time that occurs twice fires once, at its first occurrence;
- a local time that does not occur that day fires once, at the instant the clocks jump (03:00 for
  02:30 in Europe/Berlin or America/New_York on their spring-forward days). Two edition times of
  one subscription that land on the same instant that way (02:30 and 03:00 on such a day) make one
  edition, the earlier time's.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.news.errors import N_, NewsError

EVERY_DAY: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
"""Weekdays as `date.weekday()` numbers them, Monday 0 to Sunday 6."""

MAX_EDITIONS_PER_DAY = 6
"""The most edition times a subscription may have: one every four hours is a relay, not a briefing;
live posting is its own mode."""

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""How a schedule is written back (`format_weekdays`)."""
FULL_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MIN_DAYS_IN_RANGE = 3
"""Three days in a row read better as a range (mon-wed); two as a list (sat, sun)."""
MIN_WEEKDAY_PREFIX = 2
"""'tu' and 'th', 'sa' and 'su' tell the days apart; one letter does not."""

_SEARCH_DAYS = 8
"""Days looked through for the next or last firing: any weekday set has one within a week, and a
day more covers a date that straddles `after` in the zone."""

_CLOCK = re.compile(r"^\s*([01]?\d|2[0-3])[:.h]([0-5]\d)\s*$")
_SEPARATORS = re.compile(r"\s*[,;]\s*|\s+")
_DAY_SEPARATORS = re.compile(r"[,;\s]+")
_RANGE_DASH = re.compile(r"\s*[-–]\s*")
_EVERY_DAY_WORDS = frozenset({"every day", "everyday", "daily", "all", "*"})


class InvalidSchedule(NewsError):
    """Edition times or weekdays that cannot be read; the message says what to write instead."""

    kind = "invalid_schedule"


@dataclass(frozen=True, slots=True)
class Edition:
    """One firing of a schedule: when (UTC), and which local date and edition time it is."""

    at: datetime
    local_date: date
    local_time: time


@dataclass(frozen=True, slots=True)
class EditionSchedule:
    """A subscription's editions: `times` (sorted, distinct, wall clock) on `weekdays` in `zone`."""

    times: tuple[time, ...]
    weekdays: tuple[int, ...]
    zone: ZoneInfo

    @classmethod
    def of(cls, times: Iterable[time], weekdays: Iterable[int], zone: ZoneInfo | str) -> EditionSchedule:
        ordered = tuple(sorted({moment.replace(tzinfo=None, second=0, microsecond=0) for moment in times}))
        days = tuple(sorted(set(weekdays)))
        if not ordered or not days or not all(0 <= day <= 6 for day in days):
            raise ValueError("a schedule needs at least one time and weekdays from 0 (Monday) to 6")
        return cls(ordered, days, zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone))

    def _editions_on(self, day: date) -> list[Edition]:
        if day.weekday() not in self.weekdays:
            return []
        return [Edition(fire_time_on(day, moment, self.zone), day, moment) for moment in self.times]

    def next_after(self, after: datetime) -> Edition:
        """The first edition strictly after `after`."""
        after = _utc(after)
        first = after.astimezone(self.zone).date() - timedelta(days=1)
        for offset in range(_SEARCH_DAYS + 1):
            for edition in self._editions_on(first + timedelta(days=offset)):
                if edition.at > after:
                    return edition
        raise AssertionError("unreachable: every weekday set fires within a week")

    def last_at_or_before(self, before: datetime) -> Edition:
        """The latest edition at or before `before` (of two at one instant, the earlier time's)."""
        before = _utc(before)
        last = before.astimezone(self.zone).date() + timedelta(days=1)
        for offset in range(_SEARCH_DAYS + 1):
            fired = [edition for edition in self._editions_on(last - timedelta(days=offset)) if edition.at <= before]
            if fired:
                latest = max(edition.at for edition in fired)
                return next(edition for edition in fired if edition.at == latest)
        raise AssertionError("unreachable: every weekday set fires within a week")

    def first_from(self, moment: datetime) -> Edition:
        """The first edition at or after `moment`: a new subscription's first."""
        return self.next_after(_utc(moment) - timedelta(microseconds=1))


# --- one daily time ---------------------------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: pass timezone-aware times")
    return moment.astimezone(UTC)


def fire_time_on(day: date, local_time: time, zone: ZoneInfo) -> datetime:
    """The instant (UTC) a daily `local_time` fires on the local date `day` in `zone`.

    Twice that day (clocks fall back): the first occurrence. Not that day (clocks spring forward
    over it): the instant the clocks jump, the first valid time after it.
    """
    wall = datetime.combine(day, local_time.replace(tzinfo=None))
    readings = [wall.replace(tzinfo=zone, fold=fold) for fold in (0, 1)]
    real = [reading.astimezone(UTC) for reading in readings if _occurs(reading, zone)]
    if real:
        return min(real)
    # In a gap, the two folds read the wall time with the offsets before and after the jump: the
    # jump lies between them. Transitions fall on whole seconds, so halving to one second finds it.
    earlier, later = sorted(reading.astimezone(UTC) for reading in readings)
    offset_after = later.astimezone(zone).utcoffset()
    while later - earlier > timedelta(seconds=1):
        middle = earlier + timedelta(seconds=(later - earlier).total_seconds() // 2)
        if middle.astimezone(zone).utcoffset() == offset_after:
            later = middle
        else:
            earlier = middle
    return later


def _occurs(reading: datetime, zone: ZoneInfo) -> bool:
    """Whether a wall-clock reading names a real instant (it reads the same after a round trip)."""
    return reading.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == reading.replace(tzinfo=None)


# --- reading and writing schedules ----------------------------------------------------------------


def parse_clock(text: str) -> time:
    """'07:30', '7:30', '19.05' or '7h30' -> time.

    Raises:
        InvalidSchedule: not a time of day on a 24-hour clock.
    """
    match = _CLOCK.match(text)
    if not match:
        raise InvalidSchedule(
            N_("“{text}” is not a time of day: use HH:MM on a 24-hour clock, like 07:30."), text=text.strip()
        )
    return time(int(match.group(1)), int(match.group(2)))


def parse_edition_times(text: str) -> tuple[time, ...]:
    """'07:30, 18:00' -> the distinct times, sorted.

    Raises:
        InvalidSchedule: a part is not a time, none is given, or more than MAX_EDITIONS_PER_DAY.
    """
    times = sorted({parse_clock(part) for part in _SEPARATORS.split(text.strip()) if part})
    if not times:
        raise InvalidSchedule(N_("Give at least one time of day, like 07:30 or 07:30, 18:00."))
    if len(times) > MAX_EDITIONS_PER_DAY:
        raise InvalidSchedule(N_("At most {count} editions a day."), count=MAX_EDITIONS_PER_DAY)
    return tuple(times)


def _not_weekdays(text: str) -> InvalidSchedule:
    return InvalidSchedule(
        N_("“{text}” is not a set of weekdays: write them like mon-fri, sat,sun or every day."), text=text.strip()
    )


def _weekday(word: str, text: str) -> int:
    """A weekday's number from its English name or a prefix of it of two letters or more ('tu', 'thurs')."""
    if len(word) >= MIN_WEEKDAY_PREFIX:
        for number, name in enumerate(FULL_WEEKDAY_NAMES):
            if name.startswith(word):
                return number
    raise _not_weekdays(text)


def parse_weekdays(text: str | None) -> tuple[int, ...]:
    """'mon-fri', 'sat,sun', 'mon, wed-fri' or 'every day' (also blank) -> weekday numbers, sorted.

    A range wraps past Sunday ('fri-mon' is Friday to Monday).

    Raises:
        InvalidSchedule: a part is not a weekday or a range of them.
    """
    written = text or ""
    cleaned = " ".join(written.split()).casefold()
    if not cleaned or cleaned in _EVERY_DAY_WORDS:
        return EVERY_DAY
    days: set[int] = set()
    for part in _DAY_SEPARATORS.split(_RANGE_DASH.sub("-", cleaned)):
        if not part:
            continue
        ends = part.split("-")
        if len(ends) == 1:
            days.add(_weekday(ends[0], written))
        elif len(ends) == 2:  # a range has two ends
            start, stop = (_weekday(end, written) for end in ends)
            days.update((start + offset) % 7 for offset in range((stop - start) % 7 + 1))
        else:
            raise _not_weekdays(written)
    return tuple(sorted(days))


def format_times(times: Sequence[time]) -> str:
    """'07:30, 18:00'."""
    return ", ".join(moment.strftime("%H:%M") for moment in times)


def weekday_runs(weekdays: Collection[int]) -> list[tuple[int, int]]:
    """The weekdays as (first, last) runs of days in a row, three days or more making a range:
    (0, 4) for Monday to Friday, [(5, 5), (6, 6)] for Saturday and Sunday; [] for every day."""
    days = sorted(set(weekdays))
    if tuple(days) == EVERY_DAY:
        return []
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts: list[tuple[int, int]] = []
    for run in runs:
        if len(run) >= MIN_DAYS_IN_RANGE:
            parts.append((run[0], run[-1]))
        else:
            parts.extend((day, day) for day in run)
    return parts


def format_weekdays(weekdays: Collection[int]) -> str:
    """'mon-fri', 'sat, sun', 'mon, wed-fri' (for logs); '' for every day."""
    return ", ".join(
        WEEKDAY_NAMES[first] if first == last else f"{WEEKDAY_NAMES[first]}-{WEEKDAY_NAMES[last]}"
        for first, last in weekday_runs(weekdays)
    )


def weekday_mask(weekdays: Iterable[int]) -> int:
    """Weekdays as stored: bit 0 Monday to bit 6 Sunday (127: every day)."""
    return sum(1 << day for day in set(weekdays))


def weekdays_of_mask(mask: int) -> tuple[int, ...]:
    return tuple(day for day in EVERY_DAY if mask & (1 << day))

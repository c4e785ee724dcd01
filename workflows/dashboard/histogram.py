"""Durations kept as log-spaced histograms, so a median and a 90th percentile over a province's cases are
read from a few thousand bucket rows instead of sorting every case (summary.py, snapshot.py).

A bucket is [1.01^k, 1.01^(k+1)) seconds: 1 % wide at any duration. Each bucket row keeps the count, the
sum and the largest value of the durations in it, so percentiles are PostgreSQL's `percentile_cont` over
the durations with each one replaced by its bucket's mean: exactly the live figure when a bucket holds
one distinct duration (small offices, the tests), and never more than one bucket width (1 %) away from
it otherwise, because the k-th duration and its bucket's mean lie in the same bucket."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Integer, cast, func, literal
from sqlalchemy.orm import Session

from .filters import Spread, hours

RATIO = 1.01
RESOLUTION_PERCENT = round((RATIO - 1) * 100)
_LOG_RATIO = math.log(RATIO)


def bucket_of(session: Session, seconds: ColumnElement) -> ColumnElement:
    """The bucket number of a duration in SQL (durations under a second share bucket 0)."""
    if session.get_bind().dialect.name == "postgresql":
        at_least_one = func.greatest(seconds, literal(1.0))
    else:
        at_least_one = func.max(seconds, literal(1.0))
    return cast(func.floor(func.ln(at_least_one) / literal(_LOG_RATIO)), Integer)


class Buckets:
    """Bucket number → [count, sum of seconds, largest seconds], merged from any number of rows."""

    def __init__(self) -> None:
        self.cells: dict[int, list[float]] = {}

    def add(self, bucket: int, count: int, total: float, largest: float) -> None:
        cell = self.cells.get(bucket)
        if cell is None:
            self.cells[bucket] = [int(count), float(total), float(largest)]
        else:
            cell[0] += int(count)
            cell[1] += float(total)
            cell[2] = max(cell[2], float(largest))

    def shifted(self, seconds: float) -> Buckets:
        """The same durations `seconds` later (a snapshot's waiting times read now)."""
        out = Buckets()
        out.cells = {k: [n, total + n * seconds, largest + seconds] for k, (n, total, largest) in self.cells.items()}
        return out

    def spread(self) -> Spread:
        count = int(sum(cell[0] for cell in self.cells.values()))
        if not count:
            return Spread(0, None, None, None)
        points = [(cell[1] / cell[0], int(cell[0])) for _, cell in sorted(self.cells.items()) if cell[0]]
        largest = max(cell[2] for cell in self.cells.values() if cell[0])
        return Spread(count, hours(weighted_percentile(points, 0.5)), hours(weighted_percentile(points, 0.9)),
                      hours(largest))


def weighted_percentile(points: list[tuple[float, int]], q: float) -> float | None:
    """`percentile_cont(q)` over a sorted list given as (value, how many times) pairs in ascending order."""
    total = sum(n for _, n in points)
    if not total:
        return None
    position = (total - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return _at(points, low) + (_at(points, high) - _at(points, low)) * (position - low)


def _at(points: list[tuple[float, int]], index: int) -> float:
    seen = 0
    for value, n in points:
        seen += n
        if index < seen:
            return value
    return points[-1][0]


def grouped(rows: Iterable[Any], keys: int) -> dict[tuple, Buckets]:
    """Rows of (*keys, bucket, count, sum, largest) into one histogram per key."""
    out: dict[tuple, Buckets] = {}
    for row in rows:
        key = tuple(row[:keys])
        out.setdefault(key, Buckets()).add(*row[keys:keys + 4])
    return out

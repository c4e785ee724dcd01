"""Log-spaced duration histograms (workflows/dashboard/histogram.py): percentiles from bucket rows are
PostgreSQL's percentile_cont exactly when each bucket holds one distinct duration, and within the bucket
width otherwise; the SQL bucket number is the one the width promises."""

from __future__ import annotations

import math
import random

import pytest
from sqlalchemy import create_engine, literal, select
from sqlalchemy.orm import Session

from workflows.dashboard.filters import hours, percentile
from workflows.dashboard.histogram import RATIO, RESOLUTION_PERCENT, Buckets, bucket_of, weighted_percentile


def histogram_of(values: list[float]) -> Buckets:
    out = Buckets()
    for value in values:
        out.add(math.floor(math.log(max(value, 1.0)) / math.log(RATIO)), 1, value, value)
    return out


def test_weighted_percentile_is_percentile_cont_over_the_repeated_values():
    points = [(2.0, 3), (5.0, 1), (7.0, 2)]
    expanded = [2.0, 2.0, 2.0, 5.0, 7.0, 7.0]
    for q in (0.0, 0.25, 0.5, 0.9, 1.0):
        assert weighted_percentile(points, q) == pytest.approx(percentile(expanded, q))
    assert weighted_percentile([], 0.5) is None


def test_one_duration_per_bucket_gives_the_exact_figures():
    values = [12 * 3600.0, 24 * 3600.0, 72 * 3600.0, 96 * 3600.0]
    spread = histogram_of(values).spread()
    assert (spread.count, spread.median_h, spread.p90_h, spread.max_h) == (4, 48.0, 88.8, 96.0)


def test_many_durations_stay_within_the_bucket_width():
    rng = random.Random(5)
    values = sorted(math.exp(rng.uniform(math.log(60), math.log(90 * 86400))) for _ in range(5000))
    values += [36 * 3600 + rng.uniform(0, 600) for _ in range(2000)]  # a crowd in a few buckets
    values.sort()
    spread = histogram_of(values).spread()
    for q, estimate in ((0.5, spread.median_h), (0.9, spread.p90_h)):
        exact = percentile(values, q) / 3600
        assert abs(estimate - exact) <= exact * RESOLUTION_PERCENT / 100 + 0.05, (q, estimate, exact)
    assert spread.count == len(values) and spread.max_h == hours(values[-1])


def test_a_snapshot_shifted_later_keeps_its_order_and_adds_the_time():
    spread = histogram_of([3600.0, 7200.0, 10800.0]).shifted(1800.0).spread()
    assert (spread.median_h, spread.max_h) == (2.5, 3.5)
    assert Buckets().spread().count == 0


@pytest.mark.parametrize("seconds", [0.0, 0.5, 1.0, 59.0, 3600.0, 86400.0 * 3 + 17, 86400.0 * 700])
def test_the_sql_bucket_is_the_promised_one(app, seconds):
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    expected = math.floor(math.log(max(seconds, 1.0)) / math.log(RATIO))
    with Session(engine) as session:
        assert session.scalar(select(bucket_of(session, literal(seconds)))) == expected
    lite = create_engine("sqlite://")
    with Session(lite) as session:
        assert session.scalar(select(bucket_of(session, literal(seconds)))) == expected

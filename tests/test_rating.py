"""How a rating finds a virtual patient (pathway.rating): the rating's error and each person's drifting course,
checked against the normal and Ornstein-Uhlenbeck formulas they stand for."""

import numpy as np
import pytest

from pathway.rating import Rating, rated_share


def test_a_rating_spreads_from_its_error_at_entry_to_error_and_settled_course():
    r = Rating(noise=0.1, spread=0.2, time_h=72.0)
    sd = r.sd(np.array([0.0, 72.0, 1e7]))
    assert sd[0] == pytest.approx(0.1)
    assert sd[1] == pytest.approx(np.sqrt(0.01 + 0.04 * (1 - np.exp(-2.0))))
    assert sd[2] == pytest.approx(np.hypot(0.1, 0.2))
    assert np.all(Rating().sd(np.array([1.0, 1000.0])) == 0)


def test_courses_are_an_ornstein_uhlenbeck_process_drawn_the_same_for_the_same_seed():
    r = Rating(spread=0.2, time_h=48.0)
    t = np.array([24.0, 48.0, 96.0, 2000.0])
    x = r.paths(40000, t, seed=3)
    np.testing.assert_array_equal(x, r.paths(40000, t, seed=3))       # the same people in every arm
    assert not np.array_equal(x, r.paths(40000, t, seed=4))
    np.testing.assert_allclose(x.std(axis=0), 0.2 * np.sqrt(1 - np.exp(-2 * t / 48.0)), rtol=0.03)
    assert abs(x.mean()) < 0.005
    # two readings a day apart, once settled: correlation exp(-24 h / 48 h)
    late = r.paths(40000, np.array([1000.0, 1024.0]), seed=5)
    assert np.corrcoef(late.T)[0, 1] == pytest.approx(np.exp(-0.5), abs=0.02)
    # readings given out of order get the same courses as in order
    np.testing.assert_array_equal(r.paths(10, t[::-1], seed=3)[:, ::-1], r.paths(10, t, seed=3))
    assert not Rating().paths(5, t, seed=1).any()


def test_a_rate_with_no_error_is_a_count_and_with_error_the_expected_count():
    x = np.array([[0.3, 0.5], [0.6, 0.7], [0.9, 0.2]])
    np.testing.assert_allclose(rated_share(x, 0.5), [2 / 3, 2 / 3])
    from scipy.stats import norm
    got = rated_share(x, 0.5, np.array([0.0, 0.1]))                    # a column without error stays a count
    np.testing.assert_allclose(got, [2 / 3, norm.cdf((x[:, 1] - 0.5) / 0.1).mean()])
    assert np.all(np.isfinite(got))


def test_relapse_without_a_course_counts_the_people_who_fall_below():
    outcome = np.array([[0.8, 0.8, 0.4], [0.8, 0.6, 0.7], [0.3, 0.9, 0.9], [0.9, 0.45, 0.9]])
    share = Rating(noise=0.5).relapse_share(outcome, [1.0, 2.0, 3.0], 1, 0.7, 0.5, seed=0)
    assert share == pytest.approx(2 / 3)        # of the 3 at 0.7 or more first, two fell below 0.5; noise unused
    assert Rating().relapse_share(outcome, [1.0, 2.0, 3.0], 1, 0.95, 0.5, seed=0) is None


def test_a_drifting_course_brings_relapse_to_people_the_model_keeps_well():
    well = np.full((4000, 60), 0.8)
    t = np.arange(1, 61) * 24.0
    assert Rating().relapse_share(well, t, 1, 0.7, 0.5, seed=1) == 0.0
    slow = Rating(spread=0.15, time_h=24.0 * 28).relapse_share(well, t, 1, 0.7, 0.5, seed=1)
    fast = Rating(spread=0.15, time_h=24.0 * 3).relapse_share(well, t, 1, 0.7, 0.5, seed=1)
    assert 0 < slow < fast < 1

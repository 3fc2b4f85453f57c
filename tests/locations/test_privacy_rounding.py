"""Properties of the coordinates stored per privacy level (pure functions, no database)."""

import math

from hypothesis import given
from hypothesis import strategies as st

from apps.locations.models import (
    APPROXIMATE_ACCURACY_METERS,
    round_coordinate,
    stored_accuracy,
    stored_coordinates,
)

latitudes = st.floats(min_value=-90, max_value=90, allow_nan=False)
longitudes = st.floats(min_value=-180, max_value=180, allow_nan=False)
accuracies = st.none() | st.floats(min_value=0, max_value=1e6, allow_nan=False)
coarse = st.sampled_from(["approximate", "hidden"])

# Half a hundredth of a degree, plus float slack: at most ~560 m from the true position.
MAX_SHIFT = 0.005 + 1e-9


@given(latitudes, longitudes)
def test_precise_coordinates_are_stored_as_given(latitude, longitude):
    assert stored_coordinates(latitude, longitude, "precise") == (latitude, longitude)


@given(latitudes, longitudes, coarse)
def test_coarse_coordinates_move_at_most_half_a_hundredth_of_a_degree(latitude, longitude, level):
    lat, lng = stored_coordinates(latitude, longitude, level)

    assert abs(lat - latitude) <= MAX_SHIFT
    assert abs(lng - longitude) <= MAX_SHIFT


@given(latitudes, longitudes, coarse)
def test_coarse_coordinates_stay_in_range_and_keep_two_decimals(latitude, longitude, level):
    lat, lng = stored_coordinates(latitude, longitude, level)

    assert -90 <= lat <= 90
    assert -180 <= lng <= 180
    for value in (lat, lng):
        assert math.isclose(value * 100, round(value * 100), abs_tol=1e-6)


@given(latitudes, longitudes, coarse)
def test_rounding_twice_changes_nothing(latitude, longitude, level):
    once = stored_coordinates(latitude, longitude, level)

    assert stored_coordinates(*once, level) == once


@given(st.floats(min_value=-0.004, max_value=0.004))
def test_rounding_never_gives_negative_zero(value):
    assert math.copysign(1, round_coordinate(value)) == 1


@given(accuracies, coarse)
def test_coarse_accuracy_is_never_better_than_the_rounding(accuracy, level):
    stored = stored_accuracy(accuracy, level)

    assert stored >= APPROXIMATE_ACCURACY_METERS
    assert accuracy is None or stored >= accuracy


@given(accuracies)
def test_precise_accuracy_is_kept(accuracy):
    assert stored_accuracy(accuracy, "precise") == accuracy

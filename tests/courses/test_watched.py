from courses import watched


def test_merge_joins_overlapping_and_adjacent_ranges():
    """Overlapping and touching ranges merge; empty ones vanish."""
    assert watched.merge([[5, 10], [0, 5], [8, 12], [20, 20], [30, 31]]) == [[0, 12], [30, 31]]


def test_normalise_clamps_to_duration_and_whole_seconds():
    """Player floats become whole seconds inside the video; garbage is dropped."""
    reported = [[-3, 2.4], [9.6, 500], [float("nan"), 3], [7, 6]]
    assert watched.normalise(reported, duration=12) == [[0, 2], [9, 12]]


def test_credit_counts_only_new_seconds():
    """Seconds already watched are not credited again."""
    ranges, credited = watched.credit([[0, 10]], [[5, 15]], budget=100)
    assert ranges == [[0, 15]]
    assert credited == 5


def test_credit_stops_at_the_budget_earliest_first():
    """No more than the budget is credited, starting from the earliest new second."""
    ranges, credited = watched.credit([[10, 20]], [[0, 40]], budget=15)
    assert credited == 15
    assert ranges == [[0, 25]]


def test_credit_fills_gaps_between_watched_stretches():
    """New seconds between two watched stretches are credited and the whole merges."""
    ranges, credited = watched.credit([[0, 5], [10, 15]], [[0, 15]], budget=100)
    assert (ranges, credited) == ([[0, 15]], 5)


def test_credit_with_no_budget_changes_nothing():
    """A zero budget credits nothing."""
    assert watched.credit([[0, 5]], [[5, 50]], budget=0) == ([[0, 5]], 0)

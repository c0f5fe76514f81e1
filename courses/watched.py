"""Arithmetic on the distinct seconds of a video a learner has watched.

Ranges are [start, end) pairs of whole seconds, kept sorted and merged, so that seeking to the end
or replaying the same minute never counts twice.
"""

import math
from collections.abc import Iterable, Sequence

Range = list[int]


def merge(ranges: Iterable[Sequence[int]]) -> list[Range]:
    merged: list[Range] = []
    for start, end in sorted((int(a), int(b)) for a, b in ranges if int(b) > int(a)):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def total(ranges: Iterable[Sequence[int]]) -> int:
    return sum(end - start for start, end in ranges)


def normalise(reported: Iterable[Sequence[float]], *, duration: int) -> list[Range]:
    """Whole-second ranges from what a player reported, clamped to the video's length."""
    ranges = []
    for pair in reported:
        start, end = (float(x) for x in pair)
        if not (math.isfinite(start) and math.isfinite(end)):
            continue
        start_s = max(0, math.floor(start))
        end_s = min(duration, round(end))
        if end_s > start_s:
            ranges.append([start_s, end_s])
    return merge(ranges)


def credit(
    existing: Sequence[Sequence[int]], reported: Sequence[Sequence[int]], *, budget: int
) -> tuple[list[Range], int]:
    """Add at most ``budget`` new seconds of ``reported`` to ``existing``, earliest first.

    Returns the merged ranges and how many new seconds were credited.
    """
    seen = merge(existing)
    new: list[Range] = []
    remaining = max(0, budget)
    for start, end in merge(reported):
        cursor = start
        for seen_start, seen_end in seen:
            if remaining <= 0 or cursor >= end:
                break
            if seen_end <= cursor:
                continue
            gap_end = min(end, seen_start)
            if gap_end > cursor:
                take = min(gap_end - cursor, remaining)
                new.append([cursor, cursor + take])
                remaining -= take
            cursor = max(cursor, seen_end)
        if remaining > 0 and cursor < end:
            take = min(end - cursor, remaining)
            new.append([cursor, cursor + take])
            remaining -= take
    return merge([*seen, *new]), total(new)

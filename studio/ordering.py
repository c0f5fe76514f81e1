"""Positions of modules, components and questions: a gap-free 1..n among live rows.

Positions are unique per parent (a database constraint), so renumbering parks the rows first;
archived rows sit at ``ARCHIVED_POSITION`` + their id, out of the live order.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import F, Max, QuerySet

from studio.errors import StudioRefused

ARCHIVED_POSITION = 1_000_000


def next_position(queryset: QuerySet) -> int:
    return (
        queryset.filter(position__lt=ARCHIVED_POSITION).aggregate(m=Max("position"))["m"] or 0
    ) + 1


def renumber(rows: list, ordered_ids: Sequence[int]) -> None:
    """Give ``rows`` the positions 1..n in ``ordered_ids`` order, past the unique constraint."""
    by_id = {row.pk: row for row in rows}
    model = type(rows[0])
    # Park every row out of the way first: positions are unique per parent.
    model.objects.filter(pk__in=by_id).update(position=F("position") + ARCHIVED_POSITION * 2)
    for position, pk in enumerate(ordered_ids, start=1):
        model.objects.filter(pk=pk).update(position=position)


def reorder(live: QuerySet, ordered_ids: Sequence[int]) -> None:
    rows = list(live.select_for_update().order_by("position"))
    if sorted(int(pk) for pk in ordered_ids) != sorted(row.pk for row in rows):
        raise StudioRefused("The order sent does not match the current items: reload the page.")
    renumber(rows, [int(pk) for pk in ordered_ids])


def move(live: QuerySet, item_id: int, direction: str) -> None:
    rows = list(live.select_for_update().order_by("position"))
    ids = [row.pk for row in rows]
    index = ids.index(item_id)
    target = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down"):
        raise StudioRefused("Move up or down.")
    if 0 <= target < len(ids):
        ids[index], ids[target] = ids[target], ids[index]
        renumber(rows, ids)

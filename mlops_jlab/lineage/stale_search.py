"""Pages of stale runs in the order of any search of runs.

A page of stale runs is a search of runs (the same filter, order, experiment, deleted runs
and page token as any page) walked a batch at a time, keeping the runs that
:func:`~mlops_jlab.lineage.staleness.stale_runs` says are stale, until the page is full.
The rule of staleness thus has one home, the one that gives every page its reasons; no
query of its own finds every stale run of the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from mlops_jlab.errors import InvalidInputError
from mlops_jlab.lineage.staleness import stale_runs
from mlops_jlab.store import search

# Runs examined in the first batch, at least (a page of more runs starts with a batch of
# its size). Where most runs are stale, as after a dataset refresh, one or two batches fill
# a page of 100; checking 200 runs costs about 3 ms at 100k runs (some 15 us a run).
FIRST_BATCH = 200
# Each further batch doubles, up to this: where stale runs are rare a page examines many
# runs, and 200, 400, ... 3,200, 3,200, ... reaches 100k runs in 35 batches rather than
# 500. Larger batches would save little more (the check's cost is per run), while a page
# found early in a batch pays for the whole batch: 3,200 runs take about 65 ms to check.
MAX_BATCH = 3_200


@dataclass(frozen=True)
class StalePage:
    """A page of stale runs, with what the walk learned on the way."""

    run_ids: list[str]
    reasons: dict[str, list[str]]  # run id -> why it is stale, for the page's runs
    next_page_token: str | None
    examined: int  # runs whose staleness the walk checked
    stale: int  # of them, how many were stale (on the page or not)
    from_start: bool  # the walk began at the first matching run (no page token)
    to_end: bool  # the walk reached the last matching run

    @property
    def stale_total(self) -> int | None:
        """How many matching runs are stale, when the walk examined every one of them."""
        return self.stale if self.from_start and self.to_end else None

    def estimated_total(self, matching: int) -> int:
        """How many of the ``matching`` runs are likely stale: the share of stale runs
        among those examined, applied to them all; never fewer than were found, nor more
        than could be among the runs not examined."""
        share = self.stale / self.examined if self.examined else 0.0
        unexamined = max(matching - self.examined, 0)
        return min(max(round(matching * share), self.stale), self.stale + unexamined)


def search_stale_runs(
    conn: Connection,
    filter: str | None = None,
    order_by: Sequence[str] | str | None = None,
    max_results: int = 100,
    page_token: str | None = None,
    experiment: str | None = None,
    include_deleted: bool = False,
    reverse: bool = False,
) -> StalePage:
    """One page of the stale runs among those :func:`~mlops_jlab.store.search.search_runs`
    finds, in its order (from its end with ``reverse``); its ``next_page_token`` resumes
    right after the page's last run.

    The runs are examined a batch at a time (:data:`FIRST_BATCH`, doubling up to
    :data:`MAX_BATCH`) until the page is full. The token is given when runs remain to be
    examined, so the page after may still turn out empty, with no token. Deleted runs are
    never stale.
    """
    if not isinstance(max_results, int) or isinstance(max_results, bool) or max_results < 1:
        raise InvalidInputError(f"max_results must be a positive integer, not {max_results!r}")
    found: list[str] = []
    reasons: dict[str, list[str]] = {}
    examined = stale = 0
    batch = max(max_results, FIRST_BATCH)
    token = page_token
    while True:
        page = search.search_runs(
            conn, filter, order_by, batch, token, experiment, include_deleted, reverse
        )
        why = stale_runs(conn, page.run_ids)
        examined += len(page.run_ids)
        stale += len(why)
        in_order = [index for index, run_id in enumerate(page.run_ids) if run_id in why]
        room = max_results - len(found)
        for index in in_order[:room]:
            found.append(page.run_ids[index])
            reasons[page.run_ids[index]] = why[page.run_ids[index]]
        if len(in_order) >= room:
            # Full: resume after the last run kept, unless nothing after it can be stale
            # (the batch's stale runs are all on the page, and no runs follow).
            last = in_order[room - 1]
            more = len(in_order) > room or page.has_more
            return StalePage(
                found,
                reasons,
                page.token_after(last) if more else None,
                examined,
                stale,
                page_token is None,
                not page.has_more,
            )
        if not page.has_more:
            return StalePage(found, reasons, None, examined, stale, page_token is None, True)
        token = page.next_page_token
        batch = max(batch, min(2 * batch, MAX_BATCH))


__all__ = ["FIRST_BATCH", "MAX_BATCH", "StalePage", "search_stale_runs"]

"""The convention-free scorer of imported drafts (tests/support/import_alignment.py): the best
one-to-one pairing of key tasks and draft tasks, then the triples compared through it."""

from __future__ import annotations

import itertools
import random

from tests.support.import_alignment import _assignment, align


def _best(weights: list[list[int]]) -> int:
    rows, cols = len(weights), len(weights[0]) if weights else 0
    if not rows or not cols:
        return 0
    if cols >= rows:
        return max(
            sum(weights[i][perm[i]] for i in range(rows))
            for perm in itertools.permutations(range(cols), rows)
        )
    return max(
        sum(weights[perm[j]][j] for j in range(cols))
        for perm in itertools.permutations(range(rows), cols)
    )


def test_the_pairing_is_optimal_and_one_to_one_on_random_matrices() -> None:
    chance = random.Random(13)
    for _ in range(400):
        rows, cols = chance.randint(0, 5), chance.randint(1, 5)
        weights = [[chance.randint(0, 4) for _ in range(cols)] for _ in range(rows)]
        paired = _assignment(weights)
        taken = [j for j in paired if j >= 0]
        assert len(taken) == len(set(taken))
        assert sum(weights[i][j] for i, j in enumerate(paired) if j >= 0) == _best(weights)


def test_a_right_task_under_another_number_counts_once_and_right() -> None:
    want = {
        ("III.2.1", "so-y-te", "lead"),
        ("III.2.1", "so-tai-chinh", "coordinate"),
        ("III.2.2", "so-gtvt", "lead"),
    }
    got = {
        ("5.1", "so-y-te", "lead"),
        ("5.1", "so-tai-chinh", "coordinate"),
        ("5.2", "so-gtvt", "lead"),
    }
    assert align(got, want) == want


def test_misattribution_merging_and_extra_tasks_still_cost() -> None:
    want = {("1", "so-y-te", "lead"), ("2", "so-gtvt", "lead")}
    merged = {("1", "so-y-te", "lead"), ("1", "so-gtvt", "lead"), ("3", "so-xay-dung", "lead")}
    aligned = align(merged, want)
    assert len(aligned & want) == 1  # one task cannot stand for two
    assert ("draft:3", "so-xay-dung", "lead") in aligned  # an extra task matches nothing


def test_equal_numbers_win_a_tie() -> None:
    want = {("II.1", "so-y-te", "lead"), ("II.2", "so-y-te", "lead")}
    got = {("2", "so-y-te", "lead"), ("1", "so-y-te", "lead")}
    assert align(got, want) == want

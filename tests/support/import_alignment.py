"""Scoring an imported draft against an answer key whatever the two call their tasks.

A key names each task the way its reader numbered it ("III.2.1", "PL.II.5", "2"); the importer
numbers tasks its own way (unique ids, renumbered where a plan restarts its numbering in each
section). Scored by id, a right task under another number counts twice against the importer.
Here each text's key tasks and draft tasks are paired one to one so that the pairs share as
many (agency, role) pairs as possible (an optimal assignment, the Hungarian method); a pairing
whose ids agree wins a tie. Then the triples are compared through the pairing: a task the
importer split, merged or attributed to the wrong paragraph still costs what it costs by id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

Triple = tuple[str, str, str]


def _square_costs(weights: Sequence[Sequence[int]]) -> list[list[int]]:
    """The weights as costs to minimise, padded to a square with weight 0."""
    rows = len(weights)
    n = max(rows, max((len(r) for r in weights), default=0))
    top = max((w for r in weights for w in r), default=0)
    return [
        [top - (weights[i][j] if i < rows and j < len(weights[i]) else 0) for j in range(n)]
        for i in range(n)
    ]


class _Hungarian:
    """The Hungarian method (potentials u, v; p[j] the row of column j, 1-based, 0 = free)."""

    def __init__(self, cost: list[list[int]]) -> None:
        self.cost = cost
        self.n = len(cost)
        self.u = [0.0] * (self.n + 1)
        self.v = [0.0] * (self.n + 1)
        self.p = [0] * (self.n + 1)

    def add_row(self, i: int) -> None:
        n, u, v, p = self.n, self.u, self.v, self.p
        p[0] = i
        j0 = 0
        minv = [float("inf")] * (n + 1)
        way = [0] * (n + 1)
        used = [False] * (n + 1)
        while p[j0] != 0:
            used[j0] = True
            i0, delta, j1 = p[j0], float("inf"), 0
            for j in range(1, n + 1):
                if used[j]:
                    continue
                reduced = self.cost[i0 - 1][j - 1] - u[i0] - v[j]
                if reduced < minv[j]:
                    minv[j], way[j] = reduced, j0
                if minv[j] < delta:
                    delta, j1 = minv[j], j
            for j in range(n + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
        while j0:
            p[j0] = p[way[j0]]
            j0 = way[j0]


def _assignment(weights: Sequence[Sequence[int]]) -> list[int]:
    """For each row, the column it is paired with (or -1), maximising the total weight."""
    cost = _square_costs(weights)
    method = _Hungarian(cost)
    for i in range(1, len(cost) + 1):
        method.add_row(i)
    cols = max((len(r) for r in weights), default=0)
    paired = [-1] * len(weights)
    for j in range(1, len(cost) + 1):
        i = method.p[j] - 1
        if 0 <= i < len(weights) and j - 1 < cols:
            paired[i] = j - 1
    return paired


def _ids_agree(key_id: str, draft_id: str) -> bool:
    """The same number, or the key's number with its section (or annex) prefix dropped."""
    if key_id == draft_id:
        return True
    parts = key_id.split(".")
    return any(".".join(parts[k:]) == draft_id for k in range(1, len(parts)))


def align(got: set[Triple], want: set[Triple]) -> set[Triple]:
    """The draft's triples renamed to the key's task ids through the best one-to-one pairing of
    tasks (draft tasks left unpaired keep an id no key task has)."""
    drafted: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for task, agency, role in got:
        drafted[task].add((agency, role))
    keyed: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for task, agency, role in want:
        keyed[task].add((agency, role))
    key_ids = sorted(keyed)
    draft_ids = sorted(drafted)
    weights = [
        [2 * len(keyed[k] & drafted[d]) + (1 if _ids_agree(k, d) else 0) for d in draft_ids]
        for k in key_ids
    ]
    paired = _assignment(weights)
    rename = {
        draft_ids[j]: key_ids[i] for i, j in enumerate(paired) if j >= 0 and weights[i][j] > 0
    }
    return {(rename.get(task, f"draft:{task}"), agency, role) for task, agency, role in got}

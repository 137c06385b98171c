"""Precision and recall of lead and coordinating agencies on real published texts.

Each text under tests/data/plans/ (its source address on its first line) has an answer key in
answer_keys.json, written by reading the text. The key names agencies as the text does; they are
resolved to the draft's agencies by name (directory names and aliases, or the name of a new
agency), so a wrong match counts as an error too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import pytest

from bot.agencies import AgencyDirectory
from bot.importer import import_plan
from bot.importer.lexicon import Lexicon, tokenize
from bot.plan import load_plan, parse_plan
from bot.text import fold
from tests.support.import_alignment import align

PLANS = Path(__file__).parent / "data" / "plans"

Key = dict[str, dict[str, list[str]]]
Triple = tuple[str, str, str]


def load_keys(folder: Path) -> dict[str, Key]:
    """The answer keys of the texts in folder (its answer_keys.json, without '_' notes)."""
    keys = json.loads((folder / "answer_keys.json").read_text(encoding="utf-8"))
    return {name: tasks for name, tasks in keys.items() if not name.startswith("_")}


KEYS = load_keys(PLANS)


def _resolve(name: str, lexicon: Lexicon, new_names: dict[str, str]) -> str:
    if fold(name) in new_names:
        return new_names[fold(name)]
    # "các sở, ngành, đơn vị liên quan": the group the phrase names; its vague words add nothing.
    mentions = [m for m in lexicon.mentions(name, tokenize(name)) if m.candidate.kind != "vague"]
    if len(mentions) == 1 and mentions[0].candidate.agency_id is not None:
        return mentions[0].candidate.agency_id
    if len(mentions) == 1 and fold(mentions[0].candidate.name) in new_names:
        return new_names[fold(mentions[0].candidate.name)]
    return f"unresolved:{name}"


def triples(folder: Path, name: str, key: Key) -> tuple[set[Triple], set[Triple]]:
    """(what the importer drafted, what the key says) for one text, as (task, agency, role)."""
    result = import_plan(folder / name, load_plan().agencies)
    plan = parse_plan(result.draft)
    lexicon = Lexicon(AgencyDirectory(load_plan().agencies))
    new_names = {fold(a.name): a.id for a in result.new_agencies}
    got: set[Triple] = {
        (task.id, assignment.agency, str(assignment.role))
        for task in plan.tasks
        for assignment in task.assignments
    }
    want: set[Triple] = set()
    for task_id, roles in key.items():
        for role, names in (("lead", roles["lead"]), ("coordinate", roles["coordinate"])):
            want |= {(task_id, _resolve(n, lexicon, new_names), role) for n in names}
    return got, want


def score(pairs: Iterable[tuple[set[Triple], set[Triple]]], role: str) -> tuple[float, float]:
    hits = found = expected = 0
    for got, want in pairs:
        got_role = {t for t in got if t[2] == role}
        want_role = {t for t in want if t[2] == role}
        hits += len(got_role & want_role)
        found += len(got_role)
        expected += len(want_role)
    return hits / max(found, 1), hits / max(expected, 1)


def below_floors(
    folder: Path, keys: dict[str, Key], floors: dict[str, tuple[Fraction, Fraction]]
) -> dict[str, tuple[float, float]]:
    """The roles whose aligned precision or recall on folder's keyed texts fall below their
    floor (key tasks paired one to one with draft tasks, tests/support/import_alignment.py)."""
    pairs = []
    for name in sorted(keys):
        got, want = triples(folder, name, keys[name])
        pairs.append((align(got, want), want))
    below = {}
    for role, (precision, recall) in floors.items():
        measured = score(pairs, role)
        if measured[0] < precision - 1e-9 or measured[1] < recall - 1e-9:
            below[role] = measured
    return below


def scores_of(folder: Path, keys: dict[str, Key]) -> dict[str, float]:
    """Lead and coordinate precision and recall of the importer on every keyed text of folder."""
    pairs = [triples(folder, name, keys[name]) for name in sorted(keys)]
    lead_p, lead_r = score(pairs, "lead")
    coordinate_p, coordinate_r = score(pairs, "coordinate")
    return {
        "lead precision": lead_p,
        "lead recall": lead_r,
        "coordinate precision": coordinate_p,
        "coordinate recall": coordinate_r,
    }


def test_there_are_real_texts_from_several_issuers() -> None:
    assert len(KEYS) >= 8
    for name in KEYS:
        first = (PLANS / name).read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# Nguồn: http"), name


@pytest.mark.parametrize("name", sorted(KEYS))
def test_every_key_task_exists_in_the_draft(name: str) -> None:
    got, want = triples(PLANS, name, KEYS[name])
    draft_ids = {t[0] for t in got}
    missing = {t for t in want if t[0] not in draft_ids}
    assert not missing, missing


def test_precision_and_recall_of_leads_and_coordinators() -> None:
    scores = scores_of(PLANS, KEYS)
    assert all(value >= 0.9 for value in scores.values()), scores

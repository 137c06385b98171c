"""The second held-out set of published plans (tests/data/plans_heldout2/): measured once, then a
floor.

Eleven real plan documents (nine provinces and cities, one ministry; Kế hoạch, Chỉ thị, Quyết
định with their plans, a Phụ lục task table) whose keys were written by an engineer who had not
read or run the importer, while another engineer worked on the importer without seeing them
(README.md there). The lead measured them once at the end of the fourth session (BENCHMARKS.md,
"Second held-out set"): issue 13's 0.9 is NOT met on them. The floors below are that measurement,
so that a later change cannot quietly lose what was recovered; they are not a target.

The keys number tasks by the text's own sections ("III.2.1", "PL.II.5"), the importer by unique
ids of its own, so the triples are compared through the best one-to-one pairing of key and draft
tasks (tests/support/import_alignment.py).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from tests.test_import_accuracy import below_floors, load_keys

HELDOUT2 = Path(__file__).parent / "data" / "plans_heldout2"
KEYS = load_keys(HELDOUT2)

# Measured 2 December 2026 on 5ccf89f: lead 56/86, 56/105; coordinate 23/26, 23/45. The set
# became a development set in the fifth session (README.md there); raised as rules land, never
# lowered: fifth session, bar-separated table rows, appendix titles, "Văn phòng X" (and 7 keyed
# 'địa phương liên quan' coordinators, answer_keys.json '_notes'): lead 65/96, 65/105;
# coordinate 35/38, 35/52; sixth session (lettered items under an agency heading as one task,
# dashed partner lists, 2025 bodies and groups, recipients and owners): lead 84/114, 84/105;
# coordinate 39/42, 39/52; eighth session (tasks written as fields, "được phân công chủ trì"):
# lead 84/111, 84/105; coordinate 42/45, 42/52; then (a heading naming bodies between
# semicolons, the closing request of a Chỉ thị): lead 85/102, 85/105; then (Party offices,
# regional state bodies): lead 96/113, 96/105; then (a list going on after a unit in
# brackets, the press): lead 97/114, 97/105, coordinate 43/46, 43/52; then (requests for
# feedback on difficulties are no tasks): lead 97/111, 97/105; then (organisation items in
# dashed points, "X tỉnh và các Đoàn thể", headings that are only a long name): lead 103/116,
# 103/105, coordinate 44/47, 44/52; ninth session ("do X ban hành" describes, names listed on
# after a clause without a subject are no leads): lead 103/110, 103/105; then (a bare "Công
# an", headings naming a kind of actor, a closing "Yêu cầu … nghiêm túc … ./."): lead 104/109,
# 104/105, coordinate 46/49, 46/52.
FLOORS = {
    "lead": (Fraction(104, 109), Fraction(104, 105)),
    "coordinate": (Fraction(46, 49), Fraction(46, 52)),
}


def test_the_second_held_out_texts_are_real_and_apart_from_every_other_set() -> None:
    assert len(KEYS) == 11
    data = Path(__file__).parent / "data"
    others: set[str] = set()
    for folder in ("plans", "plans_unseen", "plans_heldout"):
        others |= set(load_keys(data / folder))
    assert not others & set(KEYS)
    for name in KEYS:
        first = (HELDOUT2 / name).read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# Nguồn: http"), name


def test_the_second_held_out_set_keeps_what_was_measured() -> None:
    below = below_floors(HELDOUT2, KEYS, FLOORS)
    assert not below, below

"""The fourth held-out set of published plans (tests/data/plans_heldout5/): measured once, then a
floor.

Five real documents (Phú Thọ, Ninh Bình twice, a national steering committee, the Ministry of
Construction; Quyết định with a Quy chế of coordination, a Kế hoạch in field style, a Công điện)
whose keys were written in the eighth session by an engineer who neither read nor ran the
importer, while another engineer worked on the importer without seeing them (README.md there).
The lead measured them once at the end of the eighth session (BENCHMARKS.md, "Fourth held-out
set"): issue 13's 0.9 is NOT met on them (lead 0.86 / 0.59, coordinate 0.86 / 0.55); the floors below are those figures, so that a later change cannot quietly lose what was
recovered; they are not a target, and the set is spent from then on.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from tests.test_import_accuracy import below_floors, load_keys

HELDOUT5 = Path(__file__).parent / "data" / "plans_heldout5"
KEYS = load_keys(HELDOUT5)

# Measured once, 3 December 2026 at 18:24 UTC, on c929c9f (main after the eighth session's importer
# work): lead 71/83, 71/120, coordinate 30/35, 30/55 (on a90d1b8, main when the session began:
# lead 66/82, 66/120, coordinate 27/37, 27/55). The floors were the first figures; the set is a
# development set since, and in the ninth session (4 December 2026) they were raised to what
# the importer reached on it then (lettered parts, field outlines, a national steering
# committee as a central issuer, units at a level: tests/test_import_ninth_rules.py): lead
# 105/112, 105/120, coordinate 44/47, 44/55; then (central mass organisations, "Tỉnh ủy" boards,
# units directed in an item's points, fields naming "các đơn vị thuộc X") lead 111/116,
# 111/120; then (an article on a contractor's duties) lead 113/118, 113/120; in the tenth
# session (a name read on across a dash: "Cục Kinh tế - Quản lý đầu tư …") the figures below.
FLOORS = {
    "lead": (Fraction(114, 118), Fraction(114, 120)),
    "coordinate": (Fraction(46, 49), Fraction(46, 55)),
}


def test_the_fourth_held_out_texts_are_real_and_apart_from_every_other_set() -> None:
    assert len(KEYS) == 5
    data = Path(__file__).parent / "data"
    others: set[str] = set()
    for folder in ("plans", "plans_unseen", "plans_heldout", "plans_heldout2", "plans_heldout4"):
        others |= set(load_keys(data / folder))
    assert not others & set(KEYS)
    for name in KEYS:
        first = (HELDOUT5 / name).read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# Nguồn: http"), name


def test_the_fourth_held_out_set_keeps_what_was_measured() -> None:
    below = below_floors(HELDOUT5, KEYS, FLOORS)
    assert not below, below

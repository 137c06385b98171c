"""The sixth held-out set of published plans (tests/data/plans_heldout7/): measured once, then a
floor.

Seventeen real documents from issuers new to the project (the Party's Ban Bí thư and Văn phòng
Trung ương Đảng, the Ministries of Defence, Finance, Home Affairs and Agriculture and
Environment, the State steering committee on tourism, and the provinces and cities of An Giang,
Bắc Giang, Cà Mau, Cao Bằng, Đà Nẵng, Lâm Đồng and Vĩnh Long). Their keys were written in the
tenth session by an engineer who neither read nor ran the importer, while another engineer
worked on the importer without seeing them (README.md there). The lead measured them once, at
the end of the importer's work: issue 13's 0.9 is not met on them (lead 0.59 / 0.54, coordinate
1.00 / 0.70). The floors below are those figures, so that a later change cannot quietly lose
what was recovered; they are not a target, and the set is spent from then on.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from tests.test_import_accuracy import below_floors, load_keys

HELDOUT7 = Path(__file__).parent / "data" / "plans_heldout7"
KEYS = load_keys(HELDOUT7)

# Measured once, 4 December 2026 at 05:02 UTC, on 00bce4f (main after the tenth session's
# importer work, which never saw these texts): lead 59/100, 59/109, coordinate 39/39, 39/56.
# On 65a0989, main when the session began: lead 51/91, 51/109, coordinate 34/36, 34/56. A
# development set since. Then the closing clause of a decision ("2. Chánh Văn phòng …
# chịu trách nhiệm thi hành Quyết định này./.", that sentence alone) gave no task
# (tests/test_import_tenth_rules.py), and the figures below are those. The one hit lost had
# been spurious: the closing clause, numbered "2", was aligned with the key's "Điều 2" and
# shared one agency with it.
FLOORS = {
    "lead": (Fraction(58, 88), Fraction(58, 109)),
    "coordinate": (Fraction(39, 39), Fraction(39, 56)),
}


def test_the_sixth_held_out_texts_are_real_and_apart_from_every_other_set() -> None:
    assert len(KEYS) == 17
    data = Path(__file__).parent / "data"
    others: set[str] = set()
    for folder in (
        "plans",
        "plans_unseen",
        "plans_heldout",
        "plans_heldout2",
        "plans_heldout4",
        "plans_heldout5",
        "plans_heldout6",
    ):
        others |= set(load_keys(data / folder))
    assert not others & set(KEYS)
    for name in KEYS:
        first = (HELDOUT7 / name).read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# Nguồn: http"), name


def test_the_sixth_held_out_set_keeps_what_was_measured() -> None:
    below = below_floors(HELDOUT7, KEYS, FLOORS)
    assert not below, below

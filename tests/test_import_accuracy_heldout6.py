"""The fifth held-out set of published plans (tests/data/plans_heldout6/): measured once, then a
floor.

Six real documents (Huế: a Quyết định with its Quy trình, a Nghị quyết of the council, a
Chairman's Quyết định on delegation; the Government's steering committee on two-level local
government, two công văn, one with a Phụ lục table of ministries; the Ministry of Labour's
công văn) whose keys were written in the ninth session by an engineer who neither read nor ran
the importer, while another engineer worked on the importer without seeing them (README.md
there). The lead measured them once at the end of the ninth session: issue 13's 0.9 is far from
met on them (lead 0.75 / 0.21, coordinate 0.78 / 0.33). The floors below are those figures, so
that a later change cannot quietly lose what was recovered; they are not a target, and the set is
spent from then on.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from tests.test_import_accuracy import below_floors, load_keys

HELDOUT6 = Path(__file__).parent / "data" / "plans_heldout6"
KEYS = load_keys(HELDOUT6)

# Measured once, 4 December 2026 at 03:14 UTC, on b2a9ba6 (main after the ninth session's
# importer work, which never saw these texts): lead 30/40, 30/144, coordinate 7/9, 7/21 (on
# 6465a6d, main when the session began: lead 31/43, 31/144, coordinate 7/9, 7/21). A
# development set since; in the tenth session (4 December 2026) the floors were raised to what
# the importer reached on it then (a letter addressed to the ministers or to every province is
# central without its heading block; a Phụ lục column "Bộ phụ trách tiếp nhận, xử lý" names the
# leads: tests/test_import_tenth_rules.py): lead 94/106, 94/144, coordinate 8/10, 8/21; then
# (the steps of a procedure, the addressee of a letter to one body, "các Bộ: A; B", names cited
# in a fronted phrase, names with a dash, a slash or a comma inside) lead 125/140, 125/144,
# coordinate 13/16, 13/21; then (partners of work the subject goes on with, a council's own
# bodies, a centrally-run city's committee as the issuer, the closing article, an item's own
# line over its numbered points, partners listed after a label) lead 131/138, 131/144,
# coordinate 20/20, 20/21; then (public service units, "X có trách nhiệm:" over its points, a
# "Trường hợp …" paragraph after a dash) lead 136/142, 136/144, coordinate 20/20, 20/21; then
# (the partners a task cell names when a table has no partners' column) lead 136/142, 136/144,
# coordinate 21/21, 21/21; then the key of PL.50 was mended (its cell names one ministry, "Bộ
# Văn hóa, Thể thao và Du lịch", keyed as two names before: 143 leads keyed, not 144), and the
# figures below are 4c5d5ec's on it.
FLOORS = {
    "lead": (Fraction(137, 142), Fraction(137, 143)),
    "coordinate": (Fraction(21, 21), Fraction(21, 21)),
}


def test_the_fifth_held_out_texts_are_real_and_apart_from_every_other_set() -> None:
    assert len(KEYS) == 6
    data = Path(__file__).parent / "data"
    others: set[str] = set()
    for folder in (
        "plans",
        "plans_unseen",
        "plans_heldout",
        "plans_heldout2",
        "plans_heldout4",
        "plans_heldout5",
    ):
        others |= set(load_keys(data / folder))
    assert not others & set(KEYS)
    for name in KEYS:
        first = (HELDOUT6 / name).read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# Nguồn: http"), name


def test_the_fifth_held_out_set_keeps_what_was_measured() -> None:
    below = below_floors(HELDOUT6, KEYS, FLOORS)
    assert not below, below

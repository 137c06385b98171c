"""The third held-out set of published plans (tests/data/plans_heldout4/): measured once, then a
floor.

Seven real documents (six provinces and cities and the National Assembly's Standing Committee;
Kế hoạch, Quyết định with a Quy định of responsibilities, a Nghị quyết; field-style tasks, agency
headings, a Phụ lục table, responsibility articles) whose keys were written in the sixth session
by an engineer who neither read nor ran the importer, while another engineer worked on the
importer without seeing them (README.md there). The lead measured them once at the end of the
sixth session (BENCHMARKS.md, "Third held-out set"): issue 13's 0.9 is NOT met on them. The
measurement found three of the seven drafts invalid (repeated task ids, so nothing of them could
be loaded); that bug was fixed in the same session and the set is spent from then on. The floors
below are the figures after that fix, so that a later change cannot quietly lose what was
recovered; they are not a target.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from tests.test_import_accuracy import below_floors, load_keys

HELDOUT4 = Path(__file__).parent / "data" / "plans_heldout4"
KEYS = load_keys(HELDOUT4)

# Measured 3 December 2026: on d34de9b (main) lead 69/108, 69/144, coordinate 10/10, 10/93
# (three drafts invalid); on a3783bd (main at the session's start) lead 64/103, 64/144,
# coordinate 14/14, 14/93; after the unique-ids fix (f7e1c5c) lead 98/148, 98/144, coordinate
# 43/47, 43/93; after the eighth session's field-style tasks and Phụ lục group rows lead
# 119/135, 119/144, coordinate 76/80, 76/93; after its responsibility articles ("Điều 19.
# Trách nhiệm của Sở X") and the power companies as a body the figures below (development
# figures: the set is spent): lead 125/139, 125/144, coordinate 85/85, 85/93; after the
# National Assembly's bodies and bare "Điều 2." lines lead 136/150, 136/144, coordinate
# 86/86, 86/93; after a Quy định's chapters and articles, "Trách nhiệm của X" headings, the
# 2025 press body and requests for feedback lead 137/142, 137/144, coordinate 86/86, 86/93;
# after "Chi cục Kiểm lâm" and "đơn vị Quân đội" in a partner list lead 137/142, 137/144,
# coordinate 87/87, 87/93; after the ninth session's "do X điều phối" (what a body runs gives
# it no work) lead 137/141, 137/144; after headings naming a kind of actor ("8. Chủ rừng",
# "18. Các doanh nghiệp công nghệ số") lead 140/144, 140/144; after work that ends with a
# report, partners that are all groups, "lực lượng Kiểm lâm" the figures below.
FLOORS = {
    "lead": (Fraction(141, 145), Fraction(141, 144)),
    "coordinate": (Fraction(90, 92), Fraction(90, 93)),
}


def test_the_third_held_out_texts_are_real_and_apart_from_every_other_set() -> None:
    assert len(KEYS) == 7
    data = Path(__file__).parent / "data"
    others: set[str] = set()
    for folder in ("plans", "plans_unseen", "plans_heldout", "plans_heldout2"):
        others |= set(load_keys(data / folder))
    assert not others & set(KEYS)
    for name in KEYS:
        first = (HELDOUT4 / name).read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# Nguồn: http"), name


def test_the_third_held_out_set_keeps_what_was_measured() -> None:
    below = below_floors(HELDOUT4, KEYS, FLOORS)
    assert not below, below

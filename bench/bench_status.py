"""Evidence for bot/status.py: the shipped rules against a small classifier trained on the
tuning table, both measured on the held-out table (tests/data/messages_heldout.tsv, never
tuned on). Also how long reading a 4,000-character adversarial message takes.

The classifier is a multinomial naive Bayes over the same tokens the rules read (shorthand
expanded), unigrams and bigrams, Laplace smoothing, trained on the single-task updates of
tests/data/messages_dev.tsv. Run:  .venv/bin/python -m bench.bench_status
"""

from __future__ import annotations

import math
import time
from collections import Counter
from itertools import pairwise
from pathlib import Path

from bot.lexicon import words
from bot.status import classify_status

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


def _rows(name: str) -> list[tuple[str, str]]:
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, _intent, _tasks, status, write = line.split("\t")
        if write == "yes" and "," not in status:
            rows.append((text.replace("\\n", "\n"), status))
    return rows


def _features(text: str) -> list[str]:
    tokens = [word for word in words(text) if not word[0].isdigit()]
    return tokens + [f"{a}_{b}" for a, b in pairwise(tokens)]


class NaiveBayes:
    def __init__(self, rows: list[tuple[str, str]]) -> None:
        self.prior = Counter(status for _text, status in rows)
        self.counts: dict[str, Counter[str]] = {status: Counter() for status in self.prior}
        for text, status in rows:
            self.counts[status].update(_features(text))
        self.vocabulary = {f for counts in self.counts.values() for f in counts}
        self.totals = {status: sum(counts.values()) for status, counts in self.counts.items()}

    def predict(self, text: str) -> str:
        size = len(self.vocabulary) + 1
        best, best_score = "in_progress", -math.inf
        for status, prior in self.prior.items():
            score = math.log(prior)
            for feature in _features(text):
                score += math.log((self.counts[status][feature] + 1) / (self.totals[status] + size))
            if score > best_score:
                best, best_score = status, score
        return best


def main() -> None:
    train, held_out = _rows("messages_dev.tsv"), _rows("messages_heldout.tsv")
    model = NaiveBayes(train)
    rules = sum(classify_status(text) == status for text, status in held_out)
    bayes = sum(model.predict(text) == status for text, status in held_out)
    print(f"held-out single-task updates: {len(held_out)} (trained/tuned on {len(train)})")
    print(f"rules (bot/status.py):        {rules}/{len(held_out)} = {rules / len(held_out):.1%}")
    print(f"naive Bayes on the dev table: {bayes}/{len(held_out)} = {bayes / len(held_out):.1%}")
    message = ("không vướng mắc, khó khăn: chờ Bộ phê duyệt " * 100)[:4000]
    started = time.perf_counter()
    classify_status(message)
    print(f"4,000-character adversarial message: {1000 * (time.perf_counter() - started):.1f} ms")


if __name__ == "__main__":
    main()

"""The ledger rows of many keys read at once (a tick's roster), on SQLite and PostgreSQL: each
key finds its own row, whatever its instant's time zone, across several periods, kinds and
instants and more chats than one statement asks for."""

from __future__ import annotations

from datetime import UTC, timedelta

from bot.db import Database
from scheduler.outbox import Claim, LedgerKey, Outbox
from tests.conftest import local


def test_rows_of_many_keys_are_each_their_own(any_db_url: str) -> None:
    db = Database(any_db_url)
    db.upgrade()
    try:
        now = local(2021, 3, 17, 8)
        later = now + timedelta(days=3)
        outbox = Outbox(db, holder="a")
        assert outbox.acquire_lease(now)
        keys: list[LedgerKey] = [
            ("telegram", str(700_000 + n), "2021-Q1", "before-due", now) for n in range(1200)
        ]
        keys += [("telegram", "5", "2021-Q1", "overdue", later), ("zalo", "5", "2021-Q2", "x", now)]
        stored = keys[::3]
        claims = outbox.claim_many([(key, f"text {key[1]}") for key in stored], now)
        assert all(isinstance(claim, Claim) for claim in claims)
        ids = {key: claim.id for key, claim in zip(stored, claims, strict=True) if claim}
        # Asked for with the same instants in another time zone, and once twice.
        asked = [(*key[:4], key[4].astimezone(UTC)) for key in keys] + [keys[0]]

        states = outbox.states(asked)
        rows = outbox.rows(asked)

        assert set(states) == set(stored) == set(rows)
        for key in stored:
            assert states[key].id == ids[key] == rows[key].id
            assert (states[key].state, states[key].attempts) == ("claimed", 1)
            assert rows[key].text == f"text {key[1]}"
        assert outbox.states([]) == {} == outbox.rows([])
    finally:
        db.dispose()

"""New rows for bench/reports.py's "after new data" timings: before each such request,
1,000 actions and 50 awards for random existing people, written with plain INSERTs (ids
from the tables' sequences, as the application's own inserts take them) and committed,
as a busy program's sources and issuers would add them between two views of a report."""

from __future__ import annotations

import hashlib
import random
import uuid
from datetime import UTC, datetime, timedelta

import psycopg

ACTIONS, AWARDS = 1_000, 50
#: Whose rows are new: the same people on every fresh load.
SEED = 7


class NewRows:
    """Writes a batch of new rows on each call, into the benchmark's database."""

    def __init__(self, database_url: str, *, seed: int | None = SEED):
        conninfo = database_url.replace("postgresql+psycopg://", "postgresql://")
        self.connection = psycopg.connect(conninfo, autocommit=False)
        self.rng = random.Random(seed)
        self.identities = self.connection.execute(
            "SELECT id, type, value FROM recipient_identities").fetchall()
        self.types = [row[0] for row in self.connection.execute(
            "SELECT id FROM action_types ORDER BY id")]
        self.valued = self.connection.execute(
            "SELECT id FROM action_types WHERE key = 'partnership.closed'").fetchone()[0]
        self.classes = self.connection.execute(
            "SELECT id, issuer_id, expires_after_days FROM badge_classes").fetchall()
        self.awarded_by = self.connection.execute("SELECT min(id) FROM users").fetchone()[0]
        self.connection.commit()

    def __call__(self) -> None:
        now = datetime.now(UTC)
        with self.connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO actions (public_id, action_type_id, identity_id, occurred_at, "
                "properties, source, external_id, recorded_at) "
                "VALUES (%s, %s, %s, %s, %s, 'fresh', %s, %s)",
                [self._action(now) for _ in range(ACTIONS)])
            cursor.executemany(
                "INSERT INTO assertions (public_id, badge_class_id, issuer_id, "
                "recipient_identity_id, recipient_type, recipient_salt, recipient_hash, "
                "issued_on, expires_at, evidence, awarded_by_id, signed_id, "
                "shown_on_profile) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, '[]', %s, %s, "
                "false)", [self._award(now) for _ in range(AWARDS)])
        self.connection.commit()

    def _action(self, now: datetime) -> tuple:
        identity = self.rng.choice(self.identities)[0]
        kind = self.rng.choice(self.types)
        value = f'{{"value": {self.rng.randrange(1000, 50000, 500)}}}' \
            if kind == self.valued else "{}"
        when = now - timedelta(seconds=self.rng.randrange(1, 86400))
        return (uuid.uuid4().hex[:22], kind, identity, when, value,
                f"fresh-{uuid.uuid4().hex}", now)

    def _award(self, now: datetime) -> tuple:
        identity, kind, value = self.rng.choice(self.identities)
        class_id, issuer_id, days = self.rng.choice(self.classes)
        salt = f"{self.rng.getrandbits(128):032x}"
        digest = hashlib.sha256((value + salt).encode()).hexdigest()
        issued = now - timedelta(seconds=self.rng.randrange(1, 3600))
        expires = issued + timedelta(days=days) if days else None
        return (uuid.uuid4().hex[:22], class_id, issuer_id, identity, kind, salt,
                f"sha256${digest}", issued, expires, self.awarded_by,
                f"urn:uuid:{uuid.uuid4()}")

    def close(self) -> None:
        self.connection.close()

"""The classroom store: one SQLite file per game server, append-only records, hashed secrets.

The truth of a game is its scenario, seed, settings and the append-only records of decisions,
round closes and research purchases; the market is rebuilt by replaying them. ``snapshots`` is
a cache keyed by a digest of the decisions it was computed from, and may be thrown away.

Every write runs in a ``BEGIN IMMEDIATE`` transaction (one writer at a time, readers never
blocked thanks to WAL), so a process killed mid-way leaves either all of its records or none.
Triggers refuse UPDATE and DELETE on the record tables.

Secrets are random, shown once, and stored only as salted scrypt hashes compared with
``hmac.compare_digest``. A team secret starts with the team's number (``3-K7M2-...``) so the
server hashes once per check instead of once per team.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
from collections.abc import Iterator
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS games (
    id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    scenario_json TEXT NOT NULL,
    settings_json TEXT NOT NULL,
    seed INTEGER NOT NULL,
    teacher_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS teams (
    game_id TEXT NOT NULL REFERENCES games(id),
    number INTEGER NOT NULL,
    name TEXT NOT NULL,
    firm TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    PRIMARY KEY (game_id, number),
    UNIQUE (game_id, name),
    UNIQUE (game_id, firm)
);
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    game_id TEXT NOT NULL REFERENCES games(id),
    team TEXT NOT NULL,
    round INTEGER NOT NULL,
    decision_json TEXT NOT NULL,
    submitted_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_by_round ON decisions (game_id, round, team);
CREATE TABLE IF NOT EXISTS rounds (
    game_id TEXT NOT NULL REFERENCES games(id),
    round INTEGER NOT NULL,
    closed_at TEXT NOT NULL,
    last_decision_id INTEGER NOT NULL,
    decisions_digest TEXT NOT NULL,
    PRIMARY KEY (game_id, round)
);
CREATE TABLE IF NOT EXISTS purchases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    game_id TEXT NOT NULL REFERENCES games(id),
    team TEXT NOT NULL,
    round INTEGER NOT NULL,
    kind TEXT NOT NULL,
    request_json TEXT NOT NULL,
    cost REAL NOT NULL,
    result_json TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshots (
    game_id TEXT NOT NULL,
    round INTEGER NOT NULL,
    digest TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (game_id, round)
);
"""
APPEND_ONLY = ("games", "teams", "decisions", "rounds", "purchases")

# Unambiguous upper-case letters and digits (no 0/O, 1/I/L) for codes people type.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
SCRYPT = {"n": 2**13, "r": 8, "p": 1, "dklen": 32}


class StoreError(Exception):
    """The store cannot do what was asked (unknown game, closed round, ...)."""


def now() -> str:
    """UTC time stamp with microseconds."""
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="microseconds")


def random_code(groups: int, size: int = 4) -> str:
    """A random code like ``K7M2-P9XQ`` (about 4.95 bits per character)."""
    return "-".join(
        "".join(secrets.choice(ALPHABET) for _ in range(size)) for _ in range(groups)
    )


def hash_secret(secret: str) -> str:
    """Salted scrypt hash of a secret, as ``scrypt$n$r$p$salt$hash`` (hex)."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, maxmem=64 * 2**20, **SCRYPT)
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${salt.hex()}${digest.hex()}"


def check_secret(secret: str | None, stored: str | None) -> bool:
    """Whether ``secret`` matches the stored hash; constant time in the hash comparison.

    A missing secret or stored hash still costs one hash, so timing does not tell them apart.
    """
    dummy = f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${'00' * 16}${'00' * 32}"
    _, n, r, p, salt, expected = (stored or dummy).split("$")
    digest = hashlib.scrypt(
        (secret or "").encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
        maxmem=64 * 2**20, dklen=len(expected) // 2,
    )
    ok = hmac.compare_digest(digest.hex(), expected)
    return ok and bool(secret) and stored is not None


class Store:
    """Access to one SQLite game file. Cheap to create; each call opens its own connection.

    Args:
        path: the database file (created with its tables when missing).
        timeout: seconds a writer waits for another writer before giving up.
    """

    def __init__(self, path: str | Path, timeout: float = 60.0):
        self.path = Path(path)
        self.timeout = timeout
        if self.path.parent and not self.path.parent.exists():
            raise StoreError(f"folder {self.path.parent} does not exist")
        with self._connect() as con:
            ready = con.execute(
                "SELECT 1 FROM sqlite_master WHERE type='trigger' AND name='purchases_no_delete'"
            ).fetchone()
            if not ready:
                con.execute("PRAGMA journal_mode=WAL")
                con.executescript(
                    "BEGIN IMMEDIATE;" + SCHEMA + _append_only_triggers() + "COMMIT;"
                )

    # -- connections and transactions -----------------------------------------------------
    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        try:
            con.row_factory = sqlite3.Row
            con.execute("PRAGMA foreign_keys=ON")
            con.execute("PRAGMA synchronous=FULL")
            con.execute(f"PRAGMA busy_timeout={int(self.timeout * 1000)}")
            yield con
        finally:
            con.close()

    @staticmethod
    @contextlib.contextmanager
    def _transaction(con: sqlite3.Connection, mode: str = "IMMEDIATE"):
        con.execute(f"BEGIN {mode}")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: everything inside commits together or not at all."""
        with self._connect() as con, self._transaction(con, "IMMEDIATE"):
            yield con

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: a consistent view while writers carry on."""
        with self._connect() as con, self._transaction(con, "DEFERRED"):
            yield con

    # -- games and teams --------------------------------------------------------------------
    def create_game(self, scenario_json: str, settings_json: str, seed: int,
                    teams: list[tuple[str, str]]) -> dict:
        """Store a new game; returns its code and the secrets (shown once, stored hashed).

        Args:
            scenario_json: the game's validated scenario.
            settings_json: the game's settings.
            seed: the game's seed.
            teams: ``(team name, firm name)`` in team-number order (numbers start at 1).
        """
        teacher_secret = "T-" + random_code(5)
        team_secrets = [f"{i}-{random_code(4)}" for i in range(1, len(teams) + 1)]
        hashes = [hash_secret(s) for s in [teacher_secret, *team_secrets]]
        with self.write() as con:
            for _ in range(20):
                game_id = random_code(1, 6)
                if not con.execute("SELECT 1 FROM games WHERE id=?", (game_id,)).fetchone():
                    break
            else:  # pragma: no cover - 31**6 codes
                raise StoreError("could not find a free game code")
            con.execute(
                "INSERT INTO games VALUES (?, ?, ?, ?, ?, ?)",
                (game_id, now(), scenario_json, settings_json, seed, hashes[0]),
            )
            for number, ((name, firm), h) in enumerate(zip(teams, hashes[1:], strict=True), 1):
                con.execute(
                    "INSERT INTO teams VALUES (?, ?, ?, ?, ?)", (game_id, number, name, firm, h)
                )
        return {
            "game": game_id,
            "teacher_secret": teacher_secret,
            "teams": [
                {"name": name, "firm": firm, "secret": s}
                for (name, firm), s in zip(teams, team_secrets, strict=True)
            ],
        }

    def game(self, con: sqlite3.Connection, game_id: str) -> sqlite3.Row:
        """The game's row; raises StoreError when there is no such game."""
        row = con.execute("SELECT * FROM games WHERE id=?", (str(game_id).upper(),)).fetchone()
        if row is None:
            raise StoreError(f"no game {game_id!r} in {self.path}")
        return row

    def games(self) -> list[dict]:
        """Every game in the file: code, creation time, scenario name, rounds closed."""
        with self.read() as con:
            rows = con.execute(
                "SELECT g.id, g.created, g.scenario_json, "
                "(SELECT COUNT(*) FROM rounds r WHERE r.game_id=g.id) AS closed "
                "FROM games g ORDER BY g.created"
            ).fetchall()
        return [
            {"game": r["id"], "created": r["created"],
             "scenario": json.loads(r["scenario_json"])["name"], "rounds_closed": r["closed"]}
            for r in rows
        ]

    @staticmethod
    def teams(con: sqlite3.Connection, game_id: str) -> list[sqlite3.Row]:
        """The game's teams in number order."""
        return con.execute(
            "SELECT * FROM teams WHERE game_id=? ORDER BY number", (game_id,)
        ).fetchall()

    def team_for_secret(self, con: sqlite3.Connection, game_id: str, secret: str | None):
        """The team row whose secret this is, or None (one hash whatever the input)."""
        number = (secret or "").split("-", 1)[0]
        row = None
        if number.isdigit():
            row = con.execute(
                "SELECT * FROM teams WHERE game_id=? AND number=?", (game_id, int(number))
            ).fetchone()
        return row if check_secret(secret, row["secret_hash"] if row else None) else None

    def is_teacher(self, con: sqlite3.Connection, game_id: str, secret: str | None) -> bool:
        """Whether ``secret`` is the game's teacher secret."""
        return check_secret(secret, self.game(con, game_id)["teacher_hash"])

    # -- records ----------------------------------------------------------------------------
    @staticmethod
    def closed_rounds(con: sqlite3.Connection, game_id: str) -> int:
        """How many rounds have been closed."""
        return con.execute("SELECT COUNT(*) FROM rounds WHERE game_id=?", (game_id,)).fetchone()[0]

    @staticmethod
    def round_closes(con: sqlite3.Connection, game_id: str) -> list[sqlite3.Row]:
        """Round-close records in order."""
        return con.execute(
            "SELECT * FROM rounds WHERE game_id=? ORDER BY round", (game_id,)
        ).fetchall()

    @staticmethod
    def append_decision(con, game_id: str, team: str, round_no: int, decision: dict) -> int:
        """Append a decision record; returns its id."""
        cur = con.execute(
            "INSERT INTO decisions (game_id, team, round, decision_json, submitted_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (game_id, team, round_no, json.dumps(decision, sort_keys=True), now()),
        )
        return int(cur.lastrowid)

    @staticmethod
    def decision_records(con, game_id: str, team: str | None = None) -> list[sqlite3.Row]:
        """Every decision record (all revisions) in submission order."""
        sql, args = "SELECT * FROM decisions WHERE game_id=?", [game_id]
        if team is not None:
            sql, args = sql + " AND team=?", [*args, team]
        return con.execute(sql + " ORDER BY id", args).fetchall()

    @staticmethod
    def effective_decisions(con, game_id: str, up_to_id: int | None = None) -> dict:
        """``{round: {team: (decision dict, submitted_at, revisions)}}``: each team's latest.

        Args:
            con: an open connection.
            game_id: the game code.
            up_to_id: ignore records with a larger id (what a round close saw).
        """
        rows = con.execute(
            "SELECT * FROM decisions WHERE game_id=? AND id<=? ORDER BY id",
            (game_id, up_to_id if up_to_id is not None else 2**62),
        ).fetchall()
        out: dict[int, dict[str, tuple[dict, str, int]]] = {}
        for row in rows:
            per_round = out.setdefault(row["round"], {})
            revisions = per_round.get(row["team"], (None, None, 0))[2] + 1
            per_round[row["team"]] = (json.loads(row["decision_json"]), row["submitted_at"],
                                      revisions)
        return out

    @staticmethod
    def append_round(con, game_id: str, round_no: int, last_decision_id: int, digest: str):
        """Append the round-close record; the primary key refuses a second close of a round."""
        con.execute(
            "INSERT INTO rounds VALUES (?, ?, ?, ?, ?)",
            (game_id, round_no, now(), last_decision_id, digest),
        )

    @staticmethod
    def append_purchase(con, game_id: str, team: str, round_no: int, request: dict,
                        cost: float, result: dict) -> None:
        """Append a market-research purchase with its delivered result."""
        con.execute(
            "INSERT INTO purchases (game_id, team, round, kind, request_json, cost, result_json, "
            "created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (game_id, team, round_no, request["kind"], json.dumps(request, sort_keys=True),
             float(cost), json.dumps(result, sort_keys=True), now()),
        )

    @staticmethod
    def purchases(con, game_id: str, team: str | None = None) -> list[sqlite3.Row]:
        """Research purchases, optionally of one team only."""
        sql, args = "SELECT * FROM purchases WHERE game_id=?", [game_id]
        if team is not None:
            sql, args = sql + " AND team=?", [*args, team]
        return con.execute(sql + " ORDER BY id", args).fetchall()

    @staticmethod
    def last_decision_id(con, game_id: str) -> int:
        """The highest decision id of the game so far (0 when none)."""
        return con.execute(
            "SELECT COALESCE(MAX(id), 0) FROM decisions WHERE game_id=?", (game_id,)
        ).fetchone()[0]

    # -- cache ------------------------------------------------------------------------------
    def get_snapshot(self, game_id: str, round_no: int, digest: str) -> str | None:
        """A cached payload for ``round_no`` computed from decisions with this digest."""
        with self.read() as con:
            row = con.execute(
                "SELECT payload FROM snapshots WHERE game_id=? AND round=? AND digest=?",
                (game_id, round_no, digest),
            ).fetchone()
        return row["payload"] if row else None

    def put_snapshot(self, game_id: str, round_no: int, digest: str, payload: str) -> None:
        """Cache a payload (replacing an older one for the same round)."""
        with self.write() as con:
            con.execute(
                "INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?, ?)",
                (game_id, round_no, digest, payload),
            )


def _append_only_triggers() -> str:
    parts = []
    for table in APPEND_ONLY:
        for op in ("UPDATE", "DELETE"):
            parts.append(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} records are append-only'); END;"
            )
    return "\n".join(parts)

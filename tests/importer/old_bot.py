"""A made-up deployment of the old bot, in every shape its storage reference lists.

Two partners share one database (as partners' copies of the old bot did). `partner-01` holds
every kind of record in every shape, with the traps: float rubles (48.125 → 48.12 by half to
even; 0.1 + 0.2), a negative and a not-a-number balance, ten-digit ids as string keys and int
fields, a non-id key, the three payment shapes (and a payment still waiting for review), the
three history shapes mixed in one file plus history events, a repeated task, an entry without
a time, the three referral shapes mixed (plus the events file and the PostgreSQL table) with
a conflicting second referrer and a self-referral, bonus banks, today's and another day's free
uses, an admin's limit, a running job, promo codes and gift claims. `partner-02` has the same
person as partner-01 (separate balance) and a file that cannot be read.

`write_directory` lays the partners out as the old JSON backend did (a directory each);
`create_old_database` as its PostgreSQL did (`storage_json` + `referrals`, and the old bot's
own `diagnostics` rows and `migrations_meta`).
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

ANN = 1234567890  # ten digits: beyond 32 bits
BOB = 987654321
CID = 5550001
DAN = 5550002
EVE = 5550003
FAY = 5550004
ADMIN = 42424242
STRANGER = 777  # named only as a (second, conflicting) referrer

TODAY = datetime.date(2026, 1, 20)
JAN_18 = 1768694400  # 2026-01-18T00:00:00Z
STARS_CHARGE = "stxOldCharge0001"

# The balances as the old bot wrote them, and what the money rule keeps of them.
BALANCES: dict[str, Any] = {
    str(ANN): 152.37,
    str(BOB): 48.125,  # Stars at 1.6 rubles: half to even keeps 48.12
    str(CID): -5.0,  # negative: 0, reported
    str(DAN): "NaN",  # not a number: 0, reported
    str(EVE): 0.1 + 0.2,  # 0.30000000000000004: rounded to 0.30
    str(FAY): 10,
    str(ADMIN): 0.0,
    "abc": 5.0,  # not a user id: skipped
}
KEPT_KOPECKS = {ANN: 15237, BOB: 4812, CID: 0, DAN: 0, EVE: 30, FAY: 1000, ADMIN: 0}
IN_SOURCE_RUBLES = "210.795000000000000040"  # 152.37 + 48.125 + 0.30000000000000004 + 10 + 0.0


def partner_01(today: datetime.date = TODAY) -> dict[str, Any]:
    """The documents of partner-01 (logical file → JSON object)."""
    return {
        "user_balances.json": BALANCES,
        "user_registry.json": {
            str(ANN): {
                "user_id": ANN,
                "username": "ann_old",
                "first_name": "Ann",
                "last_name": "",
                "updated_at": "2026-01-19T12:00:00",
            },
            str(BOB): {"user_id": BOB, "username": "", "first_name": "Bob", "last_name": "B"},
        },
        "user_languages.json": {str(ANN): "en", str(BOB): "ru", str(EVE): "de"},
        "blocked_users.json": {str(CID): True},
        "gift_claimed.json": {str(ANN): True},
        "payments.json": {
            "1": {  # a bank transfer with its screenshot
                "id": 1,
                "user_id": ANN,
                "amount": 100.0,
                "timestamp": 1768900000.12,
                "screenshot_file_id": "AgACAgIAAxkBAAIBold",
                "status": "completed",
                "balance_charged": True,
            },
            "2": {  # an admin's top-up (no screenshot), early: no balance_charged
                "id": 2,
                "user_id": ANN,
                "amount": 50.5,
                "timestamp": 1768800000,
                "screenshot_file_id": None,
                "status": "completed",
            },
            f"stars_{ANN}_1768950000": {
                "id": f"stars_{ANN}_1768950000",
                "user_id": ANN,
                "amount": 48.125,
                "currency": "RUB",
                "payment_method": "telegram_stars",
                "stars_amount": 77,
                "timestamp": 1768950000.5,
                "status": "completed",
                "balance_charged": True,
                "telegram_payment_charge_id": STARS_CHARGE,
            },
            f"stars_{FAY}_1768950100": {  # no charge id kept
                "id": f"stars_{FAY}_1768950100",
                "user_id": FAY,
                "amount": 31.25,
                "currency": "RUB",
                "payment_method": "telegram_stars",
                "stars_amount": 50,
                "timestamp": 1768950100,
                "status": "completed",
                "balance_charged": True,
            },
            "5d0c7e7e-0000-4000-8000-000000000001": {  # the generic shape, still pending
                "payment_id": "5d0c7e7e-0000-4000-8000-000000000001",
                "user_id": BOB,
                "amount": 300.0,
                "payment_method": "sbp",
                "status": "pending",
                "created_at": "2026-01-19T10:00:00",
                "updated_at": "2026-01-19T10:00:00",
                "admin_id": None,
                "notes": None,
            },
            "3": {"id": 3, "user_id": "nobody", "amount": 10.0, "status": "completed"},
        },
        "generations_history.json": {
            str(ANN): [
                {  # the legacy shape: a per-user counter, epoch time, the task beside it
                    "id": 3,
                    "timestamp": 1768500000,
                    "model_id": "flux-2/pro-text-to-image",
                    "model_name": "Flux 2 Pro",
                    "params": {"prompt": "a lighthouse"},
                    "result_urls": ["https://tempfile.example/ann-3.png"],
                    "task_id": "task-ann-legacy",
                    "price": 12.5,
                    "is_free": False,
                },
                {  # the current shape: the task id as id, naive ISO time
                    "id": "task-ann-current",
                    "model_id": "flux-2/pro-text-to-image",
                    "model_name": "Flux 2 Pro",
                    "params": {"prompt": "a fox"},
                    "result_urls": ["https://tempfile.example/ann-current.png"],
                    "price": 24.0,
                    "timestamp": "2026-01-19T09:30:00",
                },
                {  # the GitHub shape
                    "operation_id": "task-ann-github",
                    "model_id": "flux-2/pro-text-to-image",
                    "model_name": "Flux 2 Pro",
                    "params": {"prompt": "a cat"},
                    "result_urls": ["https://tempfile.example/ann-github.png"],
                    "price": 7.125,
                    "created_at": "2026-01-18T08:00:00",
                },
                {  # appended again: the same task
                    "id": "task-ann-current",
                    "model_id": "flux-2/pro-text-to-image",
                    "params": {"prompt": "a fox"},
                    "result_urls": ["https://tempfile.example/ann-current.png"],
                    "price": 24.0,
                    "timestamp": "2026-01-19T09:31:00",
                },
                {"id": "task-no-time", "model_id": "flux-2/pro-text-to-image", "price": 1.0},
            ],
            str(BOB): [
                {
                    "id": 1,
                    "timestamp": 1768600000,
                    "model_id": "flux-2/pro-text-to-image",
                    "params": {"prompt": "free one"},
                    "result_urls": [],
                    "task_id": "task-bob-free",
                    "price": 9.0,
                    "is_free": True,
                },
            ],
        },
        "history_events.json": {
            str(ANN): [
                {  # the same generation as in the history file
                    "event_id": "task-ann-current",
                    "user_id": ANN,
                    "kind": "generation",
                    "payload": {"model_id": "flux-2/pro-text-to-image", "price": 24.0},
                    "created_at": "2026-01-19T09:30:05",
                },
                {  # only here
                    "event_id": "task-ann-event",
                    "user_id": ANN,
                    "kind": "generation",
                    "payload": {
                        "model_id": "flux-2/pro-text-to-image",
                        "model_name": "Flux 2 Pro",
                        "price": 3.0,
                        "result_urls": ["https://tempfile.example/ann-event.png"],
                    },
                    "created_at": "2026-01-19T11:00:00",
                },
            ]
        },
        "referrals.json": {
            str(CID): {"referred_by": ANN, "referred_at": JAN_18},  # shape (a), referred side
            str(ANN): {"referred_users": [CID]},  # shape (a), referrer side
            str(FAY): ANN,  # shape (b)
            "referrals": {str(BOB): [EVE], str(STRANGER): [CID]},  # shape (c): CID conflicts
            str(DAN): DAN,  # a self-referral
        },
        "referral_events.json": {
            "events": {
                f"partner-01:{EVE}": {
                    "partner_id": "partner-01",
                    "referrer_id": BOB,
                    "referred_user_id": EVE,
                    "created_at": "2026-01-19T08:00:00+00:00",
                    "awarded_at": "2026-01-19T08:00:01+00:00",
                    "bonus": 10,
                }
            }
        },
        "referral_free_bank.json": {str(ANN): 10, str(BOB): 0, str(EVE): "x"},
        "daily_free_generations.json": {
            str(ANN): {"date": today.isoformat(), "count": 2, "bonus": 0},
            str(BOB): {"date": (today - datetime.timedelta(days=1)).isoformat(), "count": 5},
            str(CID): {"date": today.isoformat(), "count": 1, "bonus": 5},
        },
        "admin_limits.json": {
            str(ADMIN): {"limit": 100.0, "spent": 12.5, "added_by": ANN, "added_at": JAN_18}
        },
        "generation_jobs.json": {
            "job-1": {"job_id": "job-1", "user_id": ANN, "status": "running"},
            "job-2": {"job_id": "job-2", "user_id": ANN, "status": "succeeded"},
        },
        "promocodes.json": {"promocodes": [{"code": "OLD", "value": 50, "active": True}]},
        "hourly_free_usage.json": {},
    }


# The PostgreSQL deployments' own referral table (partner-01: BOB brought ANN... no: ANN brought
# BOB; partner-02: the same ids, its own tenant).
REFERRAL_ROWS: list[dict[str, Any]] = [
    {
        "partner_id": "partner-01",
        "referred_user_id": BOB,
        "referrer_id": ANN,
        "ref_param": f"ref_{ANN}",
        "bonus_amount": 10,
        "created_at": datetime.datetime(2026, 1, 17, 10, 0, tzinfo=datetime.UTC),
        "bonus_granted_at": datetime.datetime(2026, 1, 17, 10, 0, tzinfo=datetime.UTC),
    },
    {
        "partner_id": "partner-02",
        "referred_user_id": ANN,
        "referrer_id": BOB,
        "ref_param": f"ref_{BOB}",
        "bonus_amount": 10,
        "created_at": datetime.datetime(2026, 1, 17, 11, 0, tzinfo=datetime.UTC),
        "bonus_granted_at": None,
    },
]
# In a directory deployment there is no table: the same referral is in the events file.
PARTNER_01_TABLE_AS_EVENT = {
    f"partner-01:{BOB}": {
        "partner_id": "partner-01",
        "referrer_id": ANN,
        "referred_user_id": BOB,
        "created_at": "2026-01-17T10:00:00+00:00",
        "awarded_at": "2026-01-17T10:00:00+00:00",
        "bonus": 10,
    }
}

UNREADABLE = "user_languages.json"


def partner_02() -> dict[str, Any]:
    """partner-02: Ann and Bob again, with their own balances; one file cannot be read."""
    return {
        "user_balances.json": {str(ANN): 7.0, str(BOB): 1.005},
        "user_registry.json": {str(ANN): {"user_id": ANN, "first_name": "Ann2"}},
        UNREADABLE: "{not json",  # a document that cannot be parsed
    }


def write_directory(root: Path, today: datetime.date = TODAY) -> Path:
    """The old JSON backend's layout under `root`: `partner-01/`, `partner-02/`."""
    one = partner_01(today)
    events = one["referral_events.json"]["events"]
    one["referral_events.json"] = {"events": {**events, **PARTNER_01_TABLE_AS_EVENT}}
    for partner, documents in (("partner-01", one), ("partner-02", partner_02())):
        directory = root / partner
        directory.mkdir(parents=True)
        for name, document in documents.items():
            text = document if isinstance(document, str) else json.dumps(document, indent=2)
            (directory / name).write_text(text, encoding="utf-8")
        (directory / "user_balances.tmp").write_text("{}", encoding="utf-8")  # not a document
        (directory / ".user_balances.json.lock").write_text("", encoding="utf-8")
    return root


OLD_SCHEMA = """
CREATE TABLE storage_json (
  partner_id TEXT NOT NULL,
  filename   TEXT NOT NULL,
  payload    JSONB NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (partner_id, filename));
CREATE TABLE migrations_meta (
  key TEXT PRIMARY KEY,
  completed_at TIMESTAMPTZ NOT NULL DEFAULT now());
CREATE TABLE referrals (
  partner_id TEXT NOT NULL,
  referred_user_id BIGINT NOT NULL,
  referrer_id BIGINT NOT NULL,
  ref_param TEXT,
  bonus_amount INTEGER,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  bonus_granted_at TIMESTAMPTZ,
  PRIMARY KEY (partner_id, referred_user_id));
"""


def create_old_database(url: str, today: datetime.date = TODAY) -> None:
    """The old bot's PostgreSQL tables at `url`, holding both partners."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(OLD_SCHEMA)
        rows = [("partner-01", name, doc) for name, doc in partner_01(today).items()]
        rows += [("partner-02", name, doc) for name, doc in partner_02().items()]
        rows.append(("diagnostics", "_diagnostics/bot/billing_preflight.json", {"ok": True}))
        for partner, name, document in rows:
            # JSONB holds no NaN: the old bot stored what json.dumps gave, a text in a JSON
            # string when it was not an object (read back with json.loads, as it did).
            conn.execute(
                "INSERT INTO storage_json (partner_id, filename, payload) VALUES (%s, %s, %s)",
                (partner, name, Jsonb(document)),
            )
        for row in REFERRAL_ROWS:
            conn.execute(
                """INSERT INTO referrals (partner_id, referred_user_id, referrer_id, ref_param,
                                          bonus_amount, created_at, bonus_granted_at)
                   VALUES (%(partner_id)s, %(referred_user_id)s, %(referrer_id)s, %(ref_param)s,
                           %(bonus_amount)s, %(created_at)s, %(bonus_granted_at)s)""",
                row,
            )
        conn.execute("INSERT INTO migrations_meta (key) VALUES ('github_to_postgres')")

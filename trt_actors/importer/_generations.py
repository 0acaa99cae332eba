"""Generations of the old bot, for History here. Pure.

`generations_history.json` (``{"<uid>": [entry, ...]}``, the last 100 per user) holds three
generations of entries, mixed in one file:

- current: ``{"id": task id or uuid, "model_id", "model_name", "params", "result_urls",
  "price": rubles, "timestamp": naive ISO}``;
- GitHub storage: the same with ``"operation_id"`` and ``"created_at"``;
- legacy: ``{"id": 1, 2, … per user, "timestamp": epoch, "task_id", "price", "is_free", ...}``.

`history_events.json` (``{"<uid>": [{"event_id", "kind": "generation", "payload":
{"model_id", "model_name", "price", "result_urls"}, "created_at"}]}``) adds the generations
the history file does not have: an event whose id is a task of the history, or of the same
model within two minutes of one (both are written at delivery), is that same generation.

The old bot appended unconditionally, so one task can appear more than once: a generation is
identified by its task id (else by its whole entry) and comes over once; the repeats are
reported. Stored order is not chronological: entries are sorted by their time. An entry
without a readable time or model is skipped. Result links point at the provider's temporary
hosting and have likely expired: they are kept, and sending one again says so if it fails.
Model ids are KIE's; each becomes our catalog's model when one is routed to it (`model_ids`).

`generation_jobs.json` is the old bot's work queue, not history: generations it was still
running are reported (they cannot be resumed here), the finished ones are already in History.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from ._people import People
from ._records import GenerationRecord
from ._source import PartnerData
from ._values import text_of, time_ms

__all__ = ["read_generations"]

KIND = "generation"
MAX_URLS = 10
SAME_WITHIN_MS = 120_000  # an event this close to a history entry of its model is that one
MAX_KEY = 200
_FINISHED = frozenset(
    {
        "succeeded", "success", "completed", "delivered", "done", "failed", "fail", "error",
        "cancelled", "canceled", "timeout", "timed_out", "refunded",
    }
)  # fmt: skip


def _task_of(entry: Mapping[str, Any]) -> str | None:
    """The entry's task id: what identifies one generation across repeats."""
    for field in ("task_id", "operation_id", "external_task_id"):
        value = entry.get(field)
        if isinstance(value, str) and value.strip():
            return value.strip()
    value = entry.get("id")  # the current shape's id is the task id; the legacy one a counter
    if isinstance(value, str) and value.strip() and not value.strip().isdigit():
        return value.strip()
    return None


def _identity(user_id: int, entry: Mapping[str, Any], task: str | None) -> str:
    if task is not None and len(task) <= MAX_KEY:
        return f"{user_id}:{task}"
    canonical = json.dumps(entry, sort_keys=True, default=str, ensure_ascii=False)
    return f"{user_id}:#{hashlib.sha256(canonical.encode()).hexdigest()[:24]}"


def _urls(entry: Mapping[str, Any]) -> tuple[str, ...]:
    found = entry.get("result_urls")
    urls = found if isinstance(found, list) else [entry.get("result_url")]
    kept = [u.strip() for u in urls if isinstance(u, str) and u.strip().startswith("http")]
    return tuple(kept[:MAX_URLS])


class _Reader:
    def __init__(self, people: People, models: Mapping[str, str]) -> None:
        self.people = people
        self.findings = people.findings
        self.models = models
        self.unknown_models: set[str] = set()
        self.records: dict[str, GenerationRecord] = {}
        self.made: dict[tuple[int, str], list[int]] = {}  # (user, model) -> times, history file

    def entry(self, user_id: int, entry: object, where: str, seen_tasks: set[str]) -> None:
        self.people.found[KIND] += 1
        if not isinstance(entry, Mapping):
            self.findings.skip(KIND, f"{user_id}: {where}", "not an object")
            return
        payload = entry.get("payload")
        fields: Mapping[str, Any] = payload if isinstance(payload, Mapping) else entry
        task = _task_of(entry) if fields is entry else text_of(entry.get("event_id"), limit=400)
        key = _identity(user_id, entry, task)
        if fields is not entry and entry.get("kind", KIND) != KIND:
            self.findings.skip(KIND, key, f"an event of kind {entry.get('kind')!r} ({where})")
            return
        if key in self.records or (fields is not entry and task in seen_tasks):
            self.findings.skip(KIND, key, f"the same generation again ({where})")
            return
        created = time_ms(entry.get("timestamp")) or time_ms(entry.get("created_at"))
        if created is None:
            self.findings.skip(KIND, key, f"no readable time ({where})")
            return
        model = text_of(fields.get("model_id"), limit=200) or text_of(fields.get("model"))
        if model is None:
            self.findings.skip(KIND, key, f"no model ({where})")
            return
        if model not in self.models:
            self.unknown_models.add(model)
        if fields is not entry and self._near(user_id, model, created):
            self.findings.skip(
                KIND,
                key,
                f"the same generation again ({where}: same model,"
                f" within {SAME_WITHIN_MS // 1000} s of one in the history)",
            )
            return
        price = 0
        if fields.get("is_free") is not True:
            price = self.findings.rubles(KIND, key, fields.get("price", 0)).kopecks
        params = fields.get("params")
        user = self.people.users[user_id]
        user.seen(created)
        self.records[key] = GenerationRecord(
            key=key,
            user_id=user_id,
            model_id=self.models.get(model, model),
            created_at=created,
            price=price,
            params=dict(params) if isinstance(params, Mapping) else {},
            result_urls=_urls(fields),
        )
        if task is not None:
            seen_tasks.add(task)
        if fields is entry:
            self.made.setdefault((user_id, model), []).append(created)

    def _near(self, user_id: int, model: str, at: int) -> bool:
        """A generation of the history file with this user and model made within
        `SAME_WITHIN_MS` of `at`: an event recorded at its delivery is that generation."""
        return any(abs(at - made) <= SAME_WITHIN_MS for made in self.made.get((user_id, model), ()))

    def file(self, document: Mapping[str, Any], where: str, tasks: dict[int, set[str]]) -> None:
        for user, entries in self.people.keyed(document, kind=KIND, where=where):
            if not isinstance(entries, list):
                self.findings.skip(KIND, f"{user.user_id}: {where}", "not a list of entries")
                continue
            seen = tasks.setdefault(user.user_id, set())
            for entry in entries:
                self.entry(user.user_id, entry, where, seen)


def _unfinished_jobs(data: PartnerData, people: People) -> None:
    jobs = data.document("generation_jobs.json")
    running = [
        job_id
        for job_id, job in jobs.items()
        if isinstance(job, Mapping) and str(job.get("status", "")).lower() not in _FINISHED
    ]
    if running:
        people.findings.note(
            f"generation_jobs.json: {len(running)} generation(s) were still running in the old"
            " bot; they are not carried over (they cannot be resumed here): let the old bot"
            " finish them before the move, or tell their users to start them again"
        )


def read_generations(
    data: PartnerData, people: People, models: Mapping[str, str]
) -> list[GenerationRecord]:
    """The generations of the history files, once each, sorted by user and time; `models`
    maps the old bot's model ids to our catalog's (`model_ids`)."""
    reader = _Reader(people, models)
    tasks: dict[int, set[str]] = {}
    reader.file(data.document("generations_history.json"), "generations_history.json", tasks)
    reader.file(data.document("history_events.json"), "history_events.json", tasks)
    if reader.unknown_models:
        people.findings.note(
            "generations of models this catalog does not have keep their old model id in"
            f" History: {', '.join(sorted(reader.unknown_models))}"
        )
    _unfinished_jobs(data, people)
    return sorted(reader.records.values(), key=lambda r: (r.user_id, r.created_at, r.key))

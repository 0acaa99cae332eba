"""The control interface over HTTP (``/_control/...``), for an emulator run as a process.

    GET    /_control/tasks                      every task: id, api, model, state
    POST   /_control/tasks/{task_id}/advance     next state now
    POST   /_control/tasks/{task_id}/complete    {"fail_code"?, "message"?}
    POST   /_control/faults                     {"kind", "target"?, "times"?, "code"?,
                                                 "message"?, "status"?}
    DELETE /_control/faults
    POST   /_control/schedule                   {"waiting"?, "generating"?, "outcome"?,
                                                 "fail_code"?, "fail_message"?}
    GET    /_control/credits, POST {"credits": "12.5"}

Answers are JSON; a bad request is 400 with {"error": ...}. No API key is needed: the
emulator listens on loopback only.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from trt_actors.emulators.kie._config import Outcome
from trt_actors.emulators.kie._control import Control
from trt_actors.web import HTTPError, Request, Response, Router

_SCHEDULE_FIELDS = {"waiting", "generating", "outcome", "fail_code", "fail_message"}
_FAULT_FIELDS = {"kind", "target", "times", "code", "message", "status"}


def _body(request: Request, allowed: set[str]) -> dict[str, Any]:
    body = request.json() if request.body else {}
    if not isinstance(body, dict) or not set(body) <= allowed:
        raise HTTPError(400, f"expected a JSON object with fields among {sorted(allowed)}")
    return body


def add_control_routes(router: Router, control: Control) -> None:
    """Register the ``/_control`` routes acting on `control`."""

    async def tasks(request: Request) -> Response:
        rows = [
            {"task_id": t.task_id, "api": t.api, "model": t.model, "state": t.state()}
            for t in control.tasks()
        ]
        return Response.json({"tasks": rows})

    async def advance(request: Request) -> Response:
        try:
            state = control.advance(request.params["task_id"])
        except KeyError:
            raise HTTPError(404, "no such task") from None
        return Response.json({"state": state})

    async def complete(request: Request) -> Response:
        body = _body(request, {"fail_code", "message"})
        try:
            control.complete(
                request.params["task_id"],
                fail_code=body.get("fail_code"),
                message=str(body.get("message") or ""),
            )
        except KeyError:
            raise HTTPError(404, "no such task") from None
        except ValueError as exc:
            raise HTTPError(400, str(exc)) from None
        return Response.json({"state": control.state_of(request.params["task_id"])})

    async def inject(request: Request) -> Response:
        body = _body(request, _FAULT_FIELDS)
        try:
            fault = control.inject(**body)
        except (TypeError, ValueError) as exc:
            raise HTTPError(400, str(exc)) from None
        return Response.json({"kind": fault.kind.value, "target": fault.target})

    async def clear(request: Request) -> Response:
        control.clear_faults()
        return Response.json({"faults": []})

    async def schedule(request: Request) -> Response:
        body = _body(request, _SCHEDULE_FIELDS)
        if "outcome" in body:
            body["outcome"] = Outcome(body["outcome"])
        current = control.set_schedule(**body)
        return Response.json({"waiting": current.waiting, "generating": current.generating})

    async def credits(request: Request) -> Response:
        if request.method == "POST":
            value = _body(request, {"credits"}).get("credits")
            try:
                control.set_credits(Fraction(str(value)))
            except (ValueError, ZeroDivisionError):
                raise HTTPError(400, "credits must be a number") from None
        return Response.json({"credits": str(control.credits)})

    router.add("GET", "/_control/tasks", tasks)
    router.add("POST", "/_control/tasks/{task_id}/advance", advance)
    router.add("POST", "/_control/tasks/{task_id}/complete", complete)
    router.add("POST", "/_control/faults", inject)
    router.add("DELETE", "/_control/faults", clear)
    router.add("POST", "/_control/schedule", schedule)
    router.add(("GET", "POST"), "/_control/credits", credits)

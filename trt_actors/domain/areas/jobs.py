"""The jobs area: the user's generations — History, `/status`, and the presses under a
result or a failure notice (Again, Change parameters, Cancel, Open, Send again).

Codes: `h|<page>` (History), `ja`/`jp`/`jc`/`jo`/`jd` `|<job>`. The job a press names, and the
user's newest job when Confirm is pressed (to tell a repeated press how the order went), are
read before handling (`job_lookups`)."""

from __future__ import annotations

from .. import job_presses
from ..area import Area, Command
from ..job_lookups import JOB_CODES, JobById, RecentJobs, job_named, newest_job, status_job
from ..moves import Move
from ..screens import jobs
from ..state import JourneyState
from ..turn import Turn
from .menus import go


def status(turn: Turn, state: JourneyState, argument: str) -> Move:
    return Move(state, screen=jobs.status(turn, argument.split(" ", 1)[0].lstrip("#№")))


AREA = Area(
    "jobs",
    screens={"h": lambda turn, state, press: jobs.history(turn, press.number(0) or 0)},
    actions={
        "ja": job_presses.again,
        "jp": job_presses.change_parameters,
        "jc": job_presses.cancel,
        "jo": job_presses.open_job,
        "jd": job_presses.send_again,
    },
    commands=(Command("history", go("h|0")), Command("status", status)),
    press_needs={**{code: job_named for code in JOB_CODES}, "ok": newest_job},
    command_needs={"history": lambda argument: [RecentJobs()], "status": status_job},
    screen_needs={"h": lambda press: [RecentJobs()]},
    lookups=(RecentJobs, JobById),
)

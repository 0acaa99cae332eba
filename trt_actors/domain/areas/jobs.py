"""The jobs area: the user's generations — History, `/status`, and the presses under a
result or a failure notice (Again, Change parameters, Cancel, Open, Send again).

Codes: `h|<page>` (History), `ja`/`jp`/`jc`/`jo`/`jd` `|<job>`. The job a press names, and the
user's newest job when Confirm is pressed (to tell a repeated press how the order went), are
read before handling (`job_lookups`)."""

from __future__ import annotations

from .. import job_presses
from ..area import Area, Command, acts, reads, shows
from ..callbacks import Page
from ..job_lookups import (
    JOB_CODES,
    JobArgs,
    JobById,
    RecentJobs,
    job_named,
    newest_job,
    status_job,
)
from ..moves import Move
from ..screens import jobs
from ..state import JourneyState
from ..turn import Turn
from .menus import go


def status(turn: Turn, state: JourneyState, argument: str) -> Move:
    return Move(state, screen=jobs.status(turn, argument.split(" ", 1)[0].lstrip("#№")))


AREA = Area(
    "jobs",
    screens={"h": shows(Page, lambda turn, state, args: jobs.history(turn, args.page))},
    actions={
        "ja": acts(JobArgs, job_presses.again),
        "jp": acts(JobArgs, job_presses.change_parameters),
        "jc": acts(JobArgs, job_presses.cancel),
        "jo": acts(JobArgs, job_presses.open_job),
        "jd": acts(JobArgs, job_presses.send_again),
    },
    commands=(Command("history", go("h|0")), Command("status", status)),
    press_needs={**{code: reads(JobArgs, job_named) for code in JOB_CODES}, "ok": newest_job},
    command_needs={"history": lambda argument: [RecentJobs()], "status": status_job},
    screen_needs={"h": lambda press: [RecentJobs()]},
    lookups=(RecentJobs, JobById),
)

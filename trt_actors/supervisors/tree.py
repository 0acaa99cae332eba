"""The application's supervision tree, in one place.

root (rest_for_one: a child's restart restarts those started after it)

The nodes of DESIGN.md are added here as they are built; the order of this list is the start
order, and shutdown runs it in reverse.
"""

from __future__ import annotations

from trt_actors.settings import Settings

from ._spec import ChildSpec, Intensity, Strategy
from ._supervisor import Supervisor

ROOT_INTENSITY = Intensity(max_restarts=5, within=30.0)


def root_children(settings: Settings) -> list[ChildSpec]:
    """The root's children, in start order."""
    return []


def build_root(settings: Settings) -> Supervisor:
    return Supervisor(
        "root", root_children(settings), strategy=Strategy.REST_FOR_ONE, intensity=ROOT_INTENSITY
    )

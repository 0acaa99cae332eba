"""Supervisors: nurseries with restart policies (Erlang/OTP semantics), static and dynamic."""

from ._child import current_path
from ._dynamic import DynamicSupervisor
from ._errors import (
    ChildStartFailed,
    SupervisionError,
    SupervisorFull,
    SupervisorGaveUp,
    SupervisorStopping,
)
from ._spec import (
    BRUTAL,
    Backoff,
    ChildKey,
    ChildSpec,
    Intensity,
    Restart,
    StartFunction,
    Strategy,
)
from ._supervisor import Supervisor

__all__ = [
    "BRUTAL",
    "Backoff",
    "ChildKey",
    "ChildSpec",
    "ChildStartFailed",
    "DynamicSupervisor",
    "Intensity",
    "Restart",
    "StartFunction",
    "Strategy",
    "SupervisionError",
    "Supervisor",
    "SupervisorFull",
    "SupervisorGaveUp",
    "SupervisorStopping",
    "current_path",
]

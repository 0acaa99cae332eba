"""The admin panel, from Telegram: stats with a chart, users (find, balance, block, make
admin), broadcasts, CSV exports and the audit log — for the tenant's admins only.

Its screens, presses, typed inputs, commands, lookups and settlers are registered in the
journey's tables (`screens.SCREENS`, `presses.ACTIONS`, `inputs`, `commands`, `needs`,
`settle`) from the tables below; every code starts with ``a``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..callbacks import Press
from ..effects import Lookup, Operation
from ..moves import Move
from ..state import JourneyState
from ..turn import Turn
from ..view import Screen
from . import actions, lead, screens, settings
from .facts import (
    AdjustBalance,
    AdminRedeliver,
    AuditTail,
    BroadcastStatus,
    CancelBroadcast,
    ChangeTerm,
    ConfigCheck,
    CorrelationTrail,
    Denied,
    Diagnostics,
    DisablePromo,
    Export,
    GrantAdmin,
    JobDetail,
    JobsPage,
    KieCredits,
    PanelStats,
    PaymentsPage,
    PromoList,
    ResetTerm,
    SelfTest,
    SetBlocked,
    StartBroadcast,
    StatsChart,
    TenantsOverview,
    UserCard,
)

ScreenFunction = Callable[[Turn, JourneyState, Press], Screen | None]


def _admin_only(screen: ScreenFunction) -> ScreenFunction:
    """A panel screen renders only for an admin (else the path leads to the main menu)."""

    def shown(turn: Turn, state: JourneyState, press: Press) -> Screen | None:
        return screen(turn, state, press) if actions.is_admin(turn, state) else None

    return shown


SCREENS: dict[str, ScreenFunction] = {
    "a": _admin_only(lambda turn, state, press: screens.panel(turn, state)),
    "as": _admin_only(lambda turn, state, press: screens.stats(turn, state)),
    "au": _admin_only(lambda turn, state, press: screens.find_user(turn, state)),
    "av": _admin_only(
        lambda turn, state, press: screens.user_card(turn, state, press.arg(0) or "")
    ),
    "ac": _admin_only(lambda turn, state, press: screens.adjust(turn, state, press.number(0) or 0)),
    "al": _admin_only(lambda turn, state, press: screens.audit(turn, state)),
    "ax": _admin_only(lambda turn, state, press: screens.export_menu(turn, state)),
    "ab": _admin_only(lambda turn, state, press: screens.compose(turn, state)),
    "ap": _admin_only(lambda turn, state, press: screens.preview(turn, state)),
    "aw": lambda turn, state, press: lead.prompt(turn, state),
    "ad": _admin_only(lambda turn, state, press: screens.diagnostics(turn, state)),
    "apy": _admin_only(lambda turn, state, press: screens.payments(turn, state)),
    "apc": _admin_only(lambda turn, state, press: screens.promo_codes(turn, state)),
    "acc": _admin_only(lambda turn, state, press: screens.config_check(turn, state)),
    "an": _admin_only(
        lambda turn, state, press: (
            settings.term(turn, state, press.arg(0) or "")
            if press.args
            else settings.listing(turn, state)
        )
    ),
    "ag": _admin_only(lambda turn, state, press: screens.jobs(turn, state, press.number(0) or 0)),
    "aj": _admin_only(lambda turn, state, press: screens.job(turn, state, press.number(0) or 0)),
    "at": _admin_only(lambda turn, state, press: screens.selftest(turn, state)),
    "ai": _admin_only(
        lambda turn, state, press: (
            screens.trace(turn, state, press.arg(0) or "")
            if press.args
            else screens.trace_prompt(turn, state)
        )
    ),
    "ar": _admin_only(
        lambda turn, state, press: screens.broadcast(turn, state, press.number(0) or 0)
    ),
}

ACTIONS: dict[str, actions.PressAction] = {
    "aw": lead.ask,  # for users: not an admin action
} | {
    code: actions.guarded(action)
    for code, action in {
        "a": actions.go("a"),
        "as": actions.go("as"),
        "au": actions.go("au"),
        "av": actions.open_user,
        "al": actions.go("al"),
        "ax": actions.go("ax"),
        "ab": actions.go("ab"),
        "ad": actions.go("ad"),
        "apy": actions.go("apy"),
        "apc": actions.go("apc"),
        "apd": actions.disable_promo,
        "acc": actions.go("acc"),
        "an": settings.open_term,
        "anr": settings.reset_term,
        "aje": actions.redeliver,
        "ag": actions.to_path,
        "aj": actions.to_path,
        "at": actions.go("at"),
        "ai": actions.go("ai"),
        "ak": actions.set_blocked,
        "ac": actions.ask_adjustment,
        "am": actions.grant_admin,
        "ae": actions.export,
        "ah": actions.chart,
        "ao": actions.start_broadcast,
        "aq": actions.cancel_broadcast,
        "ar": actions.refresh_broadcast,
        "ay": actions.as_user,
    }.items()
}

INPUTS: dict[str, actions.InputAction] = {
    "af": actions.typed_target,
    "ac": actions.typed_adjustment,
    "ab": actions.typed_broadcast,
    "ai": actions.typed_trace,
    "aw": lead.typed,
    "an": settings.typed_value,
}

COMMANDS: dict[str, actions.CommandAction] = {
    "payments": actions.command(lambda turn, state, argument: Move(state.at("apy"))),
    "admin": actions.command(actions.open_panel),
    "user_balance": actions.command(actions.user_balance),
    "block_user": actions.command(actions.block_command(True)),
    "unblock_user": actions.command(actions.block_command(False)),
    "add_admin": actions.command(actions.add_admin),
    "selftest": actions.command(actions.selftest),
    "config_check": actions.command(actions.config_check),
}


PRESS_NEEDS: dict[str, Callable[[Press], Sequence[Lookup]]] = {
    "ae": lambda press: [Export(press.arg(0) or "")],
    "ah": lambda press: [StatsChart()],
}
SCREEN_NEEDS: dict[str, Callable[[Press], Sequence[Lookup]]] = {
    "as": lambda press: [PanelStats(), KieCredits(), TenantsOverview()],
    "av": lambda press: [UserCard(press.arg(0) or "")],
    "al": lambda press: [AuditTail()],
    "ar": lambda press: [BroadcastStatus(press.number(0) or 0)],
    "ad": lambda press: [Diagnostics()],
    "apy": lambda press: [PaymentsPage()],
    "apc": lambda press: [PromoList()],
    "acc": lambda press: [ConfigCheck()],
    "ag": lambda press: [JobsPage(press.number(0) or 0)],
    "aj": lambda press: [JobDetail(press.number(0) or 0)],
    "at": lambda press: [SelfTest()],
    "ai": lambda press: [CorrelationTrail(press.arg(0) or "")] if press.args else [],
}

SETTLERS: dict[type[Operation], Callable[[Turn, JourneyState, Any, Any], Move]] = {
    Denied: actions.settled_denied,
    SetBlocked: actions.settled_plain,
    AdjustBalance: actions.settled_adjustment,
    GrantAdmin: actions.settled_plain,
    StartBroadcast: actions.settled_broadcast,
    CancelBroadcast: actions.settled_plain,
    ChangeTerm: actions.settled_plain,
    ResetTerm: actions.settled_plain,
    AdminRedeliver: actions.settled_plain,
    DisablePromo: actions.settled_plain,
}

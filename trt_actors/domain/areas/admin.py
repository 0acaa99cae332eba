"""The admin area: the panel (stats with a chart, users, broadcasts, exports, the audit log,
payments, promo codes, settings, jobs, diagnostics, the configuration check, traces) and the
admins' commands — for the tenant's admins only: a panel screen renders only for an admin, and
anyone else's press or command gets what an unknown one gets, with an audit entry
(`admin.actions.guarded`, `admin.actions.command`). Every code starts with ``a``; `aw` (ask
for help from a person: a lead) is the users' one.
"""

from __future__ import annotations

from ..admin import actions, lead, screens, settings
from ..admin.facts import (
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
from ..area import Area, Command, PressNeeds, ScreenFunction, Settler
from ..callbacks import Press
from ..effects import Operation
from ..state import JourneyState
from ..turn import Turn
from ..view import Screen
from .menus import go


def _admin_only(screen: ScreenFunction) -> ScreenFunction:
    """A panel screen renders only for an admin (else the path leads to the main menu)."""

    def shown(turn: Turn, state: JourneyState, press: Press) -> Screen | None:
        return screen(turn, state, press) if actions.is_admin(turn, state) else None

    return shown


_SCREENS: dict[str, ScreenFunction] = {
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

_ACTIONS: dict[str, actions.PressAction] = {
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

_INPUTS: dict[str, actions.InputAction] = {
    "af": actions.typed_target,
    "ac": actions.typed_adjustment,
    "ab": actions.typed_broadcast,
    "ai": actions.typed_trace,
    "aw": lead.typed,
    "an": settings.typed_value,
}

_COMMANDS = (
    Command("payments", actions.command(go("apy")), listed=False),
    Command("admin", actions.command(actions.open_panel), listed=False),
    Command("user_balance", actions.command(actions.user_balance), listed=False),
    Command("block_user", actions.command(actions.block_command(True)), listed=False),
    Command("unblock_user", actions.command(actions.block_command(False)), listed=False),
    Command("add_admin", actions.command(actions.add_admin), listed=False),
    Command("selftest", actions.command(actions.selftest), listed=False),
    Command("config_check", actions.command(actions.config_check), listed=False),
)


_PRESS_NEEDS: dict[str, PressNeeds] = {
    "ae": lambda press: [Export(press.arg(0) or "")],
    "ah": lambda press: [StatsChart()],
}
_SCREEN_NEEDS: dict[str, PressNeeds] = {
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

_SETTLERS: dict[type[Operation], Settler] = {
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


AREA = Area(
    "admin",
    screens=_SCREENS,
    actions=_ACTIONS,
    inputs=_INPUTS,
    commands=_COMMANDS,
    press_needs=_PRESS_NEEDS,
    screen_needs=_SCREEN_NEEDS,
    settlers=_SETTLERS,
    lookups=(
        PanelStats,
        KieCredits,
        TenantsOverview,
        UserCard,
        AuditTail,
        BroadcastStatus,
        Export,
        StatsChart,
        Diagnostics,
        PaymentsPage,
        PromoList,
        ConfigCheck,
        JobsPage,
        JobDetail,
        SelfTest,
        CorrelationTrail,
    ),
)

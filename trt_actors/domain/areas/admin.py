"""The admin area: the panel (stats with a chart, users, broadcasts, exports, the audit log,
payments, promo codes, settings, jobs, diagnostics, the configuration check, traces) and the
admins' commands — for the tenant's admins only: a panel screen renders only for an admin, and
anyone else's press or command gets what an unknown one gets, with an audit entry
(`admin.actions.guarded`, `admin.actions.command`). Every code starts with ``a``; `aw` (ask
for help from a person: a lead) is the users' one.
"""

from __future__ import annotations

from ..admin import actions, lead, screens, settings
from ..admin.actions import (
    BlockArgs,
    BroadcastArgs,
    PromoArgs,
    TableArgs,
    TargetArgs,
    TraceArgs,
    UserArgs,
)
from ..admin.facts import (
    AdjustBalance,
    AdminRedeliver,
    AuditTail,
    BroadcastHistory,
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
from ..admin.settings import TermArgs
from ..area import Area, Command, PressNeeds, ScreenFunction, Settler, acts, reads, shows
from ..callbacks import Page, Press
from ..effects import Operation
from ..job_lookups import JobArgs
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
        shows(TargetArgs, lambda turn, state, args: screens.user_card(turn, state, args.target))
    ),
    "ac": _admin_only(
        shows(UserArgs, lambda turn, state, args: screens.adjust(turn, state, args.user_id))
    ),
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
        shows(
            TermArgs,
            lambda turn, state, args: (
                settings.term(turn, state, args.key) if args.key else settings.listing(turn, state)
            ),
        )
    ),
    "ag": _admin_only(shows(Page, lambda turn, state, args: screens.jobs(turn, state, args.page))),
    "aj": _admin_only(
        shows(JobArgs, lambda turn, state, args: screens.job(turn, state, args.job_id))
    ),
    "at": _admin_only(lambda turn, state, press: screens.selftest(turn, state)),
    "ai": _admin_only(
        shows(
            TraceArgs,
            lambda turn, state, args: (
                screens.trace(turn, state, args.correlation_id)
                if args.correlation_id
                else screens.trace_prompt(turn, state)
            ),
        )
    ),
    "ar": _admin_only(
        shows(
            BroadcastArgs,
            lambda turn, state, args: screens.broadcast(turn, state, args.broadcast_id),
        )
    ),
    "abh": _admin_only(
        shows(Page, lambda turn, state, args: screens.broadcast_history(turn, state, args.page))
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
        "av": acts(TargetArgs, actions.open_user),
        "al": actions.go("al"),
        "ax": actions.go("ax"),
        "ab": actions.go("ab"),
        "ad": actions.go("ad"),
        "apy": actions.go("apy"),
        "apc": actions.go("apc"),
        "apd": acts(PromoArgs, actions.disable_promo),
        "acc": actions.go("acc"),
        "an": acts(TermArgs, settings.open_term),
        "anr": acts(TermArgs, settings.reset_term),
        "aje": acts(JobArgs, actions.redeliver),
        "ag": acts(Page, actions.to_jobs_page),
        "aj": acts(JobArgs, actions.to_job),
        "at": actions.go("at"),
        "ai": actions.go("ai"),
        "ak": acts(BlockArgs, actions.set_blocked),
        "ac": acts(UserArgs, actions.ask_adjustment),
        "am": acts(UserArgs, actions.grant_admin),
        "ae": acts(TableArgs, actions.export),
        "ah": actions.chart,
        "ao": actions.start_broadcast,
        "aq": acts(BroadcastArgs, actions.cancel_broadcast),
        "ar": acts(BroadcastArgs, actions.refresh_broadcast),
        "abh": acts(Page, actions.to_broadcast_history),
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
    "ae": reads(TableArgs, lambda args: [Export(args.table)]),
    "ah": lambda press: [StatsChart()],
}
_SCREEN_NEEDS: dict[str, PressNeeds] = {
    "as": lambda press: [PanelStats(), KieCredits(), TenantsOverview()],
    "av": reads(TargetArgs, lambda args: [UserCard(args.target)]),
    "al": lambda press: [AuditTail()],
    "ar": reads(BroadcastArgs, lambda args: [BroadcastStatus(args.broadcast_id)]),
    "abh": reads(Page, lambda args: [BroadcastHistory(args.page)]),
    "ad": lambda press: [Diagnostics()],
    "apy": lambda press: [PaymentsPage()],
    "apc": lambda press: [PromoList()],
    "acc": lambda press: [ConfigCheck()],
    "ag": reads(Page, lambda args: [JobsPage(args.page)]),
    "aj": reads(JobArgs, lambda args: [JobDetail(args.job_id)]),
    "at": lambda press: [SelfTest()],
    "ai": reads(
        TraceArgs,
        lambda args: [CorrelationTrail(args.correlation_id)] if args.correlation_id else [],
    ),
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
        BroadcastHistory,
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

"""The welcome area: `/start`, the short tutorial of a new user, and the bonuses of a user
seen for the first time (the welcome bonus, and the referral bonus of a ``ref_<code>`` deep
link). Codes: `t` (a tutorial page) and `ts` (the tutorial finished)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .. import promos
from ..area import Area, Command, shows
from ..callbacks import Args, Press
from ..effects import Operation
from ..money_effects import JoinWithReferral, Standing, UserStanding, WelcomeBonus
from ..moves import Move
from ..referral_code import old_link_referrer, payload_referrer
from ..screens import home
from ..state import MENU, JourneyState
from ..turn import Turn


def start(turn: Turn, state: JourneyState, argument: str) -> Move:
    """Welcome and the main menu — or, for a new user, the short tutorial first."""
    state = replace(state.with_payload(argument), draft=None)
    return Move(state.at(MENU if state.tutorial_done else "t|1"))


def start_with_bonuses(turn: Turn, state: JourneyState, argument: str) -> Move:
    """/start, plus the referral and welcome bonuses of a user seen for the first time."""
    move = start(turn, state, argument)
    standing = turn.context.lookup(UserStanding(turn.user_id))
    if not isinstance(standing, Standing) or standing.known:
        return move
    terms = turn.context.settings
    effects: list[Operation] = []
    payload = argument.strip()
    referrer, old_link = payload_referrer(turn.context.secret, payload), False
    if referrer is None:  # not one of our codes: perhaps a link of the old bot (`trt import`)
        referrer, old_link = old_link_referrer(payload), True
    if referrer is not None and referrer != turn.user_id:
        bonus = terms.referral_bonus_free
        effects.append(JoinWithReferral(turn.user_id, referrer, bonus, True, old_link))
    if terms.welcome_bonus_kopecks > 0:
        effects.append(WelcomeBonus(turn.user_id, terms.welcome_bonus_kopecks, True))
    return Move(move.state, note=move.note, effects=(*move.effects, *effects))


@dataclass(frozen=True, slots=True)
class TutorialPage(Args):
    """`t|<page>`: a page of the tutorial, the first when left out."""

    page: int = 1


def finish_tutorial(turn: Turn, state: JourneyState, press: Press) -> Move | None:
    return Move(replace(state, tutorial_done=True, screen=MENU))


AREA = Area(
    "welcome",
    screens={
        "t": shows(TutorialPage, lambda turn, state, args: home.tutorial(turn, state, args.page))
    },
    actions={"ts": finish_tutorial},
    commands=(Command("start", start_with_bonuses),),
    newcomer_needs={"command:start": lambda user: [UserStanding(user)]},
    settlers={
        JoinWithReferral: promos.settle_referral,
        WelcomeBonus: promos.settle_welcome,
    },
    lookups=(UserStanding,),
)

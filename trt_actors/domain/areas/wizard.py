"""The wizard area: from a model's Generate to a confirmed order — its steps, the settings
list and the confirmation, all at the screen path `w` (the position is in the draft, so a
press cannot open it by its code; it is reached through the actions below).

Codes: `go|<model>` (begin), `en`/`tg`/`dn`/`sk` (choose, toggle, done, skip a step), `bk`
(back), `rs` (reset), `cx` (cancel), `in|<input>` (open one input), `ed` (the settings list),
`nx` (to the confirmation), `ok` (confirm: start the generation). Typed text and files
outside any awaited input also go to the wizard (`journey`)."""

from __future__ import annotations

from .. import confirm, wizard
from ..area import Area, acts
from ..callbacks import Press
from ..draft import CONFIRM, SETTINGS, input_at
from ..screens import steps, summary
from ..state import JourneyState
from ..turn import Turn
from ..view import Screen
from ..wizard import DraftArgs, ModelArgs, OptionArgs, StepArgs


def position(turn: Turn, state: JourneyState, press: Press) -> Screen | None:
    """The wizard's current position: a step, the settings list or the confirmation."""
    draft = state.draft
    model = turn.model(draft.model_id) if draft else None
    if draft is None or model is None:
        return None
    if draft.position == SETTINGS:
        return summary.settings(turn, model, draft)
    if draft.position == CONFIRM:
        return summary.confirmation(turn, model, draft)
    found = input_at(model, draft.position)
    return steps.step(turn, model, draft, found[0]) if found else None


AREA = Area(
    "wizard",
    screens={wizard.WIZARD: position},
    sealed=frozenset({wizard.WIZARD}),
    actions={
        "go": acts(ModelArgs, wizard.begin),
        "en": acts(OptionArgs, wizard.choose),
        "tg": acts(StepArgs, wizard.toggle),
        "dn": acts(StepArgs, wizard.done),
        "sk": acts(StepArgs, wizard.skip),
        "bk": acts(DraftArgs, wizard.back),
        "rs": acts(DraftArgs, wizard.reset),
        "cx": acts(DraftArgs, wizard.cancel),
        "in": acts(StepArgs, wizard.open_input),
        "ed": acts(DraftArgs, wizard.to_settings),
        "nx": acts(DraftArgs, wizard.to_confirmation),
        "ok": acts(DraftArgs, confirm.confirm),
    },
)

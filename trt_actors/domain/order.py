"""A draft priced against the context: what the confirmation shows and Confirm checks.

The confirmation screen and the Confirm press both use `assess`, so what the user saw is
exactly what is started: the same problems, the same price, the same free/paid decision.
"""

from __future__ import annotations

from dataclasses import dataclass

from trt_actors.catalog import Model, Price, Unavailable

from .draft import catalog_params
from .state import Draft
from .turn import Turn


@dataclass(frozen=True, slots=True)
class Order:
    """The verdict on a draft.

    `problems` are user-worded reasons the request cannot be sent (missing or wrong values);
    `unavailable` is why it cannot be priced; otherwise `price` is set. `free` means one of
    today's free generations (or a bonus one) covers it, or the user is an admin (a limited
    admin while the price fits their allowance left);
    `shortfall` is the money missing (0 when enough).
    """

    problems: tuple[str, ...] = ()
    unavailable: str | None = None
    price: Price | None = None
    free: bool = False
    shortfall: int = 0
    admin: bool = False  # free because the user is an admin (the job is still recorded)
    allowance: bool = False  # free for a limited admin: drawn on their allowance
    free_used_up: bool = False  # a free-quota model, but no free generation left today

    @property
    def ready(self) -> bool:
        """True when Confirm may start it."""
        return (
            not self.problems
            and self.unavailable is None
            and self.price is not None
            and self.shortfall == 0
        )

    @property
    def charge(self) -> int:
        """Kopecks taken from the balance (0 when free)."""
        return 0 if self.free or self.price is None else self.price.kopecks


def assess(turn: Turn, model: Model, draft: Draft) -> Order:
    params = catalog_params(model, draft)
    problems = model.validate(params)
    if problems:
        return Order(problems=tuple(p.message.get(turn.language) for p in problems))
    found = turn.price(model, params)
    if isinstance(found, Unavailable):
        return Order(unavailable=found.reason.get(turn.language))
    context = turn.context
    free_uses = context.free_left_today + context.free_bonus_left
    limited = context.is_admin and context.allowance_left is not None
    allowance = limited and found.kopecks <= (context.allowance_left or 0)
    admin = context.is_admin and not limited  # unlimited admins generate free
    free = admin or allowance or (found.free and free_uses > 0)
    shortfall = 0 if free else max(found.kopecks - context.balance_kopecks, 0)
    return Order(
        price=found,
        free=free,
        shortfall=shortfall,
        admin=admin,
        allowance=allowance,
        free_used_up=found.free and free_uses == 0 and not admin and not allowance,
    )

"""A tenant's business settings: what an operator tunes per bot, as the journey reads them.

Values come from the tenant's configuration (`TRT_TENANTS` YAML or the plain environment)
and may be overridden by an admin from the panel (stored in the `settings` table, audited);
the session hands the effective values to the handler in `Context.settings`. Money is in
integer kopecks; rates are exact fractions — never floats.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

DEFAULT_STARS_PACKAGES = (50, 100, 250, 500, 1000)


@dataclass(frozen=True, slots=True)
class TenantSettings:
    """One bot's terms. Defaults are those of a new tenant with nothing configured.

    - `rub_per_usd`, `markup`: feed the catalog's `Tariff` (None: the catalog's defaults).
    - `stars_rate_kopecks`: what one Telegram Star credits; `stars_packages`, `stars_min`,
      `stars_max`: the offered packages and the custom amount's limits.
    - `free_per_day`: the free daily quota for free-flagged SKUs, by days in `timezone`.
    - `referral_bonus_free`: free generations both sides of a referral get.
    - `welcome_bonus_kopecks`: credited once to each new user (0: off).
    - `bank_requisites`: bank-transfer top-ups are on when set.
    - `admins`, `main_admin`: who runs the bot; the main admin may appoint others.
    - `hidden_models`: model ids an admin took off the menus.
    - `admin_allowances`: limited admins — admins whose free generations draw on a spending
      allowance (kopecks, in total) set by the main admin; past it they pay like users.
    """

    rub_per_usd: Fraction | None = None  # None: the catalog's default
    markup: Fraction | None = None  # None: the catalog's default
    stars_rate_kopecks: int = 150
    stars_packages: tuple[int, ...] = DEFAULT_STARS_PACKAGES
    stars_min: int = 1
    stars_max: int = 10_000
    free_per_day: int = 5
    timezone: str = "Europe/Moscow"
    referral_bonus_free: int = 10
    welcome_bonus_kopecks: int = 0
    support_contact: str = ""
    bank_requisites: str | None = None
    admins: tuple[int, ...] = ()
    main_admin: int | None = None
    hidden_models: frozenset[str] = frozenset()
    admin_allowances: tuple[tuple[int, int], ...] = ()  # (admin id, kopecks): limited admins

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.admins or (
            self.main_admin is not None and user_id == self.main_admin
        )

    def allowance_of(self, user_id: int) -> int | None:
        """A limited admin's allowance in kopecks; None for everyone else."""
        return next((kopecks for admin, kopecks in self.admin_allowances if admin == user_id), None)

"""What the admin panel asks the session to read (lookups), to do (operations), and what it
gets back — plain data, no I/O (see docs/journey.md, "Lookups and operations")."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, ClassVar, TypeVar

from trt_actors.model import JobState

from ..effects import Lookup, Operation

R_co = TypeVar("R_co", covariant=True)


class AdminLookup(Lookup[R_co]):
    """A lookup only an admin's update may cause (the session enforces it)."""

    __slots__ = ()
    admin_only: ClassVar[bool] = True


# -- lookups --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PanelStats(AdminLookup["StatsFacts"]):
    """Users, generations and money since `days` days ago."""

    days: int = 30


@dataclass(frozen=True, slots=True)
class UserCard(AdminLookup["UserFacts | None"]):
    """A user by id (digits) or @username (without the @)."""

    target: str


@dataclass(frozen=True, slots=True)
class AuditTail(AdminLookup[list["AuditLine"]]):
    limit: int = 15


@dataclass(frozen=True, slots=True)
class BroadcastStatus(AdminLookup["BroadcastFacts | None"]):
    broadcast_id: int


@dataclass(frozen=True, slots=True)
class BroadcastHistory(AdminLookup[list["BroadcastFacts"]]):
    """The tenant's broadcasts with their figures, newest first, `size` per page, before
    broadcast `before` (0: the newest)."""

    before: int = 0
    size: int = 8


@dataclass(frozen=True, slots=True)
class Export(AdminLookup["FileFacts | None"]):
    """A CSV file of every row of `table`: users, payments or jobs."""

    table: str


@dataclass(frozen=True, slots=True)
class StatsChart(AdminLookup["FileFacts"]):
    """A PNG chart of revenue and spend per day over `days` days."""

    days: int = 30


# -- what lookups find ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatsFacts:
    users_total: int
    users_new: int
    users_active: int
    users_blocked_bot: int
    jobs_by_state: dict[str, int]
    top_models: list[tuple[str, int]]
    revenue_kopecks: int
    spend_kopecks: int
    days: int


@dataclass(frozen=True, slots=True)
class MoneyLine:
    kind: str
    amount_kopecks: int
    at: datetime.datetime
    actor: str


@dataclass(frozen=True, slots=True)
class UserFacts:
    user_id: int
    username: str | None
    first_name: str
    language: str | None
    is_blocked: bool
    blocked_bot: bool
    joined: datetime.datetime
    balance_kopecks: int
    held_kopecks: int
    jobs: int
    payments: int
    ledger: list[MoneyLine] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AuditLine:
    actor_id: int
    action: str
    target: str
    at: datetime.datetime
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class BroadcastFacts:
    """A broadcast's figures: `skipped` are the recipients who blocked the bot (403)."""

    broadcast_id: int
    state: str  # running | done | cancelled | …
    sent: int
    failed: int
    skipped: int
    pending: int
    started: datetime.datetime | None = None
    finished: datetime.datetime | None = None  # None while it runs
    text: str = ""  # the text or caption as written (HTML when `html`)
    html: bool = False
    photo: bool = False


@dataclass(frozen=True, slots=True)
class FileFacts:
    """A file to send: name, bytes, MIME type, and how many data rows it holds."""

    name: str
    data: bytes
    mime: str
    rows: int = 0


# -- operations -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Denied(Operation):
    """A non-admin reached for the panel: only recorded (the audit log), never hinted at."""

    user_id: int
    what: str
    by_command: bool


@dataclass(frozen=True, slots=True)
class SetBlocked(Operation):
    admin_id: int
    user_id: int
    blocked: bool


@dataclass(frozen=True, slots=True)
class AdjustBalance(Operation):
    """Credit (amount > 0) or debit (amount < 0) a user's balance with a reason."""

    admin_id: int
    user_id: int
    amount_kopecks: int
    reason: str
    key: str


@dataclass(frozen=True, slots=True)
class GrantAdmin(Operation):
    """Make a user an admin of this bot (the main admin only)."""

    admin_id: int
    user_id: int


@dataclass(frozen=True, slots=True)
class StartBroadcast(Operation):
    """Send `message` (sendMessage or sendPhoto parameters, no chat id; `parse_mode: HTML`
    with markup already checked) to every reachable user; the broadcaster actor picks it
    up."""

    admin_id: int
    message: dict[str, Any]
    key: str


@dataclass(frozen=True, slots=True)
class CancelBroadcast(Operation):
    admin_id: int
    broadcast_id: int


# -- what operations answer -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Done:
    """An operation that went through; `value` is what it produced (a broadcast id, …)."""

    value: int = 0


@dataclass(frozen=True, slots=True)
class Refused:
    """An operation refused for a reason the admin can read: `reason` is a text key."""

    reason: str
    values: dict[str, str] = field(default_factory=dict)


# -- diagnostics ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Diagnostics(AdminLookup["DiagnosticsFacts"]):
    """Storage, coordination and webhook state, and the last errors (a live probe)."""


@dataclass(frozen=True, slots=True)
class SelfTest(AdminLookup[list["Check"]]):
    """A live check: storage write and read, Telegram getMe through the outbound actor, KIE
    credits."""


@dataclass(frozen=True, slots=True)
class CorrelationTrail(AdminLookup[list["TrailStep"]]):
    """The recorded path of one update (u<update id>) or job (j<job id>)."""

    correlation_id: str


@dataclass(frozen=True, slots=True)
class Check:
    """One line of a live check: what, whether it passed, what was seen, how long it took."""

    name: str
    ok: bool
    detail: str
    millis: int = 0


@dataclass(frozen=True, slots=True)
class GenerationsPaused:
    """Generations are paused because KIE answered it is out of credits (402): since when,
    KIE's words, and how often the balance is checked to resume them."""

    since: datetime.datetime
    reason: str
    check_every: float


@dataclass(frozen=True, slots=True)
class DiagnosticsFacts:
    checks: list[Check]
    inbox: dict[str, int]
    last_errors: list[tuple[datetime.datetime, str, str]]
    paused: GenerationsPaused | None = None  # None: generations run


@dataclass(frozen=True, slots=True)
class TrailStep:
    at: datetime.datetime
    step: str
    detail: dict[str, Any]


# -- generations ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JobsPage(AdminLookup[list["JobFacts"]]):
    """The tenant's generations, newest first, `size` per page, before job `before` (0: the
    newest)."""

    before: int = 0
    size: int = 10


@dataclass(frozen=True, slots=True)
class JobDetail(AdminLookup["JobFacts | None"]):
    job_id: int


@dataclass(frozen=True, slots=True)
class JobFacts:
    job_id: int
    user_id: int
    model_id: str
    state: JobState
    params: dict[str, Any]
    kie_task_id: str | None
    price_kopecks: int
    error: str | None
    result_urls: list[str]
    created: datetime.datetime
    submitted: datetime.datetime | None
    finished: datetime.datetime | None


# -- settings -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChangeTerm(Operation):
    """Override one of the tenant's business terms (a live operation: current at once,
    stored and audited by the tenant's terms)."""

    admin_id: int
    key: str
    value: str


@dataclass(frozen=True, slots=True)
class ResetTerm(Operation):
    """Drop an admin's override: the configured value applies again."""

    admin_id: int
    key: str


@dataclass(frozen=True, slots=True)
class KieCredits(AdminLookup[Fraction]):
    """KIE's credit balance now (a live probe): a `Fraction` of credits."""


@dataclass(frozen=True, slots=True)
class TenantsOverview(AdminLookup[list["TenantLine"] | None]):
    """Every bot of this process, for the main admin of the default one (a live probe):
    a list of `TenantLine`, or None for anyone else."""

    days: int = 30


@dataclass(frozen=True, slots=True)
class TenantLine:
    tenant: str
    users: int
    generations: int
    revenue_kopecks: int


@dataclass(frozen=True, slots=True)
class AdminRedeliver(Operation):
    """Send a delivered result to its owner again (refreshed links, nothing charged)."""

    admin_id: int
    job_id: int


@dataclass(frozen=True, slots=True)
class ConfigCheck(AdminLookup[list["ConfigLine"]]):
    """The deployment's configuration checked for this bot, with fixes (a live probe, the
    checks of `trt doctor`): a list of `ConfigLine`."""


@dataclass(frozen=True, slots=True)
class ConfigLine:
    level: str  # ok | warn | fail
    subject: str
    text: str


# -- payments and promo codes ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaymentsPage(AdminLookup[list["PaymentLine"]]):
    """The newest payments of every kind (a list of `PaymentLine`)."""

    limit: int = 15


@dataclass(frozen=True, slots=True)
class PaymentLine:
    payment_id: int
    user_id: int
    method: str  # stars | bank_transfer
    status: str  # pending | approved | rejected | refunded
    amount: int  # Stars, or kopecks for a transfer
    currency: str  # XTR | RUB
    external_id: str | None
    at: datetime.datetime


@dataclass(frozen=True, slots=True)
class PromoList(AdminLookup[list["PromoLine"]]):
    """The newest promo codes (a list of `PromoLine`)."""

    limit: int = 20


@dataclass(frozen=True, slots=True)
class PromoLine:
    code: str
    amount_kopecks: int
    redemptions: int
    max_redemptions: int | None
    expires: datetime.datetime | None
    active: bool
    free_generations: bool = False  # the amount is a number of free generations


@dataclass(frozen=True, slots=True)
class DisablePromo(Operation):
    admin_id: int
    code: str

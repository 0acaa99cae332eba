"""What a user sees of one generation: progress, result, failure, history, /status.

Pure functions of a `Turn` (the job actor builds one with `job_turn`) and plain values; the
job actor and the session call them and send what they return. Buttons carry the job id:
`ja` Again / Try again, `jp` Change parameters, `jc` Cancel, `jo` open from History, `jd`
send the result again (actions in `domain/job_presses.py`).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from trt_actors.catalog import Catalog, MediaInput, MediaKind, Model, Tariff
from trt_actors.model import JobState

from ..callbacks import encode
from ..context import NO_SETTINGS, Context, JobView
from ..draft import CONFIRM
from ..effects import MEDIA_FACTS
from ..job_lookups import HISTORY_PAGE
from ..local_time import stamp
from ..state import Draft, MediaFile
from ..tenant_settings import TenantSettings
from ..turn import Turn
from ..view import CAPTION_LIMIT, Button, Rows, Screen, fit, grid
from .home import menu_button, support_button
from .values import BUTTON_VALUE, shown_value

# Reasons a job stores in `error` (anything else is KIE's own words: "kie:<text>").
TIMEOUT = "timeout"
INTERRUPTED = "interrupted"
NOT_CONFIGURED = "not_configured"
MODEL_GONE = "model_gone"
CANCELLED = "cancelled"
UNDELIVERABLE = "undeliverable"  # made, but Telegram would not take it, attempt after attempt
FILE_TOO_BIG = "file_too_big"  # a file of the user's is over what a bot may download
PAUSED = "paused"  # KIE is out of credits: generations are paused until they come back
KNOWN_REASONS = frozenset(
    {TIMEOUT, INTERRUPTED, NOT_CONFIGURED, MODEL_GONE, UNDELIVERABLE, FILE_TOO_BIG, PAUSED}
)
# Why a confirmed generation was not opened at all (nothing held, nothing charged).
FREE_GONE = "free_gone"  # no free generation left to reserve: other orders took them
NO_MONEY = "no_money"  # the balance no longer covers the price
KIE_FAILED = "kie:"  # the model failed: KIE's message follows
KIE_REJECTED = "rejected:"  # KIE refused the request (validation): its message follows

CHAT_ACTIONS = {
    MediaKind.IMAGE: "upload_photo",
    MediaKind.VIDEO: "upload_video",
    MediaKind.AUDIO: "upload_voice",
}
QUEUED_STATES = frozenset({JobState.CREATED})
GENERATING_STATES = frozenset({JobState.SUBMITTED, JobState.SUCCEEDED})
FAILED_STATES = frozenset({JobState.FAILED, JobState.REFUNDED})


def job_turn(
    catalog: Catalog,
    tariff: Tariff,
    language: str,
    user_id: int,
    now: datetime.datetime,
    *,
    settings: TenantSettings = NO_SETTINGS,
) -> Turn:
    """A `Turn` for a job's messages (the job actor has no update to build one from)."""
    context = Context(now=now, tariff=tariff, language=language, settings=settings)
    return Turn(catalog, context, language, user_id, user_id, "")


def chat_action(output: MediaKind | None) -> str:
    """The chat action that shows while a result of this kind is being made."""
    return CHAT_ACTIONS.get(output, "upload_document") if output else "typing"


def elapsed_text(seconds: float) -> str:
    """ "0:45", "12:05", "1:02:03"."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _name(turn: Turn, model_id: str) -> str:
    model = turn.catalog.find(model_id)
    return model.name if model else model_id


# -- while it runs ---------------------------------------------------------------------------


def progress(
    turn: Turn, job_id: int, model_id: str, *, generating: bool, elapsed: float, cancellable: bool
) -> Screen:
    """The progress message: queued or generating, the time so far, Cancel while it can."""
    key = "job_phase_generating" if generating else "job_phase_queued"
    body = turn.t(key, model=_name(turn, model_id), elapsed=elapsed_text(elapsed))
    body += "\n" + turn.t("job_progress_hint")
    rows: Rows = ((Button(turn.t("job_btn_cancel"), encode("jc", job_id)),),) if cancellable else ()
    return Screen(body, rows)


def progress_final(turn: Turn, model_id: str, outcome: str, elapsed: float) -> Screen:
    """The progress message's last word: `outcome` is delivered, failed or cancelled."""
    key = f"job_final_{outcome}"
    return Screen(turn.t(key, model=_name(turn, model_id), elapsed=elapsed_text(elapsed)))


def cancelling(turn: Turn) -> Screen:
    """What the progress message shows right after Cancel, until the job confirms."""
    return Screen(turn.t("job_cancelling"))


# -- the result ------------------------------------------------------------------------------


def draft_of(model: Model, serial: int, params: Mapping[str, object], position: str) -> Draft:
    """A job's parameters as a wizard draft (Again, Change parameters, the caption)."""
    values: dict[str, str | bool] = {}
    media: dict[str, tuple[MediaFile, ...]] = {}
    facts = params.get(MEDIA_FACTS)
    for spec in model.inputs:
        value = params.get(spec.name)
        if isinstance(spec, MediaInput):
            known = facts.get(spec.name) if isinstance(facts, Mapping) else None
            loaded = [MediaFile.load(f) for f in known] if isinstance(known, list) else []
            if loaded and all(loaded):
                media[spec.name] = tuple(f for f in loaded if f is not None)
            elif isinstance(value, list):
                media[spec.name] = tuple(MediaFile(str(v)) for v in value)
        elif isinstance(value, str | bool):
            values[spec.name] = value
    return Draft(serial, model.id, position, values, media, reviewed=True)


def key_parameters(turn: Turn, model: Model, params: Mapping[str, object]) -> list[str]:
    """ "Label: value" for every parameter the user set (media as a count)."""
    draft = draft_of(model, 0, params, CONFIRM)
    return [
        f"{spec.label.get(turn.language)}: {shown_value(turn, spec, draft, BUTTON_VALUE * 4)}"
        for spec in model.inputs
        if spec.name in params
    ]


def price_text(turn: Turn, price_kopecks: int, free: bool) -> str:
    if free or price_kopecks == 0:
        return turn.t("job_caption_free")
    return turn.t("job_caption_price", price=turn.money(price_kopecks))


def result_caption(
    turn: Turn, model_id: str, params: Mapping[str, object], price_kopecks: int, free: bool
) -> str:
    """The media's caption: the model, its key parameters and the price, within 1024."""
    model = turn.catalog.find(model_id)
    lines = [model.name if model else model_id]
    if model is not None:
        lines += key_parameters(turn, model, params)
    lines.append(price_text(turn, price_kopecks, free))
    return fit("\n".join(lines), CAPTION_LIMIT)


def result_buttons(turn: Turn, job_id: int) -> Rows:
    """Under a result: Again (same parameters), Change parameters, Main menu."""
    return (
        (
            Button(turn.t("job_btn_again"), encode("ja", job_id)),
            Button(turn.t("job_btn_change"), encode("jp", job_id)),
        ),
        (menu_button(turn),),
    )


def result_text(turn: Turn, model_id: str, text: str, job_id: int) -> Screen:
    """A text result (speech-to-text and the like) as a message."""
    body = turn.t("job_result_text", model=_name(turn, model_id), text=text)
    return Screen(body, result_buttons(turn, job_id))


def result_link(
    turn: Turn, url: str, size_bytes: int, valid_hours: int, job_id: int, *, with_buttons: bool
) -> Screen:
    """A result too big for Telegram: the link and how long it stays valid."""
    size = f"{size_bytes / 1_000_000:.0f}"
    body = turn.t("job_result_link", size=size, hours=valid_hours, url=url)
    return Screen(body, result_buttons(turn, job_id) if with_buttons else ())


# -- failure ---------------------------------------------------------------------------------


def reason_text(turn: Turn, error: str | None) -> str:
    """A stored failure reason in plain words."""
    if error in KNOWN_REASONS:
        return turn.t(f"job_reason_{error}")
    if error and error.startswith(KIE_REJECTED):
        return turn.t("job_reason_rejected", detail=error[len(KIE_REJECTED) :].strip()[:300])
    if error and error.startswith(KIE_FAILED):
        return turn.t("job_reason_kie", detail=error[len(KIE_FAILED) :].strip()[:300])
    return turn.t("job_reason_unknown")


def failure(turn: Turn, job_id: int, model_id: str, error: str | None) -> Screen:
    """What went wrong in plain words, that nothing was charged, and Try again."""
    name = _name(turn, model_id)
    if error == CANCELLED:
        body = turn.t("job_cancelled", model=name)
    elif error == PAUSED:
        body = turn.t("job_paused", model=name)
    else:
        body = turn.t("job_failed", model=name, reason=reason_text(turn, error))
    support = support_button(turn)
    rows = (
        (Button(turn.t("job_btn_retry"), encode("ja", job_id)),),
        (menu_button(turn), *((support,) if support else ())),
    )
    return Screen(body, rows)


def not_started(turn: Turn, model_id: str, why: str, price_kopecks: int) -> Screen:
    """A confirmed generation that was not started after all (`FREE_GONE`: its free
    generation was taken by another order meanwhile; `NO_MONEY`: the balance no longer
    covers it): nothing was held or charged; Top up, the model again (its order check
    shows the price now), the main menu."""
    name = _name(turn, model_id)
    if why == FREE_GONE:
        body = turn.t("job_not_started_free_gone", model=name, price=turn.money(price_kopecks))
    else:
        body = turn.t("job_not_started_no_money", model=name, price=turn.money(price_kopecks))
    rows = (
        (Button(turn.t("btn_topup"), encode("u")),),
        (Button(turn.t("job_btn_again"), encode("c", model_id)),),
        (menu_button(turn),),
    )
    return Screen(body, rows)


# -- history and /status ---------------------------------------------------------------------


def state_word(turn: Turn, job: JobView) -> str:
    """queued / generating / delivered / failed / cancelled, as the user reads it."""
    if job.state in QUEUED_STATES:
        word = "queued"
    elif job.state in GENERATING_STATES:
        word = "generating"
    elif job.state in FAILED_STATES:
        word = "cancelled" if job.error == CANCELLED else "failed"
    else:
        word = "delivered"
    return turn.t(f"job_word_{word}")


def history(turn: Turn, page: int) -> Screen:
    """The user's generations, newest first, paged: one button per generation."""
    jobs = turn.context.recent_jobs
    if not jobs:
        return Screen(
            turn.t("job_history_empty"),
            ((Button(turn.t("btn_models"), encode("k")), menu_button(turn)),),
        )
    pages = (len(jobs) + HISTORY_PAGE - 1) // HISTORY_PAGE
    page = min(max(page, 0), pages - 1)
    shown = jobs[page * HISTORY_PAGE : (page + 1) * HISTORY_PAGE]
    opens = [
        Button(
            turn.t(
                "job_btn_open",
                job=job.job_id,
                model=_name(turn, job.model_id),
                state=state_word(turn, job),
            ),
            encode("jo", job.job_id),
        )
        for job in shown
    ]
    paging = []
    if page > 0:
        paging.append(Button(turn.t("btn_prev_page"), encode("h", page - 1)))
    if page + 1 < pages:
        paging.append(Button(turn.t("btn_next_page"), encode("h", page + 1)))
    rows = (*grid(opens, 1), *grid(paging, 2), (menu_button(turn),))
    body = turn.t("job_history_title", page=page + 1, pages=pages)
    return Screen(body, tuple(row for row in rows if row))


def visible_job(turn: Turn, job_id: str) -> JobView | None:
    """The job the session looked up for this update, if it is this one and the user may
    see it (the owner, or an admin)."""
    job = turn.context.requested_job
    if job is None or job.job_id != job_id:
        return None
    return job if job.owner_id == turn.user_id or turn.context.is_admin else None


def detail(turn: Turn, job: JobView) -> Screen:
    """One generation opened from History: what it was, and Send again / Again."""
    lines = [
        turn.t(
            "job_detail",
            job=job.job_id,
            model=_name(turn, job.model_id),
            state=state_word(turn, job),
            when=stamp(job.created_at, turn.context.settings.timezone, "%d.%m.%Y %H:%M"),
            price=price_text(turn, job.price_kopecks, job.free),
        )
    ]
    model = turn.catalog.find(job.model_id)
    if model is not None:
        lines += key_parameters(turn, model, job.params)
    if job.state in FAILED_STATES and job.error != CANCELLED:
        lines.append(turn.t("job_detail_reason", reason=reason_text(turn, job.error)))
    buttons = []
    if job.state == "delivered" and job.result_urls and job.owner_id == turn.user_id:
        buttons.append(Button(turn.t("job_btn_send_again"), encode("jd", job.job_id)))
    if job.owner_id == turn.user_id:
        buttons.append(Button(turn.t("job_btn_again"), encode("ja", job.job_id)))
    rows = (
        *grid(buttons, 1),
        (Button(turn.t("job_btn_history"), encode("h", 0)), menu_button(turn)),
    )
    return Screen("\n".join(lines), rows)


def resend_failed(turn: Turn, job_id: int) -> Screen:
    """Send again could not send the result: its file could not be fetched any more (a
    result's files are kept only for a while; those of old generations are gone)."""
    rows = ((Button(turn.t("job_btn_history"), encode("h", 0)), menu_button(turn)),)
    return Screen(turn.t("job_resend_failed", job=job_id), rows)


def not_found(turn: Turn, job_id: str) -> Screen:
    rows = ((Button(turn.t("job_btn_history"), encode("h", 0)), menu_button(turn)),)
    return Screen(turn.t("job_not_found", job=job_id[:32]), rows)


def status(turn: Turn, job_id: str) -> Screen:
    """The answer to `/status <job>`: queued, generating, delivered or failed."""
    rows = ((Button(turn.t("job_btn_history"), encode("h", 0)), menu_button(turn)),)
    if not job_id:
        return Screen(turn.t("status_usage"), rows)
    job = visible_job(turn, job_id)
    if job is None:
        return not_found(turn, job_id)
    body = turn.t("job_status_title", job=job.job_id, state=state_word(turn, job))
    return Screen(body + "\n\n" + detail(turn, job).text, rows)

"""The admin panel's chart: money in and out per day, as a PNG.

matplotlib (with numpy, a quarter of a second and ~40 MB) is imported when a chart is first
drawn — only when an admin asks for one — not when the service starts."""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence

from trt_actors.storage import DayMoney

EPOCH = datetime.date(1970, 1, 1)


def money_chart(first: datetime.date, days: int, figures: Sequence[DayMoney], title: str) -> bytes:
    """A bar chart of roubles paid in and spent per day, `days` days from `first`, PNG bytes.
    Days without movements show as zero."""
    by_day = {EPOCH + datetime.timedelta(days=f.day): f for f in figures}
    dates = [first + datetime.timedelta(days=i) for i in range(days)]
    revenue = [by_day[d].revenue / 100 if d in by_day else 0 for d in dates]
    spend = [by_day[d].spend / 100 if d in by_day else 0 for d in dates]
    from matplotlib.figure import Figure  # noqa: PLC0415  (drawn on demand: see above)

    figure = Figure(figsize=(8, 4), dpi=100)  # its own canvas: no display, no pyplot state
    axes = figure.subplots()
    positions = range(days)
    axes.bar([p - 0.2 for p in positions], revenue, width=0.4, label="paid in, RUB")
    axes.bar([p + 0.2 for p in positions], spend, width=0.4, label="spent, RUB")
    step = max(1, days // 10)
    axes.set_xticks(list(positions)[::step], [f"{d:%m-%d}" for d in dates][::step])
    axes.set_title(title)
    axes.legend()
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()

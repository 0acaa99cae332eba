"""Property: random crash schedules never leave an orphan task, and restarts follow the policy.

A small pure model of OTP's rules predicts, for any schedule of crashes and normal exits, how
often each child starts and whether the supervisor gives up; the real supervisor, run under
trio's MockClock, must agree exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import trio
from hypothesis import given, settings
from hypothesis import strategies as st
from trio.testing import MockClock

from trt_actors.supervisors import Intensity, Restart, Strategy, Supervisor, SupervisorGaveUp

from .probes import Journal, Probe

Action = tuple[float, int, str]  # (seconds to wait, which child, "crash" | "exit")


@dataclass
class Model:
    """What OTP's rules say must happen."""

    ids: list[str]
    restarts: dict[str, Restart]
    strategy: Strategy
    intensity: Intensity
    alive: dict[str, bool] = field(default_factory=dict)
    starts: dict[str, int] = field(default_factory=dict)
    times: list[float] = field(default_factory=list)
    gave_up: bool = False

    def __post_init__(self) -> None:
        self.alive = dict.fromkeys(self.ids, True)
        self.starts = dict.fromkeys(self.ids, 1)

    def apply(self, now: float, child: str, crashed: bool) -> None:
        if not self.restarts[child].restarts_after(crashed):
            self.alive[child] = False
            return
        self.times = [t for t in self.times if now - t <= self.intensity.within]
        if len(self.times) >= self.intensity.max_restarts:
            self.gave_up = True
            return
        self.times.append(now)
        order = [c for c in self.ids if self.alive[c]]
        if self.strategy is Strategy.ONE_FOR_ALL:
            group = order
        elif self.strategy is Strategy.REST_FOR_ONE:
            group = order[order.index(child) :]
        else:
            group = [child]
        for member in group:
            self.starts[member] += 1


async def run_schedule(model: Model, actions: list[Action]) -> tuple[Journal, bool]:
    journal = Journal()
    probes = [Probe(c, journal, restart=model.restarts[c]) for c in model.ids]
    sup = Supervisor(
        "root", [p.spec() for p in probes], strategy=model.strategy, intensity=model.intensity
    )
    gave_up = False
    try:
        async with trio.open_nursery() as nursery:
            await nursery.start(sup.run)
            for gap, index, kind in actions:
                await trio.sleep(gap)
                child = model.ids[index % len(model.ids)]
                handle = sup.child(child)
                assert (handle is not None) == model.alive[child]
                if handle is None:
                    continue
                model.apply(trio.current_time(), child, crashed=kind == "crash")
                getattr(handle, kind)()
                if model.gave_up:
                    await trio.sleep_forever()  # the supervisor fails this nursery
            await trio.sleep(1)
            sup.request_stop()
    except* SupervisorGaveUp:
        gave_up = True
    return journal, gave_up


restart_types = st.sampled_from(list(Restart))
actions = st.lists(
    st.tuples(
        st.sampled_from([0.5, 1.0, 2.5, 6.0]), st.integers(0, 3), st.sampled_from(["crash", "exit"])
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(
    kinds=st.lists(restart_types, min_size=1, max_size=4),
    strategy=st.sampled_from(list(Strategy)),
    max_restarts=st.integers(0, 4),
    within=st.sampled_from([1.0, 5.0, 20.0]),
    schedule=actions,
)
def test_random_crash_schedules(
    kinds: list[Restart],
    strategy: Strategy,
    max_restarts: int,
    within: float,
    schedule: list[Action],
) -> None:
    ids = [f"c{i}" for i in range(len(kinds))]
    model = Model(
        ids, dict(zip(ids, kinds, strict=True)), strategy, Intensity(max_restarts, within)
    )
    journal, gave_up = trio.run(
        run_schedule, model, schedule, clock=MockClock(autojump_threshold=0)
    )
    assert journal.alive == 0, "a child task outlived its supervisor"
    assert gave_up == model.gave_up
    assert {c: journal.starts(c) for c in ids} == model.starts

"""The journey is composed from the bot's areas, and composition refuses what two areas both
claim — each with a message that names the thing and both areas — so a dict merge can never
silently overwrite one area's code with another's."""

from __future__ import annotations

import pytest

from trt_actors.domain.admin.facts import Denied
from trt_actors.domain.area import Area, AreaCollision, Command, compose
from trt_actors.domain.areas import AREAS
from trt_actors.domain.journey import default_routes
from trt_actors.domain.moves import Move


def nothing(*_: object) -> Move | None:
    return None


def test_the_bots_areas_compose_and_each_code_has_one_owner() -> None:
    routes = default_routes()
    assert [area.name for area in routes.areas] == [
        "welcome", "menus", "wizard", "jobs", "money", "knowledge", "admin",
    ]  # fmt: skip
    for area in AREAS:
        assert all(routes.owner(code) == area.name for code in area.codes)
    assert routes.owner("pa") == "money" and routes.owner("ac") == "admin"
    assert "start" in routes.commands and routes.owner("zz") is None


@pytest.mark.parametrize(
    ("intruder", "message"),
    [
        (
            Area("promo", screens={"m": nothing}),
            "callback code 'm' is claimed by areas 'menus' and 'promo'",
        ),
        (
            Area("promo", actions={"pa": nothing}),
            "callback code 'pa' is claimed by areas 'money' and 'promo'",
        ),
        (
            Area("promo", inputs={"ac": nothing}),
            "callback code 'ac' is claimed by areas 'admin' and 'promo'",
        ),
        (
            Area("promo", commands=(Command("start", nothing),)),
            "command '/start' is claimed by areas 'welcome' and 'promo'",
        ),
        (
            Area("promo", settlers={Denied: nothing}),
            "operation 'Denied' is claimed by areas 'admin' and 'promo'",
        ),
        (
            Area("promo", press_needs={"ok": lambda press: []}),
            "press lookups 'ok' is claimed by areas 'jobs' and 'promo'",
        ),
        (
            Area("promo", press_needs={"zq": lambda press: []}),
            "press lookups declared for 'zq', which no area has",
        ),
        (
            Area("promo", command_needs={"nope": lambda argument: []}),
            "command lookups declared for 'nope', which no area has",
        ),
        (Area("promo", sealed=frozenset({"m"})), "area 'promo' seals 'm', which is not its screen"),
    ],
)
def test_a_collision_fails_composition_naming_both_areas(intruder: Area, message: str) -> None:
    with pytest.raises(AreaCollision) as refused:
        compose((*AREAS, intruder))
    assert str(refused.value) == message


def test_one_area_may_use_a_code_for_its_screen_its_press_and_its_input() -> None:
    promo = Area("promo", screens={"zp": nothing}, actions={"zp": nothing}, inputs={"zp": nothing})
    routes = compose((*AREAS, promo))
    assert routes.owner("zp") == "promo"


def test_the_command_menu_lists_commands_in_the_order_of_the_areas() -> None:
    listed = [c["command"] for c in default_routes().commands_for("en")[0].params["commands"]]
    assert listed[:3] == ["start", "generate", "models"]
    assert listed.index("history") < listed.index("balance") < listed.index("search")
    assert "menu" not in listed and "admin" not in listed  # unlisted ones stay out

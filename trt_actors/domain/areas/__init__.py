"""The areas of the bot, in one place: the journey is composed from this list
(`area.compose`), which refuses at start any code, command, lookup key or operation two areas
claim. A new area is one module here and one line below; the order is the command menu's."""

from __future__ import annotations

from ..area import Area
from . import admin, jobs, knowledge, menus, money, welcome, wizard

AREAS: tuple[Area, ...] = (
    welcome.AREA,
    menus.AREA,
    wizard.AREA,
    jobs.AREA,
    money.AREA,
    knowledge.AREA,
    admin.AREA,
)

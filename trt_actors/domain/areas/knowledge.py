"""The knowledge area: `/search` and `/ask` for everybody; `/add`, `/kb_edit` and `/kb_delete`
for admins (anyone else gets the unknown-command answer and an audit entry, as for every
admin command)."""

from __future__ import annotations

from .. import knowledge
from ..admin.actions import command as admin_command
from ..area import Area, Command
from ..knowledge import AddKnowledge, DeleteKnowledge, EditKnowledge, FindKnowledge

AREA = Area(
    "knowledge",
    commands=(
        Command("search", knowledge.search, description="kb_cmd_search"),
        Command("ask", knowledge.ask, description="kb_cmd_ask"),
        Command("add", admin_command(knowledge.add), listed=False),
        Command("kb_edit", admin_command(knowledge.edit_entry), listed=False),
        Command("kb_delete", admin_command(knowledge.delete_entry), listed=False),
    ),
    command_needs={"search": knowledge.searching, "ask": knowledge.searching},
    settlers={
        AddKnowledge: knowledge.added,
        EditKnowledge: knowledge.edited,
        DeleteKnowledge: knowledge.deleted,
    },
    lookups=(FindKnowledge,),
)

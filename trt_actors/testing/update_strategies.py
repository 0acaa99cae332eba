"""Hypothesis strategies for what a webhook may be sent: updates of every kind the Bot API
defines, and requests that are not updates at all.

`fuzz_cases(world)` draws one `FuzzCase`: a body to post and what the bot must do with it,
by the rule of `trt_actors.domain.update_shape` and the journey (docs/testing.md, "Fuzzed
updates"):

- **answered** — a message (every content kind of `Message` in the spec: text with entities
  and commands, photo, document, video, audio, voice, video note, sticker, animation,
  location, contact, poll, dice, venue, payments, service messages, ...), an edited message,
  a button press (real buttons, codec-like data, garbage, over-long, no data; on a message of
  the bot, on an inaccessible one, on an inline message) or a pre-checkout query, from a user
  who has a chat with the bot: the bot calls Telegram about it (a message or an edit in that
  chat, the press or the query answered);
- **ignored** — the other update kinds of the spec (channel posts, inline queries, polls,
  chat members, reactions, boosts, business messages, ...), a membership change
  (`my_chat_member`), an update kind the spec does not know, an update with nothing but its
  `update_id`: acknowledged and handled without a word to Telegram;
- **refused** — not JSON (bytes, truncated, invalid UTF-8, a lone surrogate escape, NaN,
  nested past the parser's limit), JSON that is not an object, an `update_id` missing, of
  another type, negative or past 64 bits, an update kind that is not an object, two kinds in
  one update, a field the bot reads of the wrong type or missing: 400.

Well-formed updates are drawn from the spec (`ApiSpec`, Bot API 10.1): required fields
always, a few optional ones, nested types to a bounded depth. On top of that a case may get
unknown fields anywhere, a wrong type in a field the bot does not read, an array nested a few
hundred levels deep under an unknown field, or ASCII escapes for every non-ASCII character
(surrogate pairs for emoji) — none of which changes what the bot must do. Strings mix the
whole of Unicode, emoji and ZWJ sequences, right-to-left text and overrides, zero-width and
combining characters, and strings of up to 100,000 characters (escaped, a few of them make
a body over the webhook's 1 MiB: refused 413 unread whatever its family, as the driver
judges).

The ids in answered updates are those of a `FuzzWorld`: users who have written to the bot
(Telegram sends nothing else), messages the bot sent them, and the data of its buttons.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from hypothesis import strategies as st

from trt_actors.emulators.telegram import ApiSpec

SPEC = ApiSpec.load()
ARRAY = "Array of "
ID_LIMIT = 2**52  # Telegram's ids "have at most 52 significant bits"
HUGE_TEXT_CHARS = 100_000
NEST_MARK = "\x00nest\x00"  # a value replaced, once encoded, by arrays nested `nest` deep
SPEC_DEPTH = 3  # levels of optional fields in objects drawn from the spec
TOO_DEEP = 5_000  # past the JSON parser's nesting limit (1,024)

ANSWERED_KINDS = ("message", "edited_message", "callback_query", "pre_checkout_query")
# my_chat_member is ignored too, but drawn apart: from a user the bot knows
_NOT_IGNORED = frozenset({"update_id", "my_chat_member", *ANSWERED_KINDS})
IGNORED_KINDS = tuple(n for n in SPEC.types["Update"].fields or {} if n not in _NOT_IGNORED)
ALL_KINDS = (*ANSWERED_KINDS, "my_chat_member", *IGNORED_KINDS)

# Fields of Message that say something about a message rather than being its content.
MESSAGE_METADATA = frozenset(
    {
        "message_id", "message_thread_id", "direct_messages_topic", "from", "sender_chat",
        "sender_boost_count", "sender_business_bot", "sender_tag", "date", "guest_query_id",
        "business_connection_id", "chat", "forward_origin", "is_topic_message",
        "is_automatic_forward", "reply_to_message", "external_reply", "quote",
        "reply_to_story", "reply_to_checklist_task_id", "reply_to_poll_option_id", "via_bot",
        "guest_bot_caller_user", "guest_bot_caller_chat", "edit_date",
        "has_protected_content", "is_from_offline", "is_paid_post", "media_group_id",
        "author_signature", "paid_star_count", "entities", "link_preview_options",
        "suggested_post_info", "effect_id", "caption", "caption_entities",
        "show_caption_above_media", "has_media_spoiler", "reply_markup",
    }
)  # fmt: skip
MESSAGE_CONTENT = tuple(
    name for name in SPEC.types["Message"].fields or {} if name not in MESSAGE_METADATA
)
"""Every kind of content a message can carry, by the spec: text, photo, ..., web_app_data."""

GROUP_ANONYMOUS_BOT = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}  # the `from` of messages an anonymous admin sends on behalf of a group
TRICKY_TEXTS = (
    "",
    " ",
    "\u202eevil.exe\u202c",  # right-to-left override
    "שלום עולם مرحبا بالعالم",
    "a\u200bb\u200cc\u200dd\u2060e\ufeff",  # zero-width characters
    "👨\u200d👩\u200d👧\u200d👦🏳️\u200d🌈🇺🇦",  # ZWJ sequences, flags
    "e\u0301" * 40 + "Z\u0351\u0352\u0353\u0354" * 20,  # combining marks
    "\x00\x01\x1f\x7f",
    "\n\r\t\u2028\u2029",
    "/start",
    "/start ref_1",
    "/start@bot",
    "/",
    "//",
    "%s%n%x{0}",
    "<b>bold</b><script>x</script>",
    "*_[]()~`>#+-=|{}.!",
    '\\"\\\\',
    "v1|m",
    "v1|",
    "null",
    "\U0001d573\U0001d58a\U0001d591\U0001d591\U0001d594 \ufdfd \ua9c5 \U0001242b",  # look-alikes
)
_HEAVY_ALPHABET = st.sampled_from(
    "aZ09 /|_.:-😀🔥👍🏽🇷\u200d\u200b\u200e\u200f\u202a\u202e\u0301\u0336ЖжЯשׁعربي中文日本語한국어"
)


class Expect(enum.StrEnum):
    ANSWERED = "answered"  # 200, handled, and the bot called Telegram about it
    IGNORED = "ignored"  # 200, handled, and not a word to Telegram about it
    REFUSED = "refused"  # 400 and a `webhook.malformed` event


@dataclass(frozen=True, slots=True)
class Person:
    """A Telegram user as updates show them, and their private chat with the bot."""

    user: Mapping[str, Any]
    chat: Mapping[str, Any]

    @property
    def id(self) -> int:
        return int(self.user["id"])


@dataclass(frozen=True, slots=True)
class FuzzWorld:
    """What exists on Telegram's side: the users answered updates come from, the group they
    share with the bot, and messages of the bot to press buttons on."""

    talkers: Sequence[Person]  # wrote to the bot: what they send is answered
    quiet: Sequence[Person]  # appear only in updates the bot ignores (membership changes)
    group: Mapping[str, Any]  # a supergroup with the bot and the talkers (Chat JSON)
    pressable: Sequence[tuple[Person, Mapping[str, Any]]]  # a talker and a bot message to them
    button_data: Sequence[str]  # callback data of the buttons on those messages
    bot_username: str


@dataclass(frozen=True, slots=True)
class FuzzCase:
    """One request to post, and what the bot must do with it."""

    family: str  # what was drawn: "message:photo", "refused:update_id:negative", ...
    expect: Expect
    update: Any = None  # the update as JSON values
    raw: bytes | None = None  # the exact body instead, for what `update` cannot carry
    numbered: bool = True  # the poster sets `update_id` (a new one for every case)
    reply_chat: int | None = None  # answered: a Bot API call to this chat
    answers: tuple[str, str] | None = None  # answered: (parameter, query id) of the answer
    nest: int = 0  # arrays nested this deep replace NEST_MARK
    ascii_only: bool = False  # every non-ASCII character as a \\u escape
    modifiers: tuple[str, ...] = field(default=())  # what was added on top of the family

    def body(self, update_id: int) -> bytes:
        """The request body, with `update_id` when the case is numbered."""
        if self.raw is not None:
            return self.raw
        update = self.update
        if self.numbered and isinstance(update, dict):
            update = {**update, "update_id": update_id}
        text = json.dumps(update, ensure_ascii=self.ascii_only, allow_nan=False)
        if self.nest:
            marked = json.dumps(NEST_MARK, ensure_ascii=self.ascii_only)
            text = text.replace(marked, "[" * self.nest + "]" * self.nest, 1)
        return text.encode("utf-8")


# Strings


def texts() -> st.SearchStrategy[str]:
    """Short strings: any Unicode, the tricky ones above, emoji and RTL-heavy ones."""
    return st.one_of(
        st.text(max_size=24),
        st.sampled_from(TRICKY_TEXTS),
        st.text(alphabet=_HEAVY_ALPHABET, max_size=48),
    )


def huge_texts() -> st.SearchStrategy[str]:
    """Strings of thousands to 100,000 characters (a few bytes drawn, repeated)."""
    unit = st.one_of(st.text(min_size=1, max_size=6), st.sampled_from(TRICKY_TEXTS[2:]))
    return st.builds(
        lambda piece, count: (piece * count)[:HUGE_TEXT_CHARS], unit, st.integers(1_000, 50_000)
    )


def any_texts() -> st.SearchStrategy[str]:
    """Mostly short strings, one in eight huge."""
    return st.integers(0, 7).flatmap(lambda n: huge_texts() if n == 0 else texts())


def json_values(max_leaves: int = 8) -> st.SearchStrategy[Any]:
    """Any JSON value (finite numbers, integers within 64 bits)."""
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**63), 2**63 - 1),
        st.floats(allow_nan=False, allow_infinity=False),
        texts(),
    )
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(texts(), inner, max_size=3)
        ),
        max_leaves=max_leaves,
    )


def unknown_names() -> st.SearchStrategy[str]:
    """Field names no Bot API type has."""
    return texts().map(lambda name: f"x_{name}")


# Values of the spec's types


def spec_value(types: tuple[str, ...], depth: int = SPEC_DEPTH) -> st.SearchStrategy[Any]:
    """A value of one of `types` (spec type names: "Integer", "Array of PhotoSize", ...)."""
    return st.one_of(*(_one_type(name, depth) for name in types))


@cache
def _one_type(name: str, depth: int) -> st.SearchStrategy[Any]:
    if name.startswith(ARRAY):
        if depth <= 0:
            return st.just([])
        return st.lists(_one_type(name[len(ARRAY) :], depth - 1), max_size=2)
    if name == "Integer":
        return st.one_of(st.integers(0, 1_000), st.integers(-ID_LIMIT, ID_LIMIT))
    if name == "Float":
        return st.floats(allow_nan=False, allow_infinity=False)
    if name == "Boolean":
        return st.booleans()
    if name == "String":
        return texts()
    return spec_object(name, depth)


@cache
def spec_object(name: str, depth: int = SPEC_DEPTH) -> st.SearchStrategy[Any]:
    """An object of spec type `name`: its required fields, and up to three optional ones
    while `depth` lasts; an abstract type is one of its subtypes."""
    spec = SPEC.types[name]
    if spec.subtypes:
        return st.one_of(*(_one_type(sub, depth) for sub in spec.subtypes))
    fields = spec.fields or {}
    required = {n: f.types for n, f in fields.items() if f.required}
    optional = sorted(n for n, f in fields.items() if not f.required) if depth > 0 else []
    fixed = dict([spec.discriminator]) if spec.discriminator else {}

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        chosen = (
            draw(st.lists(st.sampled_from(optional), max_size=3, unique=True)) if optional else []
        )
        value = {n: draw(spec_value(types, depth - 1)) for n, types in required.items()}
        for n in chosen:
            value[n] = draw(spec_value(fields[n].types, depth - 1))
        value.update(fixed)
        return value

    return build()


# Answered updates


def _ids() -> st.SearchStrategy[int]:
    return st.integers(1, 2**31 - 1)


def _dates() -> st.SearchStrategy[int]:
    return st.integers(1_600_000_000, 2_000_000_000)


def _query_ids() -> st.SearchStrategy[str]:
    return st.integers(1, 2**62).map(lambda n: f"fz{n}")


def _commands(world: FuzzWorld) -> st.SearchStrategy[tuple[str, list[dict[str, Any]]]]:
    """A command text with its bot_command entity."""
    names = st.one_of(
        st.sampled_from(("start", "menu", "help", "language", "cancel", "reset", "balance")),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=40),
        texts(),
    )
    suffix = st.sampled_from(("", f"@{world.bot_username}", "@other_bot"))

    def command(name: str, at: str, argument: str) -> tuple[str, list[dict[str, Any]]]:
        head = f"/{name}{at}"
        text = f"{head} {argument}" if argument else head
        length = len(head.encode("utf-16-le")) // 2
        return text, [{"type": "bot_command", "offset": 0, "length": length}]

    return st.builds(command, names, suffix, st.one_of(st.just(""), any_texts()))


@st.composite
def _content(draw: st.DrawFn, world: FuzzWorld, kind: str) -> dict[str, Any]:
    """The content fields of a message of `kind`."""
    if kind == "text":
        if draw(st.booleans()):
            text, entities = draw(_commands(world))
            return {"text": text, "entities": entities}
        content: dict[str, Any] = {"text": draw(any_texts())}
        if draw(st.booleans()):
            content["entities"] = draw(spec_value(("Array of MessageEntity",), 1))
        return content
    types = (SPEC.types["Message"].fields or {})[kind].types
    content = {kind: draw(spec_value(types))}
    if kind == "successful_payment" and draw(st.booleans()):  # a Stars payment the bot credits
        content[kind].update(
            currency="XTR",
            total_amount=draw(st.integers(1, 100_000)),
            telegram_payment_charge_id=draw(_query_ids()),
        )
    if kind in ("photo", "document", "video", "audio", "voice", "animation") and draw(
        st.booleans()
    ):
        content["caption"] = draw(any_texts())
    return content


@st.composite
def _message(
    draw: st.DrawFn, world: FuzzWorld, kind: str | None = None
) -> tuple[dict[str, Any], str]:
    """A message of a talker, in their chat or (one in eight) in the group, with content of
    `kind` (any, by default); and its kind."""
    person = draw(st.sampled_from(world.talkers))
    in_group = draw(st.integers(0, 7)) == 0
    chat = world.group if in_group else person.chat
    message: dict[str, Any] = {
        "message_id": draw(_ids()),
        "date": draw(_dates()),
        "chat": dict(chat),
        "from": dict(person.user),
    }
    if in_group and draw(st.booleans()):  # an anonymous admin: the group itself writes
        message["sender_chat"] = dict(chat)
        if draw(st.integers(0, 3)) == 0:  # no sender at all (as in a channel)
            del message["from"]
        else:  # Telegram's stand-in sender
            message["from"] = dict(GROUP_ANONYMOUS_BOT)
    kind = kind or draw(st.sampled_from(MESSAGE_CONTENT))
    message.update(draw(_content(world, kind)))
    extras = sorted(MESSAGE_METADATA - {"message_id", "date", "chat", "from", "sender_chat"})
    for name in draw(st.lists(st.sampled_from(extras), max_size=2, unique=True)):
        types = (SPEC.types["Message"].fields or {})[name].types
        message[name] = draw(spec_value(types, 1))
    return message, kind


@st.composite
def _messages(draw: st.DrawFn, world: FuzzWorld, kind: str | None = None) -> FuzzCase:
    message, kind = draw(_message(world, kind))
    edited = draw(st.integers(0, 5)) == 0
    if edited:
        message["edit_date"] = draw(_dates())
    where = "edited_message" if edited else "message"
    return FuzzCase(
        f"{where}:{kind}",
        Expect.ANSWERED,
        {where: message},
        reply_chat=int(message["chat"]["id"]),
    )


def _codec_like(world: FuzzWorld) -> st.SearchStrategy[str]:
    """Data shaped as the bot's own (`v1|code|args`), codes taken from its buttons."""
    codes = sorted({data.split("|")[1] for data in world.button_data if data.count("|") >= 1})
    argument = st.from_regex(r"[A-Za-z0-9_.:\-]{1,12}", fullmatch=True)
    return st.builds(
        lambda code, args: "|".join(("v1", code, *args)),
        st.one_of(st.sampled_from(codes or ["m"]), st.from_regex(r"[a-z?]{1,3}", fullmatch=True)),
        st.lists(st.one_of(argument, st.integers(0, 10**9).map(str)), max_size=4),
    )


@st.composite
def _presses(draw: st.DrawFn, world: FuzzWorld) -> FuzzCase:
    person, bot_message = draw(st.sampled_from(world.pressable))
    query_id = draw(_query_ids())
    query: dict[str, Any] = {
        "id": query_id,
        "from": dict(person.user),
        "chat_instance": str(draw(st.integers(0, 2**60))),
    }
    on = draw(st.sampled_from(("message", "inaccessible", "inline")))
    if on == "message":
        query["message"] = dict(bot_message)
    elif on == "inaccessible":  # deleted, or too old: Telegram says so with date 0
        query["message"] = {"chat": dict(person.chat), "message_id": draw(_ids()), "date": 0}
    else:
        query["inline_message_id"] = draw(texts())
    data_kind = draw(st.sampled_from(("button", "codec", "garbage", "huge", "none")))
    if data_kind == "button":
        query["data"] = draw(st.sampled_from(world.button_data))
    elif data_kind == "codec":
        query["data"] = draw(_codec_like(world))
    elif data_kind == "garbage":
        query["data"] = draw(texts())
    elif data_kind == "huge":
        query["data"] = draw(huge_texts())
    elif draw(st.booleans()):
        query["game_short_name"] = draw(texts())
    return FuzzCase(
        f"callback_query:{on}:{data_kind}",
        Expect.ANSWERED,
        {"callback_query": query},
        reply_chat=person.id if on != "inline" else None,
        answers=("callback_query_id", query_id),
    )


@st.composite
def _pre_checkouts(draw: st.DrawFn, world: FuzzWorld) -> FuzzCase:
    person = draw(st.sampled_from(world.talkers))
    query_id = draw(_query_ids())
    query = draw(spec_object("PreCheckoutQuery", 1))
    query.update(
        id=query_id,
        currency=draw(st.one_of(st.just("XTR"), st.sampled_from(("RUB", "USD")), texts())),
        total_amount=draw(st.one_of(st.integers(1, 100_000), st.integers(-ID_LIMIT, ID_LIMIT))),
        invoice_payload=draw(st.one_of(texts(), huge_texts(), _codec_like(world))),
    )
    query["from"] = dict(person.user)
    return FuzzCase(
        "pre_checkout_query",
        Expect.ANSWERED,
        {"pre_checkout_query": query},
        answers=("pre_checkout_query_id", query_id),
    )


# Ignored updates


@st.composite
def _membership(draw: st.DrawFn, world: FuzzWorld) -> FuzzCase:
    person = draw(st.sampled_from(world.quiet))
    change = draw(spec_object("ChatMemberUpdated", 2))
    change.update(chat=dict(person.chat), **{"from": dict(person.user)})
    status = change["new_chat_member"].get("status", "?")
    return FuzzCase(f"my_chat_member:{status}", Expect.IGNORED, {"my_chat_member": change})


@st.composite
def _other_kinds(draw: st.DrawFn) -> FuzzCase:
    kind = draw(st.sampled_from(IGNORED_KINDS))
    type_name = (SPEC.types["Update"].fields or {})[kind].types[0]
    return FuzzCase(kind, Expect.IGNORED, {kind: draw(spec_object(type_name))})


@st.composite
def _unknown_kinds(draw: st.DrawFn) -> FuzzCase:
    if draw(st.booleans()):
        return FuzzCase("only_update_id", Expect.IGNORED, {})
    return FuzzCase("unknown_kind", Expect.IGNORED, {draw(unknown_names()): draw(json_values())})


# What does not change the outcome


UNREAD_FIELDS = {  # fields the bot does not read, by where they are in an update
    "message": (("date",), ("entities",), ("chat", "type"), ("from", "is_bot"), ("edit_date",)),
    "callback_query": (("chat_instance",), ("from", "is_bot"), ("game_short_name",)),
    "pre_checkout_query": (("from", "is_bot"), ("shipping_option_id",), ("order_info",)),
    "my_chat_member": (("date",), ("old_chat_member",), ("from", "is_premium")),
}
UNREAD_FIELDS["edited_message"] = UNREAD_FIELDS["message"]


def _sprinkle(draw: st.DrawFn, value: Any, depth: int = 0) -> Any:
    """`value` with unknown fields added to some of its objects."""
    if isinstance(value, dict):
        copy = {k: _sprinkle(draw, v, depth + 1) for k, v in value.items()}
        if depth < 4 and draw(st.integers(0, 3)) == 0:
            copy[draw(unknown_names())] = draw(json_values(4))
        return copy
    if isinstance(value, list):
        return [_sprinkle(draw, item, depth + 1) for item in value]
    return value


def _wrong_json(spec_type: str) -> st.SearchStrategy[Any]:
    """A JSON value that is not of `spec_type` ("Integer", "String", "object", "list")."""
    floats = st.floats(allow_nan=False, allow_infinity=False)
    lists = st.lists(json_values(3), max_size=3)
    objects = st.dictionaries(texts(), json_values(3), max_size=2)
    out_of_range = st.one_of(st.integers(2**63, 2**80), st.integers(-(2**80), -(2**63) - 1))
    others = {
        "Integer": (floats, texts(), lists, objects, out_of_range),
        "String": (st.integers(), floats, lists, objects),
        "object": (st.integers(), floats, texts(), lists),
        "list": (st.integers(), texts(), objects),
    }[spec_type]
    return st.one_of(st.none(), st.booleans(), *others)


@st.composite
def _modified(draw: st.DrawFn, base: st.SearchStrategy[FuzzCase]) -> FuzzCase:
    """A well-formed case, maybe with unknown fields, a wrong type where the bot does not
    read, a deep array under an unknown field, or ASCII escapes: the same outcome."""
    case = draw(base)
    update: dict[str, Any] = dict(case.update)
    added: list[str] = []
    kind = next(iter(update), None)
    if draw(st.integers(0, 3)) == 0:
        update = _sprinkle(draw, update)
        added.append("unknown_fields")
    if kind in UNREAD_FIELDS and draw(st.integers(0, 5)) == 0:
        path = draw(st.sampled_from(UNREAD_FIELDS[kind]))
        if _set(
            update, (kind, *path), draw(st.one_of(texts(), st.integers(), st.lists(st.none())))
        ):
            added.append("unread_field_wrong:" + ".".join(path))
    nest = 0
    if kind is not None and isinstance(update.get(kind), dict) and draw(st.integers(0, 15)) == 0:
        update[kind] = {**update[kind], "x_deep": NEST_MARK}
        nest = draw(st.integers(2, 900))
        added.append("deep_unknown_field")
    ascii_only = draw(st.booleans())
    return FuzzCase(
        case.family,
        case.expect,
        update,
        reply_chat=case.reply_chat,
        answers=case.answers,
        nest=nest,
        ascii_only=ascii_only,
        modifiers=tuple(added),
    )


def _set(value: dict[str, Any], path: tuple[str, ...], new: Any) -> bool:
    """Set `path` in nested dicts (copying them on the way); False when a parent is absent."""
    *parents, last = path
    node = value
    for name in parents:
        child = node.get(name)
        if not isinstance(child, dict):
            return False
        node[name] = child = dict(child)
        node = child
    node[last] = new
    return True


def _drop(value: dict[str, Any], path: tuple[str, ...]) -> bool:
    """Remove `path` from nested dicts (copying them on the way); False when it is absent."""
    *parents, last = path
    node = value
    for name in parents:
        child = node.get(name)
        if not isinstance(child, dict):
            return False
        node[name] = child = dict(child)
        node = child
    return node.pop(last, _ABSENT) is not _ABSENT


_ABSENT = object()


# Refused requests

# The fields the bot reads in each kind it reads: (path, spec type, required).
_USER = (
    (("id",), "Integer", True),
    (("first_name",), "String", True),
    (("last_name",), "String", False),
    (("username",), "String", False),
    (("language_code",), "String", False),
)
_MESSAGE_READ = (
    (("message_id",), "Integer", True),
    (("chat",), "object", True),
    (("chat", "id"), "Integer", True),
    (("from",), "object", False),
    *((("from", *path), kind, required) for path, kind, required in _USER),
    (("text",), "String", False),
    (("caption",), "String", False),
    (("photo",), "list", False),
    *(
        ((name,), "object", False)
        for name in ("document", "video", "audio", "voice", "animation", "video_note", "sticker")
    ),
    (("successful_payment",), "object", False),
    (("refunded_payment",), "object", False),
)
READ_FIELDS: dict[str, tuple[tuple[tuple[str, ...], str, bool], ...]] = {
    "message": _MESSAGE_READ,
    "edited_message": _MESSAGE_READ,
    "callback_query": (
        (("id",), "String", True),
        (("from",), "object", True),
        *((("from", *path), kind, required) for path, kind, required in _USER),
        (("data",), "String", False),
        (("message",), "object", False),
        (("message", "message_id"), "Integer", True),
        (("message", "chat"), "object", True),
        (("message", "chat", "id"), "Integer", True),
    ),
    "pre_checkout_query": (
        (("id",), "String", True),
        (("from",), "object", True),
        (("from", "id"), "Integer", True),
        (("currency",), "String", True),
        (("total_amount",), "Integer", True),
        (("invoice_payload",), "String", True),
    ),
    "my_chat_member": (
        (("chat",), "object", True),
        (("chat", "id"), "Integer", True),
        (("from",), "object", True),
        (("from", "id"), "Integer", True),
        (("new_chat_member",), "object", True),
    ),
}


@st.composite
def _read_field_broken(draw: st.DrawFn, world: FuzzWorld) -> FuzzCase:
    """A well-formed update with one field the bot reads of the wrong type, or missing."""
    base = draw(
        st.one_of(_messages(world), _presses(world), _pre_checkouts(world), _membership(world))
    )
    update = dict(base.update)
    kind = next(iter(update))
    fields = READ_FIELDS[kind]
    for _ in range(len(fields)):
        path, spec_type, required = draw(st.sampled_from(fields))
        if spec_type == "list" and draw(st.booleans()):
            broken: Any = [draw(_wrong_json("object"))]
            if _set(update, (kind, *path), broken):
                return FuzzCase(f"refused:{kind}.{'.'.join(path)}:item", Expect.REFUSED, update)
        elif required and draw(st.integers(0, 3)) == 0:
            if _drop(update, (kind, *path)):
                return FuzzCase(f"refused:{kind}.{'.'.join(path)}:missing", Expect.REFUSED, update)
        elif _set(update, (kind, *path), draw(_wrong_json(spec_type))):
            return FuzzCase(f"refused:{kind}.{'.'.join(path)}:type", Expect.REFUSED, update)
    update[kind] = draw(_wrong_json("object"))  # nothing applied: the kind itself, then
    return FuzzCase(f"refused:{kind}:type", Expect.REFUSED, update)


@st.composite
def _kind_not_object(draw: st.DrawFn) -> FuzzCase:
    kind = draw(st.sampled_from(ALL_KINDS))
    return FuzzCase("refused:kind_not_object", Expect.REFUSED, {kind: draw(_wrong_json("object"))})


@st.composite
def _two_kinds(draw: st.DrawFn, world: FuzzWorld) -> FuzzCase:
    base = draw(st.one_of(_messages(world), _presses(world), _other_kinds()))
    first = next(iter(base.update))
    second = draw(st.sampled_from([kind for kind in ALL_KINDS if kind != first]))
    type_name = (SPEC.types["Update"].fields or {})[second].types[0]
    update = {**base.update, second: draw(spec_object(type_name, 1))}
    return FuzzCase("refused:two_kinds", Expect.REFUSED, update)


@st.composite
def _bad_update_ids(draw: st.DrawFn, world: FuzzWorld) -> FuzzCase:
    base = draw(st.one_of(_messages(world), _other_kinds()))
    update = dict(base.update)
    how = draw(st.sampled_from(("missing", "string", "float", "bool", "null", "negative", "huge")))
    values: dict[str, st.SearchStrategy[Any]] = {
        "string": st.one_of(st.integers(0, 10**9).map(str), texts()),
        "float": st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.just(1.0)),
        "bool": st.booleans(),
        "null": st.none(),
        "negative": st.integers(-(2**63), -1),
        "huge": st.one_of(st.integers(2**63, 2**64), st.integers(2**64, 10**40)),
    }
    if how != "missing":
        update = {"update_id": draw(values[how]), **update}
    return FuzzCase(f"refused:update_id:{how}", Expect.REFUSED, update, numbered=False)


def _parses(body: bytes) -> bool:
    try:
        json.loads(body, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return False
    return True


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


@st.composite
def _not_json(draw: st.DrawFn, world: FuzzWorld) -> FuzzCase:
    how = draw(
        st.sampled_from(
            ("bytes", "truncated", "invalid_utf8", "lone_surrogate", "nan", "too_deep", "empty")
        )
    )
    body: bytes
    if how == "bytes":
        body = draw(st.binary(min_size=1, max_size=64).filter(lambda b: not _parses(b)))
    elif how == "truncated":
        whole = draw(_messages(world)).body(1)
        body = whole[: draw(st.integers(0, len(whole) - 1))]
        body = body if not _parses(body) else body + b"{"
    elif how == "invalid_utf8":
        body = b'{"update_id": 1, "message": {"text": "' + draw(_invalid_utf8()) + b'"}}'
    elif how == "lone_surrogate":
        escape = draw(st.sampled_from((r"\ud800", r"\udfff", r"\ud83d x", r"\ude00\ud83d")))
        body = ('{"update_id": 1, "message": {"text": "' + escape + '"}}').encode()
    elif how == "nan":
        body = draw(st.sampled_from((b'{"update_id": NaN}', b'{"update_id": 1, "x": Infinity}')))
    elif how == "too_deep":
        depth = draw(st.integers(1_100, TOO_DEEP))
        body = b'{"update_id": 1, "x_deep": ' + b"[" * depth + b"]" * depth + b"}"
    else:
        body = b""
    return FuzzCase(f"refused:not_json:{how}", Expect.REFUSED, raw=body)


def _invalid_utf8() -> st.SearchStrategy[bytes]:
    return st.sampled_from(
        (b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80")
    )


@st.composite
def _not_objects(draw: st.DrawFn) -> FuzzCase:
    value = draw(json_values().filter(lambda v: not isinstance(v, dict)))
    return FuzzCase("refused:not_an_object", Expect.REFUSED, value, numbered=False)


@st.composite
def _deep_in_read_field(draw: st.DrawFn, world: FuzzWorld) -> FuzzCase:
    """Arrays nested hundreds deep where the bot reads a string: the wrong type."""
    base = draw(_messages(world))
    update = dict(base.update)
    kind = next(iter(update))
    update[kind] = {**update[kind], "text": NEST_MARK}
    return FuzzCase(
        f"refused:{kind}.text:deep", Expect.REFUSED, update, nest=draw(st.integers(2, 900))
    )


# All of it


def fuzz_cases(world: FuzzWorld) -> st.SearchStrategy[FuzzCase]:
    """One case of any family, by weight: about 55 % answered, 14 % ignored, 31 % refused."""
    families: list[tuple[int, st.SearchStrategy[FuzzCase]]] = [
        (30, _modified(_messages(world))),
        (15, _modified(_presses(world))),
        (8, _modified(_pre_checkouts(world))),
        (3, _modified(_messages(world, "successful_payment"))),
        (2, _modified(_messages(world, "refunded_payment"))),
        (4, _modified(_membership(world))),
        (9, _modified(_other_kinds())),
        (2, _unknown_kinds()),
        (10, _read_field_broken(world)),
        (4, _bad_update_ids(world)),
        (6, _not_json(world)),
        (3, _not_objects()),
        (3, _kind_not_object()),
        (3, _two_kinds(world)),
        (3, _deep_in_read_field(world)),
    ]
    weighted = [strategy for weight, strategy in families for _ in range(weight)]
    return st.sampled_from(weighted).flatmap(_itself)


def _itself(strategy: st.SearchStrategy[FuzzCase]) -> st.SearchStrategy[FuzzCase]:
    return strategy


__all__ = [
    "ANSWERED_KINDS",
    "IGNORED_KINDS",
    "MESSAGE_CONTENT",
    "Expect",
    "FuzzCase",
    "FuzzWorld",
    "Person",
    "fuzz_cases",
    "huge_texts",
    "json_values",
    "spec_object",
    "spec_value",
    "texts",
]

"""Bounded mailboxes with explicit overflow policies, and request/reply with a deadline."""

from ._errors import (
    ActorFailed,
    ActorStopped,
    AskTimeout,
    MailboxClosed,
    MailboxError,
    MailboxFull,
)
from ._mailbox import Mailbox, MailboxStats, Overflow, ask
from ._reply import Ask, Reply, Request

__all__ = [
    "ActorFailed",
    "ActorStopped",
    "Ask",
    "AskTimeout",
    "Mailbox",
    "MailboxClosed",
    "MailboxError",
    "MailboxFull",
    "MailboxStats",
    "Overflow",
    "Reply",
    "Request",
    "ask",
]

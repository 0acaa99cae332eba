"""`trt top`: the live supervision tree of a running service, from its ops feed."""

from __future__ import annotations

import argparse
import json
import sys
from collections import deque
from typing import Any
from urllib.parse import quote

import trio
from trio_websocket import ConnectionClosed, HandshakeError, open_websocket_url

from trt_actors.settings import Settings

CONNECT_DEADLINE = 5.0
RECENT_EVENTS = 12


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    top = commands.add_parser("top", help="show the live supervision tree of a running service")
    top.add_argument("--once", action="store_true", help="print the tree once and exit")
    top.add_argument("--url", help="the feed URL (default: from OPS_HOST, OPS_PORT, OPS_TOKEN)")
    top.set_defaults(func=top_command, needs_bot=False)


def feed_url(settings: Settings) -> str:
    host = "127.0.0.1" if settings.ops_host in ("0.0.0.0", "::") else settings.ops_host
    token = settings.ops_token.get_secret_value() if settings.ops_token else None
    query = f"?token={quote(token)}" if token else ""
    return f"ws://{host}:{settings.ops_port}/feed{query}"


def top_command(args: argparse.Namespace, settings: Settings) -> int:
    url = args.url or feed_url(settings)
    try:
        trio.run(watch, url, args.once)
    except BrokenPipeError:
        raise  # our reader left (`trt top | head`): not the feed's fault, `main` ends quietly
    except (OSError, HandshakeError, ConnectionClosed, trio.TooSlowError) as exc:
        print(f"trt top: cannot read the ops feed at {url.split('?')[0]}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


async def watch(url: str, once: bool) -> None:
    events: deque[str] = deque(maxlen=RECENT_EVENTS)
    async with open_websocket_url(
        url, connect_timeout=CONNECT_DEADLINE, disconnect_timeout=CONNECT_DEADLINE
    ) as ws:
        while True:
            message = json.loads(await ws.get_message())
            if message.get("type") == "event":
                events.append(format_event(message))
                continue
            if once:
                print(format_tree(message))
                return
            print("\x1b[2J\x1b[H" + format_tree(message))
            print("\nrecent events:\n" + "\n".join(events))


def format_tree(snapshot: dict[str, Any]) -> str:
    lines = [format_load(tenant, figures) for tenant, figures in snapshot.get("load", {}).items()]
    lines.append(f"{snapshot.get('root', 'root')}")
    _rows(snapshot.get("tree", []), "", lines)
    return "\n".join(lines)


def format_load(tenant: str, figures: dict[str, Any]) -> str:
    """One line of what waits for a tenant: its backlog, the outbound queue, the drain."""
    queued = figures.get("outbound_queued", {})
    state = [name for name in ("backpressure", "shedding") if figures.get(name)] or ["flowing"]
    return (
        f"{tenant}: backlog {figures.get('inbox_backlog', 0)}/{figures.get('limit', 0)}"
        f" ({figures.get('waiting', 0)} waiting, {figures.get('in_sessions', 0)} in sessions)"
        f" · outbound {queued.get('reply', 0) + queued.get('normal', 0)} replies,"
        f" {queued.get('bulk', 0)} bulk, {queued.get('unmetered', 0)} answers"
        f" · drains in {figures.get('drain_seconds', 0):.0f}s · {', '.join(state)}"
        f" · refused {figures.get('refused', 0)}"
        f" · partitions {figures.get('partitions', 0)}"
    )


def _rows(rows: list[dict[str, Any]], indent: str, lines: list[str]) -> None:
    for i, row in enumerate(rows):
        last = i == len(rows) - 1
        mailbox = row.get("mailbox")
        box = f" mailbox {mailbox['depth']} (max {mailbox['high_water']})" if mailbox else ""
        age = f" up {row['age']:.0f}s" if "age" in row else ""
        lines.append(
            f"{indent}{'└── ' if last else '├── '}{row['id']:<22} {row['state']:<9}"
            f" restarts {row['restarts']}{age}{box}"
        )
        _rows(row.get("children", []), indent + ("    " if last else "│   "), lines)


def format_event(event: dict[str, Any]) -> str:
    error = f" {event['error_type']}: {event.get('error', '')}" if "error_type" in event else ""
    where = f"{event.get('supervisor', '')}/{event.get('child', '')}"
    return f"{event.get('kind', '?'):<10} {where}{error}"

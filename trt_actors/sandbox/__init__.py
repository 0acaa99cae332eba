"""`trt sandbox`: the whole service, the emulators and a web chat page, in one process.

    trt sandbox                      # opens http://127.0.0.1:8088/ in the browser
    trt sandbox --no-browser --port 0 --data-dir ./sandbox-data

The page (`static/`: plain HTML, CSS and JavaScript, no build step) lets a person talk to the
bot as one of a few emulated Telegram users or as the admin: texts and commands, inline
buttons, photos and files both ways, Stars invoices, edits applied in place. Actions go to
`/api/...` on the page's server (`_api.py`); the bot's messages come back over a websocket
(`_chat_feed.py`) as the Telegram emulator records them. See docs/sandbox.md.
"""

from trt_actors.sandbox._people import PEOPLE, People, Person
from trt_actors.sandbox._run import SandboxOptions, run_sandbox

__all__ = ["PEOPLE", "People", "Person", "SandboxOptions", "run_sandbox"]

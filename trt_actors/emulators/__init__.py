"""Emulators of the external services the bot talks to (Telegram's Bot API, later KIE).

Each emulator is a loopback HTTP server on `trt_actors.web`, with a control interface in
Python and over HTTP, used by tests, benchmarks and the browser sandbox.
"""

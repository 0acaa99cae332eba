"""Fixtures shared by the whole suite.

Deadline tests take pytest-trio's `autojump_clock` fixture as an argument (it must be a
parameter of the test: pytest-trio picks the clock from the test's arguments). It is trio's
MockClock with autojump_threshold=0: time jumps to the next deadline as soon as every task is
blocked, so deadline logic runs in milliseconds and is deterministic. Tests that take it must
not touch real I/O (threads, sockets), because the clock jumps while a task waits on them.
"""

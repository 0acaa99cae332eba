"""`python -m trt_actors` is the `trt` command."""

from trt_actors.cli import entry

entry()

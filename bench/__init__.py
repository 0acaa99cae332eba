"""The side-by-side benchmark's own pieces (issue 20; docs/benchmarks.md): a fast stand-in for
the Bot API (`bench.sink`) and the peer bots it is measured against, written the way each
framework's documentation shows (`bench.ptb_bot`, `bench.aiogram_bot`). Run by
`scripts/bench_peers.py`; not part of the `trt_actors` package, and nothing here is imported
by it. The peers come from the package index: `pip install -e .[bench]`.
"""

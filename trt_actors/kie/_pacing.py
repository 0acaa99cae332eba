"""Pacing of KIE calls: new tasks to the account's limit, status polls per instance.

KIE accepts "up to 20 new generation requests per 10 seconds" per account and drops (does
not queue) the ones over it; it allows 10 status queries per second per key. A token
bucket of burst B and rate r lets through at most B + r·T calls in any window of T
seconds, so the submit bucket (B = 9, r = 0.9/s) admits at most 18 per 10 s window: under
the limit with a margin for clock skew between KIE and us. It is a coordination
`SharedBuckets`, shared by every instance while Redis is up.
"""

from __future__ import annotations

from trt_actors.coordination import Coordination, SharedBuckets

#: KIE's account limit: this many new tasks…
KIE_SUBMIT_LIMIT = 20
#: …per this many seconds.
KIE_SUBMIT_WINDOW = 10.0
#: Submit bucket: burst and refill rate (per second); B + r·10 = 18 ≤ 20.
SUBMIT_BURST = 9
SUBMIT_RATE = 0.9
#: Name of the shared submit bucket in the coordination layer.
SUBMIT_BUCKET_NAME = "kie:submit"
#: Status polling per instance: at most POLL_BURST + POLL_RATE·1 = 8 per second (< 10).
POLL_BURST = 4
POLL_RATE = 4.0
POLL_BUCKET_NAME = "kie:poll"


def submit_bucket(coordination: Coordination) -> SharedBuckets:
    """The bucket every createTask (and dedicated-API submit) takes a token from.

    Pass the service's `Coordination` so that all instances share it.
    """
    return SharedBuckets(coordination, SUBMIT_BUCKET_NAME, rate=SUBMIT_RATE, burst=SUBMIT_BURST)


def local_poll_bucket() -> SharedBuckets:
    """A bucket private to this process for status polls (on an in-process backend)."""
    return SharedBuckets(Coordination(), POLL_BUCKET_NAME, rate=POLL_RATE, burst=POLL_BURST)

"""What the operator of a deployment uses: `trt doctor`'s checks (`doctor`: can this
deployment serve, and if not, what to fix) and the ops feed (`feed`: the live supervision tree
and its events over a websocket, which `trt top` shows).

Not `operations` (what the domain's operations do, performed for the sessions), nor
`observability` (the logs, events and metrics every part emits).
"""

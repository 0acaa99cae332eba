"""Start functions of the tree's service nodes (store, coordination, http, tenant parts).

Each is a child start function: it opens its resource, reports the handle with
`task_status.started(handle)`, serves until stopped, and closes what it opened. The tree that
wires them together is `trt_actors/app/tree.py`.
"""

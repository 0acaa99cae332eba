"""The composition root: the supervision tree of the whole service and its wiring.

`tree.py` builds the tree from the settings — the store, coordination, the instance, the HTTP
server and every tenant's subtree (intake, dispatcher, sessions, outbound, jobs, ...) — and
gives each part what it needs (services, clients, the doctor's checks). It is the only module
that knows every part; the runtime (`mailboxes`, `supervisors`, the actor base) imports
nothing of the application, and the parts import each other only down the layers
(docs/runtime.md, "Layers"; the contracts in pyproject.toml, checked by `lint-imports`).
"""

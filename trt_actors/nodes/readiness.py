"""What `/readyz` answers, from what is running in the tree."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trt_actors.supervisors import Supervisor

from .tenant_node import TenantNode

SERVICE_PARTS = ("store", "coordination", "http", "ops")


def service_readiness(
    root: Supervisor, tenant_ids: list[str], nodes: Mapping[str, TenantNode]
) -> dict[str, Any]:
    """Ready when store, coordination, http and ops run, and every tenant's intake is open.

    A parked tenant (nodes/tenant_node.py) does not make the service unready while another
    tenant serves: the instance stays in rotation for them. It is listed under
    `tenant_failures` with its state, reason, since when and the next check."""
    parts = {name: root.child(name) is not None for name in SERVICE_PARTS}
    nodes_running = root.child("tenants")  # the one_for_one supervisor of the tenants' nodes
    tenants, failures = {}, {}
    for tenant_id in tenant_ids:
        subtree = (
            nodes_running.child(f"tenant:{tenant_id}")
            if isinstance(nodes_running, Supervisor)
            else None
        )
        serving = isinstance(subtree, TenantNode) and subtree.child("intake") is not None
        tenants[tenant_id] = serving
        node = nodes.get(tenant_id)
        if node is not None and node.health.state == "parked":
            failures[tenant_id] = node.health.as_dict()
    ready = (
        all(parts.values())
        and all(up or tenant_id in failures for tenant_id, up in tenants.items())
        and len(failures) < len(tenants)
    )
    return {"ready": ready, "components": parts, "tenants": tenants, "tenant_failures": failures}

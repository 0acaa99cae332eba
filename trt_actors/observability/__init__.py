"""Logs, lifecycle events and (later) metrics: what operators read to see the service work."""

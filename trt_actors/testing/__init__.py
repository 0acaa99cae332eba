"""Helpers for tests and benchmarks that need real services (plain code, no pytest)."""

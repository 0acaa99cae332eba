"""The service's HTTP routes: webhook intake per tenant, health and readiness."""

"""A bot's configuration and terms, in one place.

- `config`: who a bot is — its token, mode, webhook and admins — from the environment or a
  `TRT_TENANTS` file (`TenantConfig`, `load_tenants`, `configured_tenants`);
- `live_terms`: its business terms as they are now — the configured ones with the overrides an
  admin set, kept current from storage (`TenantTerms`, `keep_terms_current`);
- `session_terms`: what a session reads of them at each update (`TermsSource`, `FixedTerms`).

The terms' data type and the rules of each term are pure and live in the domain
(`domain.tenant_settings.TenantSettings`, `domain.tenant_terms.TERMS`).
"""

from trt_actors.tenants.config import TenantConfig, configured_tenants, load_tenants
from trt_actors.tenants.live_terms import TenantTerms, keep_terms_current
from trt_actors.tenants.session_terms import FixedTerms, TermsSource

__all__ = [
    "FixedTerms",
    "TenantConfig",
    "TenantTerms",
    "TermsSource",
    "configured_tenants",
    "keep_terms_current",
    "load_tenants",
]

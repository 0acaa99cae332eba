"""The admin panel, from Telegram: stats with a chart, users (find, balance, block, make
admin), broadcasts, CSV exports and the audit log — for the tenant's admins only.

Declared as one area in `domain.areas.admin`; every code starts with ``a``.
"""

"""Every write of the payments app: keyword-only, typed, atomic, audited in the case's trail."""

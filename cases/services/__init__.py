"""Every write of the cases app: keyword-only, typed, atomic, audited."""

from cases.errors import ServiceError
from cases.lifecycle import TransitionError

__all__ = ["ServiceError", "TransitionError"]

"""Every write of the cases app: keyword-only, typed, atomic, audited."""

from cases.lifecycle import TransitionError


class ServiceError(Exception):
    """A request that breaks a business rule; ``message`` is safe to show to the user."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


__all__ = ["ServiceError", "TransitionError"]

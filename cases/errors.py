"""The one error a refused request raises, from services, selectors and the lifecycle alike."""


class ServiceError(Exception):
    """A request that breaks a business rule; ``message`` is safe to show to the user."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

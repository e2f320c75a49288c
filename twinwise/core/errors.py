"""Errors that carry a message fit for the person who caused them."""


class UserFacingError(Exception):
    """Bad input: the message names what is wrong; callers turn it into 4xx or exit 2."""

    def __init__(self, message: str, *, field: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.line = line

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field:
            where.append(f"field {self.field}")
        return f"{', '.join(where)}: {self.message}" if where else self.message

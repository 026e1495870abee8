"""Base class for the coded domain errors raised by the scheduling rules."""

from typing import Any


class SchedulingError(Exception):
    """A rule violation identified by a stable machine-readable ``code``.

    Views and the API translate ``code`` into a message or a JSON error; ``details``
    carries the values needed for that message (e.g. the earliest bookable start).
    """

    code: str
    details: dict[str, Any]

    def __init__(self, code: str, **details: Any) -> None:
        super().__init__(code)
        self.code = code
        self.details = dict(details)

    def __repr__(self) -> str:
        extra = "".join(f", {key}={value!r}" for key, value in self.details.items())
        return f"{type(self).__name__}({self.code!r}{extra})"

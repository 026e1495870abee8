"""Domain errors: services raise these with a code; views and the API translate the code."""

from __future__ import annotations


class DomainError(Exception):
    """A rule was broken. `code` is stable (API contract); `field` names the form field."""

    code = "invalid"
    status = 422
    field: str | None = None

    def __init__(self, code: str | None = None, *, field: str | None = None, **details):
        super().__init__(code or self.code)
        if code:
            self.code = code
        if field:
            self.field = field
        self.details = details


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    code = "conflict"
    status = 409


class Forbidden(DomainError):
    code = "forbidden"
    status = 403

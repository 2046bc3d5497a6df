"""Typed errors the services raise; every caller (UI, CLI) shows ``message`` as it is."""

from __future__ import annotations


class CrmError(Exception):
    """Base of every error a user may see.

    Attributes:
        code: a stable machine-readable code, e.g. ``"uscc.check_digit"``.
        message: a plain Chinese sentence for the user.
        field: the input field the error belongs to, when there is one.
    """

    code = "error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field

    def __str__(self) -> str:
        return self.message


class ValidationError(CrmError):
    code = "invalid"


class NotFoundError(CrmError):
    code = "not_found"


class PermissionDenied(CrmError):
    code = "permission"


class ConflictError(CrmError):
    """Another user changed the record since it was read."""

    code = "conflict"


class SchemaError(CrmError):
    """The database cannot be used by this version (e.g. it is newer)."""

    code = "schema"

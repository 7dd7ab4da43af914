"""Errors raised by the local stack; every one derives from `LocalStackError`."""

from __future__ import annotations


class LocalStackError(Exception):
    """Root of every error the local stack raises."""


class TemplateError(LocalStackError):
    """The SAM template is missing something the local stack needs, or is malformed."""


class UnresolvedIntrinsicError(LocalStackError):
    """An intrinsic function or reference could not be resolved locally."""


class ParameterError(LocalStackError):
    """A template parameter has no value, or a value its constraints reject."""


class EnvironmentConflictError(LocalStackError):
    """Two functions resolve the same environment variable to different values."""


class HandlerImportError(LocalStackError):
    """A function's handler module could not be imported, or resolved to the wrong file."""


class FunctionResponseError(LocalStackError):
    """A handler returned something Lambda could not serialise as JSON."""

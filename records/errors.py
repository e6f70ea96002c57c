"""The root of MaxCode's exception tree.

It lives in the lowest layer because every layer raises these; `maxcode.errors` adds the
loop's own errors beneath the same root.

    MaxCodeError
    ├── UserError            the user can fix it; the CLI prints `cause` and `fix`, no traceback
    │   ├── TaskError        a task, test directory or candidate file is missing or malformed
    │   ├── BackendUnavailable   the chosen sandbox backend cannot run here
    │   └── ConfigError      a configuration value is invalid
    └── InternalError        a bug or an unexpected state of MaxCode itself
"""

from __future__ import annotations


class MaxCodeError(Exception):
    """Base of every error MaxCode raises on purpose."""


class UserError(MaxCodeError):
    """An error the user caused and can fix; carries the cause and the fix."""

    def __init__(self, cause: str, fix: str = "") -> None:
        self.cause = cause
        self.fix = fix
        super().__init__(f"{cause} ({fix})" if fix else cause)


class TaskError(UserError):
    """A task file, test directory or candidate is missing or malformed."""


class BackendUnavailable(UserError):
    """The requested sandbox backend cannot run on this machine."""


class ConfigError(UserError):
    """A configuration value is invalid."""


class InternalError(MaxCodeError):
    """MaxCode reached a state it should not; report it as a bug."""

"""MaxCode's exception tree (root in `maxcode.records.errors`, the lowest layer that raises).

    MaxCodeError
    ├── UserError                  printed by the CLI as one line with its fix
    │   ├── TaskError              bad task path, malformed task file, no test cases
    │   ├── BackendUnavailable     docker engine absent, image missing
    │   ├── ConfigError            invalid configuration value
    │   ├── ProposerUnavailable    no LLM configured, endpoint unreachable
    │   └── BudgetExhausted        a hard budget cap was reached
    └── InternalError
"""

from __future__ import annotations

from maxcode.records.errors import (
    BackendUnavailable,
    ConfigError,
    InternalError,
    MaxCodeError,
    TaskError,
    UserError,
)


class ProposerUnavailable(UserError):
    """No LLM is configured, or the configured one cannot be reached."""


class BudgetExhausted(UserError):
    """A hard budget cap stopped the search."""


__all__ = [
    "BackendUnavailable",
    "BudgetExhausted",
    "ConfigError",
    "InternalError",
    "MaxCodeError",
    "ProposerUnavailable",
    "TaskError",
    "UserError",
]

"""Refusals as data: a code and its parameters, never a sentence.

The services below ``bot/`` do not know how to say things to people. They raise a
:class:`ServiceError` subclass whose ``code`` names the refusal (``"closed"``, ``"ext_cap"`` …) and
whose ``params`` carry the values the message needs; ``bot.texts.errors.error_text`` turns it into
the Chinese text kept in ``bot/texts/`` for the office to review. ``str(error)`` is for logs only.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A refusal the person acting must read (see the module docstring)."""

    def __init__(self, code: str, /, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        if not self.params:
            return self.code
        return f"{self.code} ({', '.join(f'{k}={v}' for k, v in self.params.items())})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, **{self.params!r})"

"""Asserting a service's refusal by what the person acting reads (``bot.texts.errors.error_text``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bot.texts.errors import error_text


@contextmanager
def refused(error: type[Exception], match: str) -> Iterator[pytest.ExceptionInfo]:
    """Like ``pytest.raises(error, match=…)``, matching the refusal's Chinese text, not its code."""
    with pytest.raises(error) as info:
        yield info
    text = error_text(info.value)
    assert re.search(match, text), f"{match!r} not in {text!r}"

"""What the benchmarks share."""

from __future__ import annotations

import os


def pin_one_core() -> None:
    """Benchmarks measure on one core (the other is left to the rest of the machine)."""
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    except (AttributeError, OSError):
        pass

"""What every benchmark of DESIGN §7 shares: a measured line and how it is timed."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Result:
    what: str
    ms: float
    budget_ms: float
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.ms / self.budget_ms


def timed(fn: Callable[[], object], runs: int = 9) -> float:
    fn()  # warm the caches, as a user's second look does
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)

"""Fault injection and request counters (emulator-only; no Nextcloud behaviour here)."""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class FaultConfig:
    """What share of requests fails, and how.

    ``rate`` of the requests (0..1) fail: a ``timeout_share`` of those sleep ``latency``
    seconds before being served (long enough to trip a client timeout), the others answer
    one of ``statuses`` at once. ``extra_latency`` is added to every request.
    """

    rate: float = 0.0
    latency: float = 5.0
    statuses: tuple[int, ...] = (500, 502, 503)
    timeout_share: float = 0.25
    extra_latency: float = 0.0
    seed: int | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("fault rate must be between 0 and 1")
        if not 0.0 <= self.timeout_share <= 1.0:
            raise ValueError("timeout share must be between 0 and 1")
        if self.latency < 0 or self.extra_latency < 0:
            raise ValueError("latencies must not be negative")


@dataclass(frozen=True)
class Fault:
    status: int | None
    delay: float


class FaultInjector:
    """Decides, request by request, whether to inject a fault (thread-safe, seedable)."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self.config = config or FaultConfig()
        self._random = random.Random(self.config.seed)
        self.injected: Counter[str] = Counter()

    def configure(self, **changes: Any) -> FaultConfig:
        with self._lock:
            if "statuses" in changes:
                changes["statuses"] = tuple(int(s) for s in changes["statuses"])
            self.config = replace(self.config, **changes)
            if "seed" in changes:
                self._random = random.Random(self.config.seed)
            return self.config

    def decide(self) -> Fault | None:
        with self._lock:
            config = self.config
            if config.rate <= 0 or self._random.random() >= config.rate:
                return None
            if config.latency > 0 and self._random.random() < config.timeout_share:
                self.injected["timeout"] += 1
                return Fault(status=None, delay=config.latency)
            status = self._random.choice(config.statuses)
            self.injected[str(status)] += 1
            return Fault(status=status, delay=0.0)


@dataclass
class Stats:
    """Requests received, counted per (method, path pattern)."""

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, method: str, pattern: str) -> None:
        with self._lock:
            self.counts[(method, pattern)] += 1

    def get(self, method: str, pattern: str) -> int:
        with self._lock:
            return self.counts[(method, pattern)]

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self.counts.values())

    def reset(self) -> None:
        with self._lock:
            self.counts.clear()

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            rows = [
                {"method": m, "pattern": p, "count": c} for (m, p), c in sorted(self.counts.items())
            ]
        return {"total": sum(r["count"] for r in rows), "requests": rows}

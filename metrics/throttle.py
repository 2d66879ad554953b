"""Slowing down password guessing: a growing wait after repeated failed sign-ins.

After :attr:`Policy.free` failures within :attr:`Policy.window` seconds, each
further attempt must wait ``base * 2 ** (failures - free)`` seconds after the
last failure, up to ``cap``: a person who mistypes a few times is barely
slowed, a script guessing is held to a few tries an hour. A success clears a
name's failures. The wait applies the same to a name that exists and one that
does not, so it tells an attacker nothing about which names are real (OWASP
Authentication Cheat Sheet; NIST SP 800-63B 5.2.2 rate limiting).

Counted per user name and per client address. Where sign-ins are audited, a
name's failures are read from the audit log, so every process and the CLI see
the same count; otherwise (a read-only server without a shared database) and
for client addresses, from this process's own :class:`FailureLog`.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    free: int  # failures allowed without any wait
    base: float  # seconds of the first wait
    cap: float  # longest wait, seconds
    window: float  # failures older than this (seconds) are forgotten


#: Per user name: five tries, then 30 s, 60 s, ... up to 15 minutes.
USER_POLICY = Policy(free=5, base=30.0, cap=900.0, window=3600.0)
#: Per client address: one office may share an address, so more tries before the wait.
CLIENT_POLICY = Policy(free=20, base=30.0, cap=900.0, window=3600.0)


def wait_seconds(failures: Sequence[dt.datetime], now: dt.datetime, policy: Policy) -> float:
    """Seconds still to wait before the next attempt (0: go ahead), from the failures' times."""
    recent = sorted(t for t in failures if (now - t).total_seconds() < policy.window)
    beyond = len(recent) - policy.free
    if beyond < 0:
        return 0.0
    delay = min(policy.cap, policy.base * 2.0 ** min(beyond, 32))  # 2**32: no float overflow
    left = delay - (now - recent[-1]).total_seconds()
    return max(0.0, left)


def describe_wait(seconds: float) -> str:
    if seconds < 60:
        return f"{math.ceil(seconds)} seconds"
    return f"{math.ceil(seconds / 60)} minutes"


class FailureLog:
    """Failed attempts per key, kept in this process (thread-safe, bounded)."""

    def __init__(self, keep: int = 64, max_keys: int = 10_000) -> None:
        self._keep = keep
        self._max_keys = max_keys
        self._lock = threading.Lock()
        self._times: dict[str, deque[dt.datetime]] = {}

    def record(self, key: str, when: dt.datetime) -> None:
        with self._lock:
            if key not in self._times and len(self._times) >= self._max_keys:
                # Bounded: forget the key with the oldest last failure, so a flood of
                # made-up names cannot grow memory without end.
                oldest = min(self._times, key=lambda k: self._times[k][-1])
                del self._times[oldest]
            self._times.setdefault(key, deque(maxlen=self._keep)).append(when)

    def clear(self, key: str) -> None:
        with self._lock:
            self._times.pop(key, None)

    def times(self, key: str) -> list[dt.datetime]:
        with self._lock:
            return list(self._times.get(key, ()))

    def reset(self) -> None:
        """Forget everything (tests; a restart does the same)."""
        with self._lock:
            self._times.clear()

"""The login throttle: growing delays per account, a failure budget per client address.

An attempt is counted *before* its password is checked. `reserve` is synchronous (nothing is
awaited between looking at the counters and adding to them), so a burst of concurrent
requests cannot all pass the check before the first failure is written down; a reserved
attempt counts as a failure until the password turns out to be right (`succeeded` gives it
back). Refused attempts are not counted: they cost nothing and prolong nothing.

Defaults (HotlineSettings, `login_*`):

* per account, from any address: 3 attempts free, then each further one waits 1 s, 2 s, 4 s,
  8 s ... up to 60 s after the previous one. A correct password inside the delay is refused
  too (429 with Retry-After), otherwise the delay would not slow guessing. Someone who knows
  a user name can slow that account down, but never lock it for more than a minute after
  they stop, and a concurrent burst checks only 3 passwords.
* per client address: 50 failed attempts within 15 minutes, whichever the accounts. An office
  of 30 operators behind one NAT, each mistyping a password twice at the start of a shift,
  uses 60 % of it; failures on one account never refuse another account below that budget.
* both are forgotten after 15 minutes without attempts; a correct password forgives the
  account's failures and gives its attempt back to the address.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Policy:
    free_attempts: int = 3
    base_delay_s: float = 1.0
    max_delay_s: float = 60.0
    address_limit: int = 50
    memory_s: float = 900.0

    @classmethod
    def from_settings(cls, settings: Any) -> Policy:
        return cls(free_attempts=settings.login_free_attempts,
                   base_delay_s=settings.login_backoff_base_s,
                   max_delay_s=settings.login_backoff_max_s,
                   address_limit=settings.login_address_limit,
                   memory_s=float(settings.login_memory_s))

    def delay_after(self, attempts: int) -> float:
        """How long the account waits after its `attempts`-th counted attempt."""
        over = attempts - self.free_attempts
        if over < 0:
            return 0.0
        return min(self.max_delay_s, self.base_delay_s * 2.0 ** min(over, 40))


class Throttled(Exception):
    """An attempt refused unchecked. `first` is true once per account delay or address
    block: a flood of refused attempts writes one audit entry, not one per request."""

    def __init__(self, retry_after_s: float, reason: str, first: bool = True) -> None:
        super().__init__(reason)
        self.retry_after_s, self.reason, self.first = retry_after_s, reason, first


@dataclass(frozen=True)
class Ticket:
    """One counted attempt, to be given back (`succeeded`, `cancel`) or kept as a failure."""

    account: str
    address: str
    at: float
    attempts: int
    next_at: float
    previous_next_at: float


@dataclass
class _Account:
    attempts: int = 0
    next_at: float = 0.0  # no attempt before this
    last_at: float = 0.0
    reported_at: float = -1.0  # the `next_at` whose refusals were already reported


@dataclass
class LoginThrottle:
    policy: Policy = field(default_factory=Policy)
    clock: Callable[[], float] = time.monotonic
    max_keys: int = 10_000  # bounded memory under a spray of names or addresses
    _accounts: dict[str, _Account] = field(default_factory=dict)
    _addresses: dict[str, deque[float]] = field(default_factory=dict)
    _reported: dict[str, float] = field(default_factory=dict)  # address -> block reported

    def _account(self, name: str, now: float) -> _Account:
        acc = self._accounts.get(name)
        if acc is None or now - acc.last_at > self.policy.memory_s:
            acc = self._accounts[name] = _Account()
        return acc

    def _address(self, address: str, now: float) -> deque[float]:
        hits = self._addresses.setdefault(address, deque())
        while hits and now - hits[0] > self.policy.memory_s:
            hits.popleft()
        return hits

    def reserve(self, account: str, address: str) -> Ticket:
        """Count an attempt now, or raise `Throttled` (and count nothing)."""
        now = self.clock()
        acc, hits = self._account(account, now), self._address(address, now)
        if now < acc.next_at:
            first, acc.reported_at = acc.reported_at != acc.next_at, acc.next_at
            raise Throttled(acc.next_at - now, "account", first)
        if len(hits) >= self.policy.address_limit:
            first = self._reported.get(address) != hits[0]
            self._reported[address] = hits[0]
            raise Throttled(hits[0] + self.policy.memory_s - now, "address", first)
        previous = acc.next_at
        acc.attempts += 1
        acc.last_at = now
        acc.next_at = now + self.policy.delay_after(acc.attempts)
        hits.append(now)
        self._prune(now)
        return Ticket(account, address, now, acc.attempts, acc.next_at, previous)

    def succeeded(self, ticket: Ticket) -> None:
        """The password was right: the account starts afresh, the address gets its attempt back."""
        self._accounts.pop(ticket.account, None)
        self._give_back_address(ticket)

    def cancel(self, ticket: Ticket) -> None:
        """The password was never checked (server busy): undo the attempt as far as possible."""
        acc = self._accounts.get(ticket.account)
        if acc is not None and acc.attempts == ticket.attempts and acc.next_at == ticket.next_at:
            acc.attempts -= 1
            acc.next_at = ticket.previous_next_at
        self._give_back_address(ticket)

    def _give_back_address(self, ticket: Ticket) -> None:
        hits = self._addresses.get(ticket.address)
        if hits is not None and ticket.at in hits:
            hits.remove(ticket.at)

    def _prune(self, now: float) -> None:
        if len(self._accounts) > self.max_keys:
            self._accounts = {k: a for k, a in self._accounts.items()
                              if now < a.next_at or now - a.last_at <= self.policy.memory_s}
        if len(self._addresses) > self.max_keys:
            self._addresses = {k: h for k, h in self._addresses.items() if self._address(k, now)}
            self._reported = {k: v for k, v in self._reported.items() if k in self._addresses}

    def failures(self, account: str) -> int:
        """Counted attempts of an account (for tests and diagnostics)."""
        acc = self._accounts.get(account)
        return acc.attempts if acc is not None else 0

"""Sign-in throttling.

Three sliding windows over ``LoginAttempt`` rows, each counting failures since the account's last
successful sign-in (a success ends the guessing episode):

- per (account, address): a few failures from one place slow that place down for that account;
- per account: many failures from anywhere (a distributed guess) slow the account down;
- per address: only a very high volume of failures over many accounts slows a whole address.

A city hall puts hundreds of staff behind one NAT address, and families at a ward office share
its Wi-Fi: one person mistyping a password must never lock out the others, so the per-address
limit is far above what people at one office mistype in a quarter of an hour.

The wait is computed, not fixed: the caller may try again when the oldest failure that counts
towards the limit leaves the window, and the message says when.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import ngettext

from enrollment.models import LoginAttempt

WINDOW = datetime.timedelta(minutes=15)
ACCOUNT_ADDRESS_LIMIT = 5
ACCOUNT_LIMIT = 20
ADDRESS_LIMIT = 300


@dataclass(frozen=True)
class Throttle:
    """The verdict for one sign-in: allowed, or the seconds to wait."""

    wait_seconds: int = 0

    @property
    def allowed(self) -> bool:
        return self.wait_seconds <= 0

    @property
    def wait_minutes(self) -> int:
        return max(1, math.ceil(self.wait_seconds / 60))

    def message(self) -> str:
        minutes = self.wait_minutes
        return ngettext(
            "Too many unsuccessful sign-in attempts. For your security, please wait %(minutes)d "
            "minute and try again.",
            "Too many unsuccessful sign-in attempts. For your security, please wait %(minutes)d "
            "minutes and try again.",
            minutes,
        ) % {"minutes": minutes}


def client_ip(request) -> str | None:
    """The caller's address. Behind ``TRUSTED_PROXY_COUNT`` reverse proxies (settings), the
    address the nearest trusted proxy saw; X-Forwarded-For is never believed otherwise, since
    anyone can send it."""
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
                     if part.strip()]
        if len(forwarded) >= proxies:
            return _valid_ip(forwarded[-proxies])
    return _valid_ip(request.META.get("REMOTE_ADDR"))


def _valid_ip(value: str | None) -> str | None:
    import ipaddress

    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def normalise_username(username: str) -> str:
    # The login forms lower-case addresses; throttle on the same spelling, or "Alice@" and
    # "alice@" would be two accounts to an attacker.
    return (username or "").strip().lower()[:254]


def _wait(failures_at: list[datetime.datetime], limit: int, now: datetime.datetime) -> int:
    """Seconds until fewer than ``limit`` of these failures (newest first) remain in the window."""
    if len(failures_at) < limit:
        return 0
    frees_at = failures_at[limit - 1] + WINDOW
    return max(0, math.ceil((frees_at - now).total_seconds()))


def login_throttle(*, username: str, ip_address: str | None, now: datetime.datetime | None = None) -> Throttle:
    """Whether a sign-in for ``username`` from ``ip_address`` may be attempted now."""
    now = now or timezone.now()
    username = normalise_username(username)
    since = now - WINDOW
    recent = LoginAttempt.objects.filter(at__gt=since)
    last_success = (LoginAttempt.objects.filter(username=username, succeeded=True)
                    .aggregate(latest=Max("at"))["latest"])
    account_since = max(since, last_success) if last_success else since

    account_failures = recent.filter(username=username, succeeded=False, at__gt=account_since)
    waits = [_wait(list(account_failures.order_by("-at").values_list("at", flat=True)[:ACCOUNT_LIMIT]),
                   ACCOUNT_LIMIT, now)]
    if ip_address:
        pair = account_failures.filter(ip_address=ip_address)
        waits.append(_wait(list(pair.order_by("-at").values_list("at", flat=True)[:ACCOUNT_ADDRESS_LIMIT]),
                           ACCOUNT_ADDRESS_LIMIT, now))
        address = recent.filter(ip_address=ip_address, succeeded=False)
        waits.append(_wait(list(address.order_by("-at").values_list("at", flat=True)[:ADDRESS_LIMIT]),
                           ADDRESS_LIMIT, now))
    return Throttle(wait_seconds=max(waits))


def login_attempt_record(*, username: str, ip_address: str | None, succeeded: bool) -> None:
    """Remember one sign-in attempt (the throttle's evidence)."""
    LoginAttempt.objects.create(username=normalise_username(username), ip_address=ip_address,
                                succeeded=succeeded)


def login_attempts_prune(*, older_than: datetime.timedelta = datetime.timedelta(days=90)) -> int:
    """Delete old attempts; the throttle needs 15 minutes, an investigation a few months."""
    deleted, _ = LoginAttempt.objects.filter(at__lt=timezone.now() - older_than).delete()
    return deleted

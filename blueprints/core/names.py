"""Kubernetes names and their limits (BP006)."""

from __future__ import annotations

import functools
import ipaddress
import re

from blueprints.errors import ConfigError, Problem

__all__ = [
    "DNS1035",
    "DNS1123_LABEL",
    "DNS1123_SUBDOMAIN",
    "PORT_NAME",
    "check_name",
    "is_ip_literal",
    "name_problem",
]

DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
DNS1035 = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
#: A port name's characters (an IANA service name: a DNS label's; its length is checked apart).
PORT_NAME = DNS1123_LABEL

_KINDS = {
    "label": (DNS1123_LABEL, 63, "a DNS-1123 label: lowercase letters, digits and '-', "
              "starting and ending with a letter or digit"),
    "subdomain": (DNS1123_SUBDOMAIN, 253, "a DNS-1123 subdomain: lowercase labels joined by '.'"),
    "service": (DNS1035, 63, "a DNS-1035 label (Service names): lowercase letters, digits "
                "and '-', starting with a letter"),
    "port": (PORT_NAME, 15, "an IANA service name: lowercase letters, digits and '-', "
             "with at least one letter"),
}


def name_problem(
    value: object, *, kind: str = "label", max_length: int | None = None
) -> str | None:
    """Say what is wrong with ``value`` as a name of ``kind``, or ``None`` when it is valid.

    ``kind`` is ``label`` (most names), ``subdomain``, ``service`` or ``port``; ``max_length``
    tightens the limit (52 for StatefulSet and CronJob names).
    """
    if type(value) is str:  # names repeat (containers, ports, components): each found once
        return _string_problem(value, kind, max_length)
    return f"must be {_KINDS[kind][2]}"


@functools.lru_cache(maxsize=4096)
def _string_problem(value: str, kind: str, max_length: int | None) -> str | None:
    pattern, limit, rule = _KINDS[kind]
    limit = min(limit, max_length or limit)
    if not pattern.fullmatch(value):
        return f"must be {rule}"
    if len(value) > limit:
        return f"is {len(value)} characters; the limit is {limit}"
    if kind == "port" and (not re.search("[a-z]", value) or "--" in value):
        return f"must be {rule}, without '--'"
    return None


def check_name(
    value: object,
    *,
    component: str,
    field: str,
    kind: str = "label",
    max_length: int | None = None,
    fix: str | None = None,
) -> str:
    """Return ``value`` when it is a valid name of ``kind``; ``fix`` replaces the advice to
    rename (for what is not a name one chooses, such as a host).

    Raises:
        ConfigError: It is not (BP006).
    """
    what = name_problem(value, kind=kind, max_length=max_length)
    if what is not None:
        raise ConfigError(
            Problem(component, field, value, what,
                    fix or "rename it, for example 'web' or 'my-db'", "BP006")
        )
    assert isinstance(value, str)
    return value


def is_ip_literal(value: str) -> bool:
    """True when ``value`` is an IPv4 or IPv6 address (BP010: use a Service name instead)."""
    try:
        ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        return False
    return True

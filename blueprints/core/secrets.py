"""No secret value in a manifest (BP044): what looks like a credential, and how it is hidden.

Names are read as tokens (``DB_PASSWORD``, ``dbPassword`` and ``db-password`` are the same),
and a name is a credential's when its last tokens name one (``PASSWORD``, ``API_KEY``,
``CLIENT_SECRET``), so that ``PASSWORD_FILE`` or ``TOKEN_TTL``, which point at or describe a
credential, pass. Text is a credential's when it holds a private key, a URL with a password, or
a ``password = ...`` style assignment of a literal value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from blueprints._lazy import LazyPattern

__all__ = [
    "REDACTED",
    "credential_in_text",
    "credential_in_value",
    "is_credential_file",
    "is_credential_name",
    "literal_credential",
    "redact_secret",
    "secret_values",
]

#: What a message shows in place of a secret value.
REDACTED = "<redacted>"

_LAST = frozenset({"PASSWORD", "PASSWD", "PASS", "PWD", "PASSPHRASE", "SECRET", "TOKEN",
                   "APIKEY", "CREDENTIAL", "CREDENTIALS", "PRIVATEKEY", "SECRETKEY",
                   "ACCESSKEY", "HTPASSWD", "NETRC", "PGPASS"})
_KEY_QUALIFIERS = frozenset({"API", "ACCESS", "SECRET", "PRIVATE", "SIGNING", "ENCRYPTION",
                             "MASTER", "ACCOUNT", "LICENSE"})
_FILE_NAMES = frozenset({"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".netrc", ".pgpass",
                         ".git-credentials", ".htpasswd", "htpasswd", ".dockerconfigjson",
                         ".dockercfg"})
_PRIVATE_KEY = LazyPattern(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")
_URL_PASSWORD = LazyPattern(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+:([^/\s@]+)@")
_ASSIGNMENT = LazyPattern(
    r"""^[ \t]*(?:export[ \t]+)?["']?([\w.-]*?(?:password|passwd|passphrase|secret|token|api[_-]?key|
    apikey|private[_-]?key|access[_-]?key))["']?[ \t]*[:=][ \t]*(.*?)[ \t]*[,;]?[ \t]*$""",
    re.IGNORECASE | re.MULTILINE | re.VERBOSE)
_PLACEHOLDER = LazyPattern(r"""^(?:\$\(.*\)|\$\{.*\}|\{\{.*\}\}|<.*>|%\(.*\)s?|["']{2}|)$""")
_NOT_A_VALUE = frozenset({"true", "false", "yes", "no", "null", "none", "~", "[]", "{}"})


def is_credential_name(name: object) -> bool:
    """Whether ``name`` (an env variable, a configuration key) names a credential."""
    return isinstance(name, str) and _names_credential(name)


@lru_cache(maxsize=4096)  # a release repeats a few names in every component
def _names_credential(name: str) -> bool:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    tokens = [t for t in re.split(r"[^A-Za-z0-9]+", spaced.upper()) if t]
    if not tokens:
        return False
    if tokens[-1] in _LAST:
        return True
    return tokens[-1] == "KEY" and len(tokens) > 1 and tokens[-2] in _KEY_QUALIFIERS


def is_credential_file(name: object) -> bool:
    """Whether a file name (a ConfigMap key) names a credential: ``id_rsa``, ``tls.key``,
    ``.htpasswd``, ``db-password.txt``."""
    if not isinstance(name, str):
        return False
    if name.lower() in _FILE_NAMES or name.lower().endswith(".key"):
        return True
    return is_credential_name(name) or is_credential_name(name.rsplit(".", 1)[0])


def credential_in_value(value: str) -> str | None:
    """What makes a literal value a secret whatever its name (a private key, a URL with a
    password), or ``None``."""
    if _PRIVATE_KEY.search(value):
        return "a private key"
    for match in _URL_PASSWORD.finditer(value):
        if not _PLACEHOLDER.match(match[1]):
            return "a URL with a password in it"
    return None


def literal_credential(name: object, value: str) -> str | None:
    """What makes the literal env value ``value`` of ``name`` a secret, or ``None``: an empty
    value and another variable's value (``$(DB_PASSWORD)``) are none."""
    if not value or (value.startswith("$(") and value.endswith(")")):
        return None
    if is_credential_name(name):
        return "a credential written as a literal value"
    return credential_in_value(value)


def credential_in_text(text: str) -> str | None:
    """What in a file's text is a secret value (a private key, a password assignment, a URL
    with a password), or ``None``."""
    for match in _ASSIGNMENT.finditer(text):
        value = match[2].strip()
        if value.lower() not in _NOT_A_VALUE and not _PLACEHOLDER.match(value):
            return f"a literal value for {match[1]}"
    return credential_in_value(text)


def secret_values(manifest: Mapping[str, Any]) -> list[str]:
    """The values under a Secret's ``data`` and ``stringData`` (none for other kinds)."""
    if not isinstance(manifest, Mapping) or manifest.get("kind") != "Secret":
        return []
    values: list[str] = []
    for key in ("data", "stringData"):
        section = manifest.get(key)
        if isinstance(section, Mapping):
            values.extend(str(v) for v in section.values() if v is not None and str(v))
        elif section:  # malformed, and all of it secret
            values.append(str(section))
    return values


def redact_secret(text: str, values: list[str]) -> str:
    """``text`` with each of ``values`` (and its ``repr``) replaced by :data:`REDACTED`."""
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(repr(value), REDACTED).replace(value, REDACTED)
    return text

"""BP044: no secret value in a manifest, whoever made it.

A Secret that carries ``data`` or ``stringData`` is an error everywhere, and synth refuses it
even with a ``blueprint.dev/ignore`` annotation. Literal env values and ConfigMap entries that
look like credentials are reported with the practice's severity, and may be opted out with a
reason. No message shows a value: they say ``<redacted>``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from blueprints.core.secrets import (
    REDACTED,
    credential_in_text,
    is_credential_file,
    literal_credential,
)
from blueprints.practices import Severity
from blueprints.rules._objects import containers
from blueprints.rules._registry import Context, Violation, object_rule

__all__ = ["ALTERNATIVES", "no_secret_values"]

#: Where secret values belong instead: the fix of every Secret finding.
ALTERNATIVES = ("reference a Secret that exists in the cluster (secretKeyRef, envFrom, a secret "
                "volume), or write an ExternalSecret (external-secrets) or SealedSecret instead")


@object_rule("BP044", pods_only=True, kinds=["Secret", "ConfigMap"])
def no_secret_values(manifest: Mapping[str, Any], context: Context) -> Iterator[Violation]:
    """Secrets carry no values; env values and ConfigMap entries named like credentials are
    not literal."""
    kind = manifest.get("kind")
    if kind == "Secret":
        for key in ("data", "stringData"):
            section = manifest.get(key)
            if isinstance(section, dict):
                # An empty value is no secret value (kubernetes/dashboard's csrf Secret holds
                # csrf: "" for the dashboard to fill in).
                count = sum(1 for value in section.values() if value not in ("", None))
            else:
                count = 1 if section else 0
            if count:
                yield Violation(key, f"{REDACTED} ({count} value{'s' * (count != 1)})",
                                "a Secret with values: they would be in git and in every "
                                "copy of the output", ALTERNATIVES, Severity.ERROR)
    elif kind == "ConfigMap":
        data = manifest.get("data")
        for key, value in (data.items() if isinstance(data, dict) else ()):
            if not isinstance(value, str) or not value.strip():
                continue
            what = ("a credential's file name" if is_credential_file(key)
                    else credential_in_text(value))
            if what is not None:
                yield Violation(f"data[{key!r}]", REDACTED,
                                f"{what} in a ConfigMap, which anyone who can read the "
                                "namespace reads", ALTERNATIVES)
    else:
        for path, container, _ in containers(manifest):
            for i, env in enumerate(container.get("env") or ()):
                if not isinstance(env, dict) or not isinstance(env.get("value"), str):
                    continue
                what = literal_credential(env.get("name"), env["value"])
                if what is not None:
                    yield Violation(f"{path}.env[{i}].value", REDACTED,
                                    f"{env.get('name')}: {what}",
                                    "read it from a Secret (secretKeyRef), or record why it is "
                                    'not one: blueprint.dev/ignore: "BP044: <reason>"')

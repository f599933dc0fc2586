"""ConfigFiles: a ConfigMap that blueprint writes, mounted as files; a change rolls the pods."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from blueprints._digest import sha256
from blueprints.core.labels import recommended_labels
from blueprints.core.names import check_name
from blueprints.core.prop_types import mismatch
from blueprints.core.release import ReleaseContext
from blueprints.core.secrets import REDACTED, credential_in_text, is_credential_file
from blueprints.core.volumes import Volume
from blueprints.core.workload import Manifest
from blueprints.errors import ConfigError, Problem
from blueprints.practices import IGNORE_ANNOTATION

__all__ = ["ConfigFilesCore"]

_KEY = r"[-._a-zA-Z0-9]+"


class ConfigFilesCore:
    """The pure rendering of :class:`~blueprints.ConfigFiles`.

    Secrets have no counterpart on purpose: no secret value is ever written to the output;
    mount Secrets that exist in the cluster with ``Volume.secret``. A file named like a
    credential (``tls.key``, ``db-password.txt``), or holding a private key, a password
    assignment or a URL with a password, is refused unless ``not_secret`` says why it is not
    one (BP044).
    """

    def __init__(self, id: str, data: Mapping[str, str], release: ReleaseContext,
                 *, description: str | None = None,
                 not_secret: Mapping[str, str] | None = None) -> None:
        self.id, self.release, self.path = id, release, f"{release.name}/{id}"
        check_name(id, component=self.path, field="id", kind="subdomain")
        if description is not None and not isinstance(description, str):
            raise ConfigError(Problem(self.path, "description", description,
                                      *(mismatch(description, str, "description")
                                        or ("must be a string", "quote it"))))
        if not isinstance(data, Mapping) or not data:
            raise ConfigError(Problem(self.path, "data", data, "needs at least one file",
                                      'pass data={"app.conf": "..."}'))
        total = 0
        for key, value in data.items():
            if not isinstance(key, str) or not re.fullmatch(_KEY, key):
                raise ConfigError(Problem(self.path, "data", key, "not a ConfigMap key",
                                          "use letters, digits, '-', '_' and '.'", "BP006"))
            if not isinstance(value, str):
                raise ConfigError(Problem(self.path, f"data[{key!r}]", value,
                                          "ConfigMap values are text", "pass a string"))
            total += len(key) + len(value.encode())
        if total > 1_000_000:
            raise ConfigError(Problem(self.path, "data", f"{total} bytes",
                                      "ConfigMaps hold at most 1 MiB",
                                      "split it, or mount the data from a volume"))
        self.opt_outs = _check_secrets(self.path, data, dict(not_secret or {}))
        self.data = dict(sorted(data.items()))
        self.description = description
        content = json.dumps(self.data, sort_keys=True).encode()
        self.content_hash = sha256(content).hex()[:16]

    def volume(self, name: str | None = None, *, items: Mapping[str, str] | None = None,
               default_mode: int = 0o444) -> Volume:
        """These files as a read-only volume (named after the ConfigMap unless ``name``)."""
        base = Volume.config_map(name or self.id, self.id, items=items,
                                 default_mode=default_mode)
        return Volume(name=base.name, source=base.source, read_only=True,
                      content_hash=f"{self.id}-{self.content_hash}")

    def render(self) -> list[Manifest]:
        labels = recommended_labels(name=self.id, instance=self.release.name,
                                    version=self.content_hash, component="config",
                                    part_of=self.release.part_of)
        metadata: Manifest = {"name": self.id, "namespace": self.release.namespace,
                              "labels": labels}
        annotations = self.release.object_annotations()
        if self.description:
            annotations["blueprint.dev/description"] = self.description
        if self.opt_outs:
            annotations[IGNORE_ANNOTATION] = "BP044: " + ", ".join(self.opt_outs)
        if annotations:
            metadata["annotations"] = dict(sorted(annotations.items()))
        return [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata,
                 "data": dict(self.data)}]

    def resolve_allow_from(self, components: Mapping[str, object]) -> None:
        """Nothing to resolve: ConfigMaps take no traffic."""


def _check_secrets(path: str, data: Mapping[str, str], not_secret: dict[str, str]) -> list[str]:
    """The recorded opt-outs; a file that looks like a credential without one is refused."""
    opt_outs = []
    for key in sorted(data):
        what = ("a credential's file name" if is_credential_file(key)
                else credential_in_text(data[key]))
        if what is None:
            continue
        reason = not_secret.get(key)
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(Problem(
                path, f"data[{key!r}]", REDACTED, f"{what}: ConfigMaps hold no secrets",
                "mount a Secret that exists in the cluster (Volume.secret), or pass "
                f'not_secret={{"{key}": "<why it is not a secret>"}}', "BP044"))
        opt_outs.append(f"{key} is not a secret ({reason.strip()})")
    return opt_outs

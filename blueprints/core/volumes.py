"""Volumes chosen by what the data must survive (BP012), hostPath kept safe (BP013), and the
gitRepo replacement (BP014)."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from blueprints.core.image import parse_image
from blueprints.core.names import check_name
from blueprints.core.prop_types import checked_arguments
from blueprints.core.quantity import parse_quantity
from blueprints.errors import ConfigError, Problem

__all__ = ["GIT_IMAGE", "HOST_PATH_TYPES", "Mount", "Survives", "Volume", "mount_point"]

#: The pinned image of the git-clone init container (BP001, BP014).
GIT_IMAGE = "alpine/git:2.47.2"
HOST_PATH_TYPES = frozenset({"Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket",
                             "CharDevice", "BlockDevice"})
# Roots whose hostPath hands the node to the pod; refused outright (BP013).
_NODE_ROOTS = frozenset({"/", "/etc", "/var", "/var/run", "/run", "/var/lib", "/proc", "/sys",
                         "/root", "/home", "/usr", "/bin", "/sbin", "/boot", "/dev",
                         "/var/run/docker.sock", "/run/containerd/containerd.sock"})


def mount_point(path: str) -> str:
    """Where a mount path lands: ``/tmp/``, ``//tmp`` and ``/./tmp`` are all ``/tmp``. Two
    mounts of a container at one point hide each other (BP012)."""
    if "//" not in path and "/." not in path and not path.endswith("/"):
        return path  # already normal: the common case, kept cheap for lint
    return posixpath.normpath("/" + path.lstrip("/")) if path.startswith("/") else (
        posixpath.normpath(path))


class Survives(StrEnum):
    """What the data must outlive; it decides the kind of volume (BP012)."""

    NOTHING = "nothing"
    CONTAINER_RESTART = "container-restart"
    POD_DELETION = "pod-deletion"  # the pod comes back on the same node
    NODE_CHANGE = "node-change"  # the pod may come back on another node


@dataclass(frozen=True, kw_only=True, slots=True)
class Volume:
    """A pod volume. Build one with a constructor (:meth:`empty_dir`, :meth:`host_path`,
    :meth:`claim`, :meth:`config_map`, :meth:`secret`, :meth:`git_clone`) or let
    :meth:`for_data` choose by what the data must survive.

    Attributes:
        name: The volume's name (DNS-1123 label).
        source: The Kubernetes volume source, for example ``{"emptyDir": {}}``.
        read_only: Whether mounts default to read-only (config, secrets, hostPath).
        opt_outs: Loosened practices with their reasons, recorded on the workload.
        clone: For :meth:`git_clone`: the repository, the revision and the git image.
        content_hash: For configuration that blueprint itself writes: a hash of the content,
            stamped on the pod template so that a change rolls the pods.
        claim_spec: For :meth:`new_claim`: the spec of the PersistentVolumeClaim the component
            creates.
    """

    name: str
    source: Mapping[str, Any]
    read_only: bool = False
    opt_outs: Mapping[str, str] = field(default_factory=dict)
    clone: tuple[str, str, str] | None = None
    content_hash: str | None = None
    claim_spec: Mapping[str, Any] | None = None

    @classmethod
    @checked_arguments("volume")
    def for_data(
        cls,
        name: str,
        *,
        survives: Survives | str,
        path: str | None = None,
        claim_name: str | None = None,
        size_limit: str | None = None,
    ) -> Volume | None:
        """The volume that BP012 picks for data that must survive ``survives``.

        - ``nothing``: no volume (``None``);
        - ``container-restart``: an ``emptyDir`` (``size_limit`` optional);
        - ``pod-deletion`` (same node): a read-only, typed ``hostPath`` at ``path``;
        - ``node-change``: the PersistentVolumeClaim ``claim_name`` (in a StatefulSet, use
          ``storage=`` for a claim per pod).

        Raises:
            ConfigError: The need is unknown, or the details given cannot meet it (BP012).
        """
        try:
            need = Survives(survives)
        except ValueError:
            raise ConfigError(Problem(f"volume/{name}", "survives", survives, "not a survival need",
                                      f"use one of {', '.join(s.value for s in Survives)}",
                                      "BP012")) from None
        details = {"path": path, "claim_name": claim_name, "size_limit": size_limit}
        allowed = {Survives.NOTHING: set(), Survives.CONTAINER_RESTART: {"size_limit"},
                   Survives.POD_DELETION: {"path"}, Survives.NODE_CHANGE: {"claim_name"}}[need]
        for detail, value in details.items():
            if value is not None and detail not in allowed:
                raise ConfigError(Problem(
                    f"volume/{name}", detail, value, f"cannot serve data that must survive {need.value}",
                    f"drop {detail}, or state the need it serves", "BP012"))
        if need is Survives.NOTHING:
            return None
        if need is Survives.CONTAINER_RESTART:
            return cls.empty_dir(name, size_limit=size_limit)
        if need is Survives.POD_DELETION:
            if path is None:
                raise ConfigError(Problem(f"volume/{name}", "path", None, "a node directory is needed to "
                                          "survive pod deletion on the same node",
                                          "pass path=...", "BP012"))
            return cls.host_path(name, path)
        if claim_name is None:
            raise ConfigError(Problem(f"volume/{name}", "claim_name", None, "data that survives a node "
                                      "change needs a PersistentVolumeClaim",
                                      "pass claim_name=..., or storage= in a StatefulWebApp",
                                      "BP012"))
        return cls.claim(name, claim_name)

    @classmethod
    @checked_arguments("volume")
    def empty_dir(cls, name: str, *, memory: bool = False,
                  size_limit: str | None = None) -> Volume:
        """Scratch space that survives container restarts, not pod deletion. ``memory`` puts
        it in RAM (tmpfs; it counts against the memory limit)."""
        source: dict[str, Any] = {}
        if memory:
            source["medium"] = "Memory"
        if size_limit is not None:
            amount = parse_quantity(size_limit)
            if amount is None or amount <= 0:
                raise ConfigError(Problem(f"volume/{name}", "size_limit", size_limit,
                                          "not a positive quantity", 'e.g. "1Gi"', "BP012"))
            source["sizeLimit"] = size_limit
        return cls(name=name, source={"emptyDir": source})

    @classmethod
    @checked_arguments("volume")
    def host_path(cls, name: str, path: str, *, type: str = "Directory",
                  writable_reason: str | None = None,
                  outside_daemon_reason: str | None = None) -> Volume:
        """A node directory or file, read-only and typed (BP013). A writable mount needs
        ``writable_reason``; using it outside a DaemonSet (app data bound to one node, refused
        by the Baseline Pod Security level) needs ``outside_daemon_reason`` (BP012). Both
        reasons are recorded on the objects."""
        normal = posixpath.normpath(path) if isinstance(path, str) else ""
        if not isinstance(path, str) or not path.startswith("/") or normal != (path.rstrip("/") or "/"):
            raise ConfigError(Problem(f"volume/{name}", "path", path, "must be a normalized absolute path",
                                      'e.g. "/var/log"', "BP013"))
        if normal in _NODE_ROOTS:
            raise ConfigError(Problem(f"volume/{name}", "path", path, "hands a node root or runtime socket "
                                      "to the pod", "scope it to the exact file or directory "
                                      "the app needs", "BP013"))
        if type not in HOST_PATH_TYPES:
            raise ConfigError(Problem(f"volume/{name}", "type", type, "not a hostPath type",
                                      f"use one of {', '.join(sorted(HOST_PATH_TYPES))}",
                                      "BP013"))
        opt_outs = {}
        if writable_reason:
            opt_outs["BP013"] = f"writable hostPath {path}: {writable_reason}"
        if outside_daemon_reason:
            opt_outs["BP012"] = f"hostPath {path} outside a DaemonSet: {outside_daemon_reason}"
        return cls(name=name, source={"hostPath": {"path": normal, "type": type}},
                   read_only=not writable_reason, opt_outs=opt_outs)

    @classmethod
    @checked_arguments("volume")
    def claim(cls, name: str, claim_name: str, *, read_only: bool = False) -> Volume:
        """An existing PersistentVolumeClaim: survives pod deletion and node changes."""
        check_name(claim_name, component=f"volume/{name}", field="claim_name", kind="subdomain")
        source: dict[str, Any] = {"claimName": claim_name}
        if read_only:
            source["readOnly"] = True
        return cls(name=name, source={"persistentVolumeClaim": source}, read_only=read_only)

    @classmethod
    @checked_arguments("volume")
    def new_claim(cls, name: str, *, size: str, claim_name: str | None = None,
                  access_modes: Sequence[str] = ("ReadWriteOnce",),
                  storage_class: str | None = None) -> Volume:
        """A PersistentVolumeClaim that the component creates (``claim_name``, default the
        volume's name): data that survives pod deletion and node changes. A ``ReadWriteOnce``
        claim serves one replica; in a StatefulWebApp use ``storage=`` for a claim per pod."""
        claim = claim_name or name
        check_name(claim, component=f"volume/{name}", field="claim_name", kind="subdomain")
        amount = parse_quantity(size)
        if amount is None or amount <= 0:
            raise ConfigError(Problem(f"volume/{name}", "size", size, "not a positive quantity",
                                      'e.g. "10Gi"', "BP012"))
        modes = tuple(access_modes)
        allowed = {"ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"}
        if not modes or not set(modes) <= allowed:
            raise ConfigError(Problem(f"volume/{name}", "access_modes", list(modes), "not access modes",
                                      f"use {', '.join(sorted(allowed))}", "BP012"))
        spec: dict[str, Any] = {"accessModes": list(modes),
                                "resources": {"requests": {"storage": size}}}
        if storage_class is not None:
            spec["storageClassName"] = storage_class
        return cls(name=name, source={"persistentVolumeClaim": {"claimName": claim}},
                   claim_spec=spec)

    @classmethod
    @checked_arguments("volume")
    def config_map(cls, name: str, config_map: str, *,
                   items: Mapping[str, str] | None = None, default_mode: int = 0o444,
                   optional: bool = False) -> Volume:
        """Unchanging configuration: the ConfigMap's keys as files (``items`` maps a key to a
        relative path; default: every key under its own name). Mounted read-only."""
        check_name(config_map, component=f"volume/{name}", field="config_map", kind="subdomain")
        source: dict[str, Any] = {"name": config_map}
        if items:
            source["items"] = _items(name, items)
        source["defaultMode"] = _mode(name, default_mode)
        if optional:
            source["optional"] = True
        return cls(name=name, source={"configMap": source}, read_only=True)

    @classmethod
    @checked_arguments("volume")
    def secret(cls, name: str, secret: str, *, items: Mapping[str, str] | None = None,
               default_mode: int = 0o400) -> Volume:
        """A Secret's keys as files, on tmpfs (never written to the node's disk). Read-only."""
        check_name(secret, component=f"volume/{name}", field="secret", kind="subdomain")
        source: dict[str, Any] = {"secretName": secret}
        if items:
            source["items"] = _items(name, items)
        source["defaultMode"] = _mode(name, default_mode)
        return cls(name=name, source={"secret": source}, read_only=True)

    @classmethod
    @checked_arguments("volume")
    def git_clone(cls, name: str, repository: str, *, revision: str = "main",
                  image: str = GIT_IMAGE) -> Volume:
        """The replacement of the removed ``gitRepo`` volume (BP014): an ``emptyDir`` that an
        init container fills with a shallow clone of ``revision`` before the app starts."""
        if not isinstance(repository, str) or not repository or repository.startswith("-"):
            raise ConfigError(Problem(f"volume/{name}", "repository", repository, "not a repository URL",
                                      'e.g. "https://github.com/org/repo.git"', "BP014"))
        if not isinstance(revision, str) or not revision or revision.startswith("-"):
            raise ConfigError(Problem(f"volume/{name}", "revision", revision, "not a branch or tag",
                                      'e.g. "v1.2.0"', "BP014"))
        ref = parse_image(image, component=f"volume/{name}", field="image")
        if not ref.pinned:
            raise ConfigError(Problem(f"volume/{name}", "image", image, str(ref.moving_reason),
                                      f"pin it, e.g. {GIT_IMAGE}", "BP001"))
        return cls(name=name, source={"emptyDir": {}}, clone=(repository, revision, image))

    def render(self) -> dict[str, Any]:
        """The pod's ``volumes`` entry."""
        return {"name": self.name, **{k: dict(v) for k, v in self.source.items()}}


@dataclass(frozen=True, slots=True)
class Mount:
    """A volume mounted into a container.

    Attributes:
        volume: The volume.
        path: The absolute mount path.
        sub_path: A path inside the volume, or ``None`` for all of it.
        read_only: Default: the volume's (config, secrets and hostPath are read-only).
    """

    volume: Volume
    path: str
    sub_path: str | None = None
    read_only: bool | None = None

    def render(self) -> dict[str, Any]:
        """The container's ``volumeMounts`` entry."""
        mount: dict[str, Any] = {"name": self.volume.name, "mountPath": self.path}
        if self.sub_path:
            mount["subPath"] = self.sub_path
        read_only = self.volume.read_only if self.read_only is None else self.read_only
        if read_only:
            mount["readOnly"] = True
        return mount


def _items(name: str, items: Mapping[str, str]) -> list[dict[str, str]]:
    rendered = []
    for key, path in items.items():
        if not isinstance(path, str) or path.startswith("/") or ".." in path.split("/"):
            raise ConfigError(Problem(f"volume/{name}", f"items[{key!r}]", path,
                                      "must be a relative path inside the volume",
                                      'e.g. "log_level"', "BP012"))
        rendered.append({"key": key, "path": path})
    return rendered


def _mode(name: str, mode: int) -> int:
    if isinstance(mode, bool) or not isinstance(mode, int) or not 0 <= mode <= 0o777:
        raise ConfigError(Problem(f"volume/{name}", "default_mode", mode, "not a file mode",
                                  "use an octal mode such as 0o444", "BP012"))
    return mode

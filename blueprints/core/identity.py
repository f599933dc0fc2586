"""Identity for components that talk to the Kubernetes API: their own ServiceAccount, and a
Role and RoleBinding made from declared permissions (a cluster-wide grant only when asked)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from blueprints._lazy import LazyPattern
from blueprints.errors import ConfigError, Problem

__all__ = ["VERBS", "Permission", "check_permissions", "identity_manifests"]

Manifest = dict[str, Any]

#: The verbs a Role rule may grant (kubernetes ``pkg/apis/rbac``; ``*`` is refused on purpose:
#: every grant is spelled out).
VERBS = ("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection",
         "use", "bind", "escalate", "impersonate", "approve", "sign")
_RESOURCE = LazyPattern(r"[a-z][a-z0-9.-]*(/[a-z][a-z0-9-]*)?")
_GROUP = LazyPattern(r"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?")


@dataclass(frozen=True, kw_only=True, slots=True)
class Permission:
    """Something a component may do through the Kubernetes API: one Role rule.

    ``Permission(verbs=("get", "list", "watch"), resources=("configmaps",))``.

    Attributes:
        verbs: What it may do, e.g. ``("get", "list", "watch")``; ``*`` is refused. Required.
        resources: Which resources, in the plural form of the API (``configmaps``,
            ``deployments``, a subresource such as ``pods/log``); ``*`` is refused. Required.
        api_group: The API group of ``resources``: ``""`` for the core group (pods, configmaps,
            secrets), ``"apps"``, ``"batch"``, ... Default ``""``.
        resource_names: Only the objects of these names. Default: every object of the
            resources.
        cluster_wide: Grant it in every namespace (a ClusterRole and ClusterRoleBinding).
            Default False: only in the release's namespace (a Role and RoleBinding).
    """

    verbs: Sequence[str]
    resources: Sequence[str]
    api_group: str = ""
    resource_names: Sequence[str] = ()
    cluster_wide: bool = False

    def rule(self) -> Manifest:
        """The Role rule."""
        rule: Manifest = {"apiGroups": [self.api_group], "resources": list(self.resources)}
        if self.resource_names:
            rule["resourceNames"] = list(self.resource_names)
        rule["verbs"] = list(self.verbs)
        return rule


def check_permissions(path: str, permissions: object, service_account: str | None) -> None:
    """Check declared permissions.

    Raises:
        ConfigError: A permission is malformed, grants ``*``, or comes with a ServiceAccount of
            the user's (permissions make the component its own).
    """
    if isinstance(permissions, str | bytes) or not isinstance(permissions, Sequence):
        raise ConfigError(Problem(path, "permissions", permissions, "must be a list",
                                  'pass permissions=[Permission(verbs=["get"], '
                                  'resources=["configmaps"])]', "BP041"))
    if permissions and service_account:
        raise ConfigError(Problem(
            path, "service_account", service_account,
            "permissions give the component its own ServiceAccount, bound to exactly them",
            "drop service_account, or drop permissions and grant that account yourself",
            "BP041"))
    for i, permission in enumerate(permissions):
        field = f"permissions[{i}]"
        if not isinstance(permission, Permission):
            raise ConfigError(Problem(path, field, permission, "not a Permission",
                                      'use Permission(verbs=["get"], resources=["configmaps"])',
                                      "BP041"))
        _each(path, f"{field}.verbs", permission.verbs, lambda v: v in VERBS,
              "not an RBAC verb", "list the verbs it needs: get, list, watch, create, ...")
        _each(path, f"{field}.resources", permission.resources,
              lambda r: bool(_RESOURCE.fullmatch(r)),
              "not a resource name: plural and lowercase (configmaps, pods/log)",
              "list the resources it needs")
        _each(path, f"{field}.resource_names", permission.resource_names,
              lambda n: bool(n) and "/" not in n, "not an object name", "name the objects",
              allow_empty=True)
        if not isinstance(permission.api_group, str) or not _GROUP.fullmatch(
                permission.api_group):
            raise ConfigError(Problem(path, f"{field}.api_group", permission.api_group,
                                      "not an API group", '"" for the core group, or e.g. '
                                      '"apps"', "BP041"))
        if not isinstance(permission.cluster_wide, bool):
            raise ConfigError(Problem(path, f"{field}.cluster_wide", permission.cluster_wide,
                                      "must be True or False", "pass cluster_wide=True only "
                                      "when it needs every namespace", "BP041"))


def identity_manifests(
    name: str,
    namespace: str,
    permissions: Sequence[Permission],
    metadata: Callable[..., Manifest],
) -> list[Manifest]:
    """The ServiceAccount ``name`` and the grants of ``permissions``: a Role and RoleBinding in
    ``namespace``, and a ClusterRole and ClusterRoleBinding named ``<namespace>-<name>`` for
    cluster-wide ones (cluster-scoped names are shared by every namespace).

    Args:
        metadata: The component's metadata function: ``metadata(name, namespaced=...)``.
    """
    if not permissions:
        return []
    # The pod asks for its token itself; other pods that name this account get none.
    account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata(name),
               "automountServiceAccountToken": False}
    subject = [{"kind": "ServiceAccount", "name": name, "namespace": namespace}]
    manifests: list[Manifest] = [account]
    rbac = "rbac.authorization.k8s.io/v1"
    for cluster_wide in (False, True):
        rules = [p.rule() for p in permissions if p.cluster_wide is cluster_wide]
        if not rules:
            continue
        role_kind = "ClusterRole" if cluster_wide else "Role"
        role_name = f"{namespace}-{name}" if cluster_wide else name
        manifests.append({"apiVersion": rbac, "kind": role_kind,
                          "metadata": metadata(role_name, namespaced=not cluster_wide),
                          "rules": rules})
        manifests.append({"apiVersion": rbac, "kind": f"{role_kind}Binding",
                          "metadata": metadata(role_name, namespaced=not cluster_wide),
                          "roleRef": {"apiGroup": "rbac.authorization.k8s.io",
                                      "kind": role_kind, "name": role_name},
                          "subjects": subject})
    return manifests


def _each(path: str, field: str, values: object, valid: Callable[[str], bool], what: str,
          fix: str, *, allow_empty: bool = False) -> None:
    if isinstance(values, str | bytes) or not isinstance(values, Sequence) or (
            not values and not allow_empty):
        raise ConfigError(Problem(path, field, values, "must be a non-empty list of strings",
                                  f'e.g. {field.rsplit(".", 1)[1]}=["..."]', "BP041"))
    for value in values:
        if value == "*":
            raise ConfigError(Problem(path, field, value, "a wildcard grants everything, "
                                      "present and future", fix, "BP041"))
        if not isinstance(value, str) or not valid(value):
            raise ConfigError(Problem(path, field, value, what, fix, "BP041"))

"""Regression tests made from real fragments: BP007, BP012, BP040 and BP041 on node agents,
old manifests and documentation examples (``tests/lint_corpus/security``, each file names its
source), plus one test per false positive that issue #9 reported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from blueprints.lint.lint import lint
from blueprints.rules import Context, check
from blueprints.rules.volumes import node_system_path

CORPUS = Path(__file__).parent / "lint_corpus" / "security"
RULES = ["BP007", "BP012", "BP040", "BP041"]


def findings(path: Path) -> list[tuple[str, int, str, str, str]]:
    report = lint([str(path)], enable=RULES)
    assert report.problems == []
    return [(Path(f.file).name, f.line, f.finding.severity.value, f.finding.rule,
             f.finding.field) for f in report.findings]


class TestSecurityCorpus:
    def test_exact_findings(self) -> None:
        expected = []
        for line in (CORPUS / "EXPECTED.txt").read_text().splitlines():
            if line and not line.startswith("#"):
                place, severity, rule, field = line.split(" ")
                name, number, _ = place.split(":")
                expected.append((name, int(number), severity, rule, field))
        assert findings(CORPUS) == expected

    def test_node_exporter_reports_what_a_security_reviewer_looks_for(self) -> None:
        """The issue's misses: host namespaces, hostPort, added capabilities, each an error."""
        errors = {(line, field) for _, line, severity, _, field in
                  findings(CORPUS / "node-exporter.yaml") if severity == "error"}
        assert {field for _, field in errors} == {
            "spec.template.spec.hostNetwork", "spec.template.spec.hostPID",
            "spec.template.spec.containers[1].ports[0].hostPort",
            "spec.template.spec.containers[0].securityContext.capabilities.add[0]",
            "spec.template.spec.volumes[0].hostPath", "spec.template.spec.volumes[1].hostPath"}


def pod(containers: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"},
            "spec": {"containers": containers, **spec}}


def rule_fields(manifests: list[dict[str, Any]], rule: str) -> list[str]:
    return [f.field for f in check(manifests, context=Context(), select=[rule])]


class TestBP040:
    """A limit stands for the missing request: the API server copies it
    (kubernetes/kubernetes pkg/apis/core/v1/defaults.go, SetDefaults_Pod)."""

    def test_limits_only_need_no_request(self) -> None:
        found = findings(CORPUS / "limits-only.yaml")
        bp040 = [field for _, _, _, rule, field in found if rule == "BP040"]
        assert bp040 == ["spec.containers[0].resources.requests.cpu",  # memory limit only
                         "spec.containers[0].resources.requests.memory",  # cpu limit only
                         "spec.containers[0].resources.limits.memory"]

    @pytest.mark.parametrize("cpu", [0.15, 1, "0.15", "150m", "1"])
    @pytest.mark.parametrize("memory", [128974848, "128974848", "129e6", "129M", "123Mi",
                                        "128974848000m"])
    def test_numbers_are_quantities(self, cpu: object, memory: object) -> None:
        """The quantities of the Kubernetes documentation's resource units section, as YAML
        numbers and as strings."""
        resources = {"requests": {"cpu": cpu, "memory": memory}, "limits": {"memory": memory}}
        assert rule_fields([pod([{"name": "c", "image": "x:1", "resources": resources}])],
                           "BP040") == []

    @pytest.mark.parametrize("cpu", [-0.5, float("nan"), float("inf"), True, "0.15 cores"])
    def test_malformed_still_caught(self, cpu: object) -> None:
        resources = {"requests": {"cpu": cpu, "memory": "64Mi"}, "limits": {"memory": "64Mi"}}
        assert rule_fields([pod([{"name": "c", "image": "x:1", "resources": resources}])],
                           "BP040") == ["spec.containers[0].resources.requests.cpu"]


class TestBP012:
    def test_node_agents_system_paths_are_not_app_data(self) -> None:
        """kube-proxy's static Pod mounts /lib/modules, /run/xtables.lock, /var/log and the
        node's certificates: node access (BP041's), not data on the wrong volume."""
        assert [f for f in findings(CORPUS / "kube-proxy-static-pod.yaml")
                if f[3] == "BP012"] == []

    @pytest.mark.parametrize("path", ["/proc", "/sys/fs/cgroup", "/dev", "/lib/modules",
                                      "/var/log", "/var/log/pods", "/var/lib/docker/containers",
                                      "/var/run/docker.sock", "/run/containerd/containerd.sock",
                                      "/", "/etc/ssl/certs"])
    def test_system_paths_outside_a_daemon_set(self, path: str) -> None:
        volumes = [{"name": "v", "hostPath": {"path": path}}]
        assert node_system_path(path)
        assert rule_fields([pod([{"name": "c", "image": "x:1"}], volumes=volumes)],
                           "BP012") == []

    @pytest.mark.parametrize("path", ["/srv/data", "/var/local/aaa", "/data/postgres",
                                      "/var/lib/mysql", "/mnt/disks/ssd0"])
    def test_app_data_outside_a_node_agent_is_still_caught(self, path: str) -> None:
        volumes = [{"name": "v", "hostPath": {"path": path}}]
        assert rule_fields([pod([{"name": "c", "image": "x:1"}], volumes=volumes)],
                           "BP012") == ["spec.volumes[0].hostPath"]


def workload(account: str | None = None, namespace: str = "apps", **spec: Any) -> dict[str, Any]:
    pod_spec: dict[str, Any] = {"containers": [{"name": "c", "image": "x:1"}], **spec}
    if account:
        pod_spec["serviceAccountName"] = account
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "w", "namespace": namespace},
            "spec": {"template": {"spec": pod_spec}}}


def binding(kind: str, subjects: list[dict[str, Any]], namespace: str | None = None
            ) -> dict[str, Any]:
    metadata = {"name": "b"} | ({"namespace": namespace} if namespace else {})
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": metadata,
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                        "name": "view"}, "subjects": subjects}


TOKEN = "spec.template.spec.automountServiceAccountToken"


class TestBP041Token:
    """The token warning reads RBAC in the same input before it says the token is not needed."""

    def test_bound_by_a_cluster_role_binding(self) -> None:
        assert [f for f in findings(CORPUS / "node-exporter.yaml")
                if f[4].endswith("automountServiceAccountToken")] == []
        assert rule_fields([workload("agent"), binding("ClusterRoleBinding", [
            {"kind": "ServiceAccount", "name": "agent", "namespace": "apps"}])], "BP041") == [
            f for f in rule_fields([workload("agent")], "BP041") if f != TOKEN]

    @pytest.mark.parametrize(("manifests", "warned"), [
        # a RoleBinding's subject without a namespace is in the binding's namespace
        ([workload("agent"), binding("RoleBinding", [
            {"kind": "ServiceAccount", "name": "agent"}], namespace="apps")], False),
        ([workload("agent"), binding("RoleBinding", [
            {"kind": "ServiceAccount", "name": "agent"}], namespace="other")], True),
        # the binding names another account, or the same name in another namespace
        ([workload("agent"), binding("ClusterRoleBinding", [
            {"kind": "ServiceAccount", "name": "other", "namespace": "apps"}])], True),
        ([workload("agent"), binding("ClusterRoleBinding", [
            {"kind": "ServiceAccount", "name": "agent", "namespace": "other"}])], True),
        # no serviceAccountName: the pod runs as "default"
        ([workload(), binding("RoleBinding", [
            {"kind": "ServiceAccount", "name": "default"}], namespace="apps")], False),
        # groups of every account, or of the namespace's accounts
        ([workload("agent"), binding("ClusterRoleBinding", [
            {"kind": "Group", "name": "system:serviceaccounts",
             "apiGroup": "rbac.authorization.k8s.io"}])], False),
        ([workload("agent"), binding("ClusterRoleBinding", [
            {"kind": "Group", "name": "system:serviceaccounts:apps",
             "apiGroup": "rbac.authorization.k8s.io"}])], False),
        ([workload("agent"), binding("ClusterRoleBinding", [
            {"kind": "Group", "name": "system:serviceaccounts:other",
             "apiGroup": "rbac.authorization.k8s.io"}])], True),
        # a User of the same name is not the account
        ([workload("agent"), binding("ClusterRoleBinding", [
            {"kind": "User", "name": "agent", "apiGroup": "rbac.authorization.k8s.io"}])], True),
        # the account itself mounts no token unless the pod asks
        ([workload("agent"), {"apiVersion": "v1", "kind": "ServiceAccount",
                              "metadata": {"name": "agent", "namespace": "apps"},
                              "automountServiceAccountToken": False}], False),
        ([workload("agent", automountServiceAccountToken=True),
          {"apiVersion": "v1", "kind": "ServiceAccount",
           "metadata": {"name": "agent", "namespace": "apps"},
           "automountServiceAccountToken": False}], True),
    ])
    def test_bindings(self, manifests: list[dict[str, Any]], warned: bool) -> None:
        assert (TOKEN in rule_fields(manifests, "BP041")) is warned


def test_annotation_findings_point_at_the_annotation(tmp_path: Path) -> None:
    """An AppArmor annotation on a pod template (as Cilium's agent chart sets it) is reported
    at its own line, under the template's metadata."""
    path = tmp_path / "agent.yaml"
    path.write_text(
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\n  namespace: kube-system\n"
        "spec:\n  selector:\n    matchLabels: {app: agent}\n  template:\n    metadata:\n"
        "      annotations:\n"
        "        container.apparmor.security.beta.kubernetes.io/cilium-agent: unconfined\n"
        "      labels: {app: agent}\n    spec:\n      containers:\n        - name: cilium-agent\n"
        "          image: quay.io/cilium/cilium:v1.16.0\n")
    (finding,) = [f for f in lint([str(path)], enable=["BP041"]).findings
                  if f.finding.field.startswith("spec.template.metadata")]
    assert (finding.line, finding.finding.severity.value, finding.finding.field) == (
        12, "error", "spec.template.metadata.annotations"
        "['container.apparmor.security.beta.kubernetes.io/cilium-agent']")

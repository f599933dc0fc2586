"""LoggingStack: least-privilege RBAC, read-only hostPaths, options and bad input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from blueprints import App, LoggingStack, Release
from blueprints.cli.main import app
from blueprints.rules import check
from tests.conftest import assert_valid

runner = CliRunner()


def stack(**props: Any) -> dict[str, dict[str, Any]]:
    release = Release(App(), "logging", version="1.0.0")
    LoggingStack(release, "logs", credentials_secret="es-credentials", **props)
    manifests = release.manifests()
    assert_valid(manifests)
    assert [f.line() for f in check(manifests) if f.severity.value != "info"] == []
    return {f"{m['kind']}/{m['metadata']['name']}": m for m in manifests}


def pod(objects: dict[str, dict[str, Any]], key: str) -> dict[str, Any]:
    spec = objects[key]["spec"]
    template = spec["jobTemplate"]["spec"]["template"] if "jobTemplate" in spec else spec[
        "template"]
    return template["spec"]


class TestDefaults:
    def test_rbac_is_least_privilege(self) -> None:
        objects = stack()
        role = objects["ClusterRole/logging-logs-fluentd"]
        assert role["rules"] == [{"apiGroups": [""], "resources": ["pods", "namespaces"],
                                  "verbs": ["get", "list", "watch"]}]
        binding = objects["ClusterRoleBinding/logging-logs-fluentd"]
        assert binding["roleRef"]["name"] == "logging-logs-fluentd"
        assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "logs-fluentd",
                                        "namespace": "logging"}]
        assert pod(objects, "DaemonSet/logs-fluentd")["serviceAccountName"] == "logs-fluentd"
        others = [k for k in objects if k.startswith(("Role/", "RoleBinding/"))]
        assert others == []

    def test_every_host_path_is_read_only(self) -> None:
        objects = stack(container_log_dir="/var/lib/docker/containers")
        spec = pod(objects, "DaemonSet/logs-fluentd")
        host_paths = {v["name"] for v in spec["volumes"] if "hostPath" in v}
        assert host_paths == {"varlog", "containerlogs"}
        mounts = [m for m in spec["containers"][0]["volumeMounts"] if m["name"] in host_paths]
        assert [m.get("readOnly") for m in mounts] == [True, True]

    def test_fluentd_ships_to_the_service_by_name(self) -> None:
        conf = stack()["ConfigMap/logs-fluentd-config"]["data"]["fluent.conf"]
        assert "host logs-elasticsearch.logging.svc" in conf
        assert "path /var/log/containers/*.log" in conf and "@type kubernetes_metadata" in conf

    def test_runs_on_control_plane_nodes(self) -> None:
        tolerations = pod(stack(), "DaemonSet/logs-fluentd")["tolerations"]
        assert tolerations == [{"key": "node-role.kubernetes.io/control-plane",
                                "operator": "Exists", "effect": "NoSchedule"}]

    def test_single_node_needs_no_privilege(self) -> None:
        spec = pod(stack(), "StatefulSet/logs-elasticsearch")
        env = {e["name"]: e.get("value") for e in spec["containers"][0]["env"]}
        assert env["discovery.type"] == "single-node"
        assert env["node.store.allow_mmap"] == "false"
        assert "initContainers" not in spec


class TestOptions:
    def test_three_nodes_discover_each_other_over_tls(self) -> None:
        spec = pod(stack(elasticsearch_replicas=3, transport_tls_secret="tls"),
                   "StatefulSet/logs-elasticsearch")
        env = {e["name"]: e.get("value") for e in spec["containers"][0]["env"]}
        assert env["discovery.seed_hosts"] == ",".join(
            f"logs-elasticsearch-{i}.logs-elasticsearch-headless.logging.svc" for i in range(3))
        assert env["cluster.initial_master_nodes"] == (
            "logs-elasticsearch-0,logs-elasticsearch-1,logs-elasticsearch-2")
        assert env["xpack.security.transport.ssl.enabled"] == "true"

    def test_sysctl_init_is_privileged_and_recorded(self) -> None:
        objects = stack(sysctl_init=True)
        sts = objects["StatefulSet/logs-elasticsearch"]
        (init,) = sts["spec"]["template"]["spec"]["initContainers"]
        assert init["securityContext"]["privileged"] is True
        assert "privileged sysctl" in sts["metadata"]["annotations"]["blueprint.dev/ignore"]

    def test_existing_elasticsearch(self) -> None:
        objects = stack(existing_elasticsearch="https://logs.example.com:9200")
        assert not [k for k in objects if "elasticsearch" in k]
        conf = objects["ConfigMap/logs-fluentd-config"]["data"]["fluent.conf"]
        assert "host logs.example.com" in conf and "scheme https" in conf
        kibana = pod(objects, "Deployment/logs-kibana")["containers"][0]
        assert {"name": "ELASTICSEARCH_HOSTS", "value": "https://logs.example.com:9200"} in (
            kibana["env"])

    def test_images_and_retention(self) -> None:
        objects = stack(kibana_image="docker.elastic.co/kibana/kibana:8.15.4", retention_days=30)
        kibana = pod(objects, "Deployment/logs-kibana")["containers"][0]
        assert kibana["image"] == "docker.elastic.co/kibana/kibana:8.15.4"
        script = pod(objects, "CronJob/logs-retention")["containers"][0]["command"][2]
        assert "30 * 86400" in script

    def test_namespace_is_the_release_s(self) -> None:
        release = Release(App(), "obs", namespace="observability")
        LoggingStack(release, "logs", credentials_secret="es")
        namespaces = {m["metadata"].get("namespace") for m in release.manifests()}
        assert namespaces == {"observability", None}  # None: the cluster-scoped RBAC


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    monkeypatch.chdir(tmp_path)

    def make(props: str) -> Path:
        folder = tmp_path / "logging"
        folder.mkdir()
        (folder / "blueprint.py").write_text(
            "from blueprints import App, LoggingStack, Release\napp = App()\n"
            "release = Release(app, 'logging')\n"
            f"LoggingStack(release, 'logs', credentials_secret='es', {props})\napp.synth()\n")
        return folder

    return make


BAD = {
    "unpinned image": ("kibana_image='docker.elastic.co/kibana/kibana'",
                       "error: logging/logs: kibana_image=docker.elastic.co/kibana/kibana: no "
                       "tag (the runtime pulls latest): nodes would run different code (BP001); "
                       "pin a version tag or a digest"),
    "zero replicas": ("elasticsearch_replicas=0",
                      "error: logging/logs: elasticsearch_replicas=0: Elasticsearch needs at "
                      "least one node (BP031); pass 1, or 3 for a resilient cluster"),
    "heap above the limit": ("heap='2g', memory_limit='1Gi'",
                             "error: logging/logs: heap=2g: heap 2g exceeds memory limit 1Gi "
                             "(BP040); keep the heap at about half the memory limit"),
    "zero retention": ("retention_days=0",
                       "error: logging/logs: retention_days=0: a retention keeps at least one "
                       "day of logs (BP031); pass retention_days=1 or more"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input(case: str, project: Callable[[str], Path]) -> None:
    props, expected = BAD[case]
    folder = project(props)
    result = runner.invoke(app, ["synth", str(folder)])
    assert (result.exit_code, result.stderr, result.stdout) == (1, expected + "\n", "")
    assert not (folder / "dist").exists()

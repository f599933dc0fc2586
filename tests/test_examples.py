"""Every example synthesizes, validates against the real schemas, and matches its snapshot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from blueprints.kube import DEFAULT
from blueprints.release.synth import synthesize
from tests.conftest import EXAMPLE_NAMES, EXAMPLES, assert_valid, load_all


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
class TestExamples:
    def test_snapshot(self, name: str, snapshot_yaml: Any) -> None:
        result = synthesize(EXAMPLES / name, kube_version=DEFAULT)
        assert list(result.files) and result.warnings == []
        for text in result.files.values():
            assert snapshot_yaml == text

    def test_schema_and_labels(self, name: str) -> None:
        result = synthesize(EXAMPLES / name, kube_version=DEFAULT)
        for text in result.files.values():
            assert_valid(load_all(text))

    def test_deterministic(self, name: str) -> None:
        first = synthesize(EXAMPLES / name, kube_version=DEFAULT).files
        second = synthesize(EXAMPLES / name, kube_version=DEFAULT).files
        assert first == second


def test_every_scenario_has_an_example() -> None:
    assert EXAMPLE_NAMES == ["configmap-volume", "emptydir-cache", "graceful-shutdown",
                             "hostpath-readonly", "kubia", "logging", "myapp", "nginx",
                             "poststart-hook", "prestop-nginx", "sidecar-log-writer",
                             "sock-shop"]


class TestScenarios:
    """The seeds' scenarios, asserted on the fields that make them work."""

    @staticmethod
    def objects(name: str) -> dict[str, dict[str, Any]]:
        result = synthesize(EXAMPLES / name, kube_version=DEFAULT)
        docs = [doc for text in result.files.values() for doc in load_all(text)]
        return {f"{d['kind']}/{d['metadata']['name']}": d for d in docs}

    def test_nginx_stateful_set_with_www_volume(self) -> None:
        objs = self.objects("nginx")
        sts = objs["StatefulSet/web"]
        assert sts["spec"]["replicas"] == 2
        assert sts["spec"]["serviceName"] == "web-headless"
        claim = sts["spec"]["volumeClaimTemplates"][0]
        assert (claim["metadata"]["name"], claim["spec"]["resources"]["requests"]["storage"]) == (
            "www", "1Gi")
        headless = objs["Service/web-headless"]["spec"]
        assert headless["clusterIP"] == "None" and headless["publishNotReadyAddresses"] is True
        env = sts["spec"]["template"]["spec"]["containers"][0]["env"]
        assert {"name": "PEERS", "value": "web-0.web-headless.nginx.svc,web-1.web-headless.nginx.svc"} in env
        assert "PodDisruptionBudget/web" in objs and "Service/web" in objs

    def test_myapp_waits_for_both_services(self) -> None:
        pod = self.objects("myapp")["Deployment/myapp"]["spec"]["template"]["spec"]
        names = [c["name"] for c in pod["initContainers"]]
        assert names == ["wait-for-myservice", "wait-for-mydb"]
        hosts = [next(e["value"] for e in c["env"] if e["name"] == "WAIT_HOST")
                 for c in pod["initContainers"]]
        assert hosts == ["myservice.$(POD_NAMESPACE).svc", "mydb.$(POD_NAMESPACE).svc"]
        for container in pod["initContainers"]:
            assert container["terminationMessagePolicy"] == "FallbackToLogsOnError"
            assert container["image"] == "busybox:1.36.1"
            assert "cluster.local" not in str(container)

    def test_kubia_exec_readiness(self) -> None:
        deploy = self.objects("kubia")["Deployment/kubia"]
        container = deploy["spec"]["template"]["spec"]["containers"][0]
        assert deploy["spec"]["replicas"] == 3
        assert container["readinessProbe"]["exec"]["command"] == ["ls", "/var/ready"]

    def test_configmap_volume_rolls_on_change(self) -> None:
        objs = self.objects("configmap-volume")
        template = objs["Deployment/test"]["spec"]["template"]
        assert template["metadata"]["annotations"]["blueprint.dev/config-hash"].startswith(
            "log-config-")
        assert template["spec"]["volumes"][0]["configMap"]["items"] == [
            {"key": "log_level", "path": "log_level"}]

    def test_hostpath_is_read_only_in_a_daemon_set(self) -> None:
        pod = self.objects("hostpath-readonly")["DaemonSet/test-webserver"]["spec"]["template"]
        assert pod["spec"]["volumes"][0]["hostPath"] == {"path": "/var/local/aaa",
                                                         "type": "Directory"}
        assert pod["spec"]["containers"][0]["volumeMounts"][0]["readOnly"] is True

    def test_hooks_log_to_the_main_process(self) -> None:
        for name, kind, hook in (("poststart-hook", "Deployment/lifecycle-demo", "postStart"),
                                 ("prestop-nginx", "Deployment/prestop-demo", "preStop")):
            container = self.objects(name)[kind]["spec"]["template"]["spec"]["containers"][0]
            command = container["lifecycle"][hook]["exec"]["command"]
            assert command[:3] == ["sh", "-c", 'exec "$@" > /proc/1/fd/1 2>&1']

    def test_sidecar_shares_the_volume(self) -> None:
        pod = self.objects("sidecar-log-writer")["Deployment/sidecar-container-demo"][
            "spec"]["template"]["spec"]
        assert [c["name"] for c in pod["containers"]] == ["sidecar-container-demo", "writer"]
        assert {m["name"] for c in pod["containers"] for m in c["volumeMounts"]} >= {
            "shared-data"}

    def test_graceful_shutdown_grace_covers_pause_and_shutdown(self) -> None:
        pod = self.objects("graceful-shutdown")["Deployment/frontend"]["spec"]["template"]["spec"]
        container = pod["containers"][0]
        assert container["lifecycle"]["preStop"] == {"sleep": {"seconds": 10}}
        assert pod["terminationGracePeriodSeconds"] == 30



def test_readme_quick_start_synthesizes(tmp_path: Path) -> None:
    readme = (EXAMPLES.parent / "README.md").read_text()
    source = readme.split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "blueprint.py").write_text(source)
    result = synthesize(tmp_path, kube_version=DEFAULT)
    assert result.warnings == []
    docs = load_all(result.files["shop.k8s.yaml"])
    assert_valid(docs)
    assert [f"{d['kind']}/{d['metadata']['name']}" for d in docs] == [
        "Namespace/shop", "NetworkPolicy/db", "NetworkPolicy/web", "NetworkPolicy/worker",
        "PodDisruptionBudget/db", "PodDisruptionBudget/web", "Service/db-headless",
        "Service/db", "Service/web", "Deployment/web", "Deployment/worker", "StatefulSet/db",
        "Ingress/web", "ConfigMap/shop-applyset"]


def test_readme_yaml_example_synthesizes(tmp_path: Path) -> None:
    readme = (EXAMPLES.parent / "README.md").read_text()
    source = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "blueprint.yaml").write_text(source)
    result = synthesize(tmp_path, kube_version=DEFAULT)
    docs = load_all(result.files["shop.k8s.yaml"])
    assert_valid(docs)
    deployments = [d for d in docs if d["kind"] == "Deployment"]
    assert deployments and all(d["spec"]["replicas"] == 2 for d in deployments)


def test_readme_identity_example_synthesizes(tmp_path: Path) -> None:
    readme = (EXAMPLES.parent / "README.md").read_text()
    (source,) = [block.split("```", 1)[0] for block in readme.split("```python\n")[1:]
                 if "Permission(" in block.split("```", 1)[0]]
    (tmp_path / "blueprint.py").write_text(source)
    result = synthesize(tmp_path, kube_version=DEFAULT)
    assert result.warnings == []
    docs = load_all(result.files["ops.k8s.yaml"])
    assert_valid(docs)
    assert [f"{d['kind']}/{d['metadata']['name']}" for d in docs] == [
        "Namespace/ops", "NetworkPolicy/operator", "PodDisruptionBudget/operator",
        "ServiceAccount/operator", "Role/operator", "RoleBinding/operator", "Service/operator",
        "Deployment/operator", "ConfigMap/ops-applyset"]

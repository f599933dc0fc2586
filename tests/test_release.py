"""A release's objects: its Namespace, labelled for Pod Security Admission by the pods it holds,
and an order that applies on an empty cluster in one ``kubectl apply -f``."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from blueprints import App, DaemonApp, Mount, Release, Volume, WebApp
from blueprints.cli.main import app as cli
from blueprints.core.release import INSTALL_ORDER, install_order
from blueprints.errors import ConfigError
from blueprints.kube import DEFAULT
from blueprints.release.synth import synthesize
from blueprints.rules._objects import pod_spec
from blueprints.rules.pod_security import evaluate
from tests.conftest import assert_valid, load_all

runner = CliRunner()
SNAPSHOTS = Path(__file__).parent / "snapshots"
RELEASE_FILES = sorted([*(SNAPSHOTS / "test_examples").glob("*.yaml"),
                        *(SNAPSHOTS / "test_constructs").glob("*.yaml")])
IMAGE = "nginxinc/nginx-unprivileged:1.27.3"
Key = tuple[str, str, str]  # kind, namespace ("" when cluster-scoped), name


def _key(obj: Mapping[str, Any]) -> Key:
    meta = obj["metadata"]
    return obj["kind"], meta.get("namespace", ""), meta["name"]


def _pod_dependencies(spec: Mapping[str, Any], ns: str) -> Iterator[Key]:
    if spec.get("serviceAccountName"):
        yield "ServiceAccount", ns, spec["serviceAccountName"]
    for volume in spec.get("volumes", []):
        if "persistentVolumeClaim" in volume:
            yield "PersistentVolumeClaim", ns, volume["persistentVolumeClaim"]["claimName"]
        if "configMap" in volume:
            yield "ConfigMap", ns, volume["configMap"]["name"]
        if "secret" in volume:
            yield "Secret", ns, volume["secret"]["secretName"]
    for name in ("initContainers", "containers"):
        for container in spec.get(name, []):
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    yield "ConfigMap", ns, source["configMapRef"]["name"]
                if "secretRef" in source:
                    yield "Secret", ns, source["secretRef"]["name"]
            for env in container.get("env", []):
                ref = env.get("valueFrom", {})
                if "configMapKeyRef" in ref:
                    yield "ConfigMap", ns, ref["configMapKeyRef"]["name"]
                if "secretKeyRef" in ref:
                    yield "Secret", ns, ref["secretKeyRef"]["name"]


def dependencies(obj: Mapping[str, Any]) -> Iterator[Key]:
    """What must exist before ``obj`` is created, or before its pods can start."""
    ns = obj["metadata"].get("namespace", "")
    if ns:
        yield "Namespace", "", ns
    found = pod_spec(obj)
    if found is not None:
        yield from _pod_dependencies(found[1], ns)
    if obj["kind"] == "StatefulSet":
        yield "Service", ns, obj["spec"]["serviceName"]
    if obj["kind"] in ("RoleBinding", "ClusterRoleBinding"):
        role = obj["roleRef"]
        yield role["kind"], ns if role["kind"] == "Role" else "", role["name"]
        for subject in obj.get("subjects", []):
            if subject["kind"] == "ServiceAccount":
                yield "ServiceAccount", subject["namespace"], subject["name"]


def assert_applies_in_order(objects: list[dict[str, Any]]) -> int:
    """Every dependency that the file itself defines comes before its dependent; returns how
    many such edges were checked (so that a test can tell it checked something)."""
    position = {_key(obj): i for i, obj in enumerate(objects)}
    checked = 0
    for index, obj in enumerate(objects):
        for dependency in dependencies(obj):
            if dependency in position:
                assert position[dependency] < index, (dependency, _key(obj))
                checked += 1
    return checked


@pytest.mark.parametrize("path", RELEASE_FILES, ids=lambda p: p.stem)
class TestEveryRelease:
    def test_applies_in_order_on_an_empty_cluster(self, path: Path) -> None:
        objects = load_all(path.read_text())
        namespaced = [o for o in objects if o["metadata"].get("namespace")]
        assert objects[0]["kind"] == "Namespace"
        # each namespaced object needs the Namespace at least: the check is never empty
        assert assert_applies_in_order(objects) >= len(namespaced) > 0

    def test_namespace_labels_and_pods_agree(self, path: Path) -> None:
        """The enforced level admits every pod, and no stricter level would."""
        objects = load_all(path.read_text())
        labels = objects[0]["metadata"]["labels"]
        level = labels["pod-security.kubernetes.io/enforce"]
        assert {labels[f"pod-security.kubernetes.io/{m}"] for m in ("audit", "warn")} == {level}
        assert {labels[f"pod-security.kubernetes.io/{m}-version"]
                for m in ("enforce", "audit", "warn")} == {"v1.35"}
        found: set[str] = set()
        for obj in objects:
            pod = pod_spec(obj)
            if pod is None:
                continue
            path_ = pod[0].split(".")[:-1]
            template: Any = obj
            for key in path_:
                template = template[key]
            found |= {v.level for v in evaluate(pod[1], template.get("metadata", {}), DEFAULT)}
        expected = ("privileged" if "baseline" in found else
                    "baseline" if "restricted" in found else "restricted")
        assert level == expected
        reason = objects[0]["metadata"].get("annotations", {}).get("blueprint.dev/pod-security")
        assert (reason is None) == (level == "restricted")


class TestNamespace:
    def test_restricted_by_default_with_the_recommended_labels(self) -> None:
        shop = Release(App(), "shop", version="1.4.2", namespace="shop-prod")
        WebApp(shop, "web", image=IMAGE)
        namespace = shop.manifests()[0]
        assert namespace == {"apiVersion": "v1", "kind": "Namespace", "metadata": {
            "name": "shop-prod",
            "labels": {
                "app.kubernetes.io/name": "shop-prod",
                "app.kubernetes.io/instance": "shop",
                "app.kubernetes.io/version": "1.4.2",
                "app.kubernetes.io/component": "namespace",
                "app.kubernetes.io/part-of": "shop",
                "app.kubernetes.io/managed-by": "blueprint",
                "pod-security.kubernetes.io/audit": "restricted",
                "pod-security.kubernetes.io/audit-version": "v1.35",
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/enforce-version": "v1.35",
                "pod-security.kubernetes.io/warn": "restricted",
                "pod-security.kubernetes.io/warn-version": "v1.35"},
            "annotations": {"blueprint.dev/release-version": "1.4.2"}}}
        assert_valid(shop.manifests())

    def test_root_lowers_it_to_baseline_only(self) -> None:
        shop = Release(App(), "shop")
        WebApp(shop, "web", image=IMAGE)
        WebApp(shop, "legacy", image=IMAGE, run_as_user=0, allow_root=True)
        metadata = shop.manifests()[0]["metadata"]
        assert metadata["labels"]["pod-security.kubernetes.io/enforce"] == "baseline"
        assert metadata["annotations"]["blueprint.dev/pod-security"] == (
            "baseline: Deployment/legacy: Running as Non-root, Running as Non-root user "
            "(opt-out: runs as root (allow_root=True))")

    def test_a_node_agents_host_path_needs_privileged(self) -> None:
        shop = Release(App(), "shop")
        logs = Volume.host_path("logs", "/var/log", type="Directory")
        DaemonApp(shop, "agent", image=IMAGE, mounts=[Mount(logs, "/var/log")])
        metadata = shop.manifests()[0]["metadata"]
        assert metadata["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
        assert metadata["annotations"]["blueprint.dev/pod-security"].startswith(
            "privileged: DaemonSet/agent: HostPath Volumes (opt-out: hostPath /var/log")

    def test_version_labels_follow_the_target(self, write_blueprint: Callable[..., Path]) -> None:
        folder = write_blueprint(
            "from blueprints import App, Release, WebApp\napp = App()\n"
            f"WebApp(Release(app, 'shop'), 'web', image={IMAGE!r})\napp.synth()\n")
        result = synthesize(folder, kube_version=(1, 33))
        labels = load_all(result.files["shop.k8s.yaml"])[0]["metadata"]["labels"]
        assert labels["pod-security.kubernetes.io/enforce-version"] == "v1.33"

    def test_opt_out(self) -> None:
        shop = Release(App(), "shop", create_namespace=False)
        WebApp(shop, "web", image=IMAGE)
        assert "Namespace" not in [m["kind"] for m in shop.manifests()]

    @pytest.mark.parametrize("namespace", ["default", "kube-system"])
    def test_namespaces_every_cluster_has_are_left_alone(self, namespace: str) -> None:
        shop = Release(App(), "shop", namespace=namespace)
        WebApp(shop, "web", image=IMAGE)
        assert "Namespace" not in [m["kind"] for m in shop.manifests()]

    def test_a_second_namespace_of_the_same_name_is_refused(self) -> None:
        import cdk8s

        shop = Release(App(), "shop")
        cdk8s.ApiObject(shop, "ns", api_version="v1", kind="Namespace",
                        metadata=cdk8s.ApiObjectMetadata(name="shop"))
        with pytest.raises(ConfigError) as caught:
            shop.manifests()
        assert caught.value.lines() == [
            "error: shop: Namespace=shop: the release emits its Namespace already, labelled for "
            "Pod Security (BP043); remove this one, or pass create_namespace=False to bring "
            "your own"]

    def test_yaml_opt_out_and_bad_value(self, tmp_path: Path) -> None:
        text = ("apiVersion: blueprint.dev/v1\nrelease: shop\ncreateNamespace: {}\n"
                f"components:\n  - {{{{kind: WebApp, name: web, image: {IMAGE!r}}}}}\n")
        (tmp_path / "blueprint.yaml").write_text(text.format("false"))
        result = synthesize(tmp_path, kube_version=DEFAULT)
        assert [d["kind"] for d in load_all(result.files["shop.k8s.yaml"])] == [
            "NetworkPolicy", "PodDisruptionBudget", "Service", "Deployment"]
        (tmp_path / "blueprint.yaml").write_text(text.format("'no'"))
        done = runner.invoke(cli, ["synth", str(tmp_path)])
        assert (done.exit_code, done.stderr) == (1, (
            f"error: {tmp_path / 'blueprint.yaml'}:3: createNamespace=no: expected true or "
            "false, got 'no'; write createNamespace: false\n"))
        assert not (tmp_path / "dist").exists()

    def test_two_releases_in_one_namespace(self, write_blueprint: Callable[..., Path]) -> None:
        source = ("from blueprints import App, Release, WebApp\napp = App()\n"
                  "WebApp(Release(app, 'a', namespace='shop'{}), 'web', image={!r})\n"
                  "WebApp(Release(app, 'b', namespace='shop'), 'api', image={!r})\n"
                  "app.synth()\n")
        folder = write_blueprint(source.format("", IMAGE, IMAGE))
        done = runner.invoke(cli, ["synth", str(folder)])
        assert (done.exit_code, done.stderr) == (1, (
            "error: Namespace/shop: metadata.name=shop: two releases create the same Namespace "
            "(BP043); pass create_namespace=False (createNamespace: false) to every release "
            "but one\n"))
        assert not (folder / "dist").exists()
        folder = write_blueprint(source.format(", create_namespace=False", IMAGE, IMAGE))
        assert runner.invoke(cli, ["synth", str(folder)]).exit_code == 0


class TestInstallOrder:
    def test_helms_order_then_unknown_kinds_by_name(self) -> None:
        """The order of helm's ``pkg/release/v1/util/kind_sorter.go`` (InstallOrder): kinds it
        knows in its order, unknown ones after them by kind name, each kind stable."""
        objects = [{"kind": k, "n": i} for i, k in enumerate(
            ["Deployment", "SealedSecret", "Service", "HTTPRoute", "Namespace", "Service",
             "ServiceAccount", "RoleBinding", "Role", "NetworkPolicy", "ConfigMap",
             "PersistentVolumeClaim", "Ingress", "ExternalSecret"])]
        assert [(o["kind"], o["n"]) for o in install_order(objects)] == [
            ("Namespace", 4), ("NetworkPolicy", 9), ("ServiceAccount", 6), ("ConfigMap", 10),
            ("PersistentVolumeClaim", 11), ("Role", 8), ("RoleBinding", 7), ("Service", 2),
            ("Service", 5), ("Deployment", 0), ("Ingress", 12), ("ExternalSecret", 13),
            ("HTTPRoute", 3), ("SealedSecret", 1)]

    def test_what_the_issue_names_comes_in_that_order(self) -> None:
        rank = INSTALL_ORDER.index
        assert rank("Namespace") < rank("ServiceAccount") < rank("Role") < rank("RoleBinding")
        assert rank("ServiceAccount") < rank("ConfigMap") < rank("PersistentVolumeClaim")
        assert rank("PersistentVolumeClaim") < rank("Service") < rank("Deployment")

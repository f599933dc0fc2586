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
            "(opt-out: BP041 in its blueprint.dev/ignore annotation)")

    def test_only_pod_security_controls_lower_it(self) -> None:
        """A writable root filesystem or a mounted API token is no Pod Security control
        (kubernetes/kubernetes staging/src/k8s.io/pod-security-admission/policy/check_*.go has
        no check for either): such a pod keeps the Namespace at restricted, and the reason for
        a lower level names only the controls, never a Python or YAML spelling of an opt-out."""
        shop = Release(App(), "shop")
        WebApp(shop, "scratch", image=IMAGE, read_only_root_filesystem=False,
               mount_service_account_token=True)
        assert shop.manifests()[0]["metadata"]["labels"][
            "pod-security.kubernetes.io/enforce"] == "restricted"
        WebApp(shop, "legacy", image=IMAGE, run_as_user=0, allow_root=True,
               read_only_root_filesystem=False)
        manifests = shop.manifests()
        reason = manifests[0]["metadata"]["annotations"]["blueprint.dev/pod-security"]
        legacy = next(m for m in manifests if m["kind"] == "Deployment"
                      and m["metadata"]["name"] == "legacy")
        pod = legacy["spec"]["template"]
        controls = dict.fromkeys(v.control for v in evaluate(pod["spec"], pod["metadata"],
                                                             DEFAULT))
        assert reason == (f"baseline: Deployment/legacy: {', '.join(controls)} (opt-out: BP041 "
                          "in its blueprint.dev/ignore annotation)")
        for word in ("root filesystem", "allow_root", "allowRoot", "read_only", "=True"):
            assert word not in reason

    def test_a_node_agents_host_path_needs_privileged(self) -> None:
        shop = Release(App(), "shop")
        logs = Volume.host_path("logs", "/var/log", type="Directory")
        DaemonApp(shop, "agent", image=IMAGE, mounts=[Mount(logs, "/var/log")])
        metadata = shop.manifests()[0]["metadata"]
        assert metadata["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
        assert metadata["annotations"]["blueprint.dev/pod-security"].startswith(
            "privileged: DaemonSet/agent: HostPath Volumes (opt-out: BP041 in its "
            "blueprint.dev/ignore annotation)")

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
            "NetworkPolicy", "PodDisruptionBudget", "Service", "Deployment", "ConfigMap"]
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


class TestIdentity:
    """A component that talks to the API gets its own ServiceAccount, bound by a Role to exactly
    the declared permissions; nothing cluster-wide unless asked."""

    def operator(self, *permissions: Any, **props: Any) -> list[dict[str, Any]]:
        from blueprints import Permission

        shop = Release(App(), "shop")
        WebApp(shop, "web", image=IMAGE)
        WebApp(shop, "operator", image=IMAGE, permissions=[
            Permission(verbs=["get", "list", "watch"], resources=["configmaps"]),
            *permissions], **props)
        return shop.manifests()

    def test_own_account_role_and_binding(self) -> None:
        objects = self.operator()
        by_key = {(o["kind"], o["metadata"]["name"]): o for o in objects}
        assert by_key[("ServiceAccount", "operator")]["automountServiceAccountToken"] is False
        assert by_key[("Role", "operator")]["rules"] == [
            {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "watch"]}]
        binding = by_key[("RoleBinding", "operator")]
        assert (binding["roleRef"], binding["subjects"]) == (
            {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "operator"},
            [{"kind": "ServiceAccount", "name": "operator", "namespace": "shop"}])
        pod = by_key[("Deployment", "operator")]["spec"]["template"]["spec"]
        assert (pod["serviceAccountName"], pod["automountServiceAccountToken"]) == (
            "operator", True)
        other = by_key[("Deployment", "web")]["spec"]["template"]["spec"]
        assert "serviceAccountName" not in other and other["automountServiceAccountToken"] is False
        assert not [o for o in objects if o["kind"].startswith("Cluster")]
        assert_valid(objects)
        assert assert_applies_in_order(objects) > len(objects)

    def test_what_the_api_server_would_allow(self) -> None:
        """Read the grants back as the RBAC authorizer does: the operator's account may read
        configmaps in its namespace and nothing else; the web app's account may do nothing."""
        objects = self.operator()
        assert allowed(objects, "shop", "operator", "list", "", "configmaps", "shop")
        assert not allowed(objects, "shop", "operator", "list", "", "configmaps", "other")
        assert not allowed(objects, "shop", "operator", "delete", "", "configmaps", "shop")
        assert not allowed(objects, "shop", "operator", "get", "", "secrets", "shop")
        assert not allowed(objects, "shop", "default", "list", "", "configmaps", "shop")

    def test_cluster_wide_only_when_asked(self) -> None:
        from blueprints import Permission

        objects = self.operator(Permission(verbs=["list"], resources=["nodes"],
                                           cluster_wide=True))
        roles = {(o["kind"], o["metadata"]["name"]) for o in objects if "Role" in o["kind"]}
        assert roles == {("Role", "operator"), ("RoleBinding", "operator"),
                         ("ClusterRole", "shop-operator"), ("ClusterRoleBinding", "shop-operator")}
        assert allowed(objects, "shop", "operator", "list", "", "nodes", None)
        assert not allowed(objects, "shop", "operator", "list", "", "configmaps", "other")
        assert "namespace" not in next(o for o in objects if o["kind"] == "ClusterRole")[
            "metadata"]
        assert_valid(objects)

    def test_run_as_group(self) -> None:
        objects = self.operator(run_as_user=1000, run_as_group=3000)
        pod = next(o for o in objects if o["metadata"]["name"] == "operator"
                   and o["kind"] == "Deployment")["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsUser"] == 1000
        assert (pod["securityContext"]["runAsGroup"], pod["securityContext"]["fsGroup"]) == (
            3000, 3000)

    def test_yaml_twin(self, tmp_path: Path) -> None:
        (tmp_path / "blueprint.yaml").write_text(
            "apiVersion: blueprint.dev/v1\nrelease: shop\ncomponents:\n"
            f"  - {{kind: WebApp, name: web, image: {IMAGE}}}\n"
            f"  - kind: WebApp\n    name: operator\n    image: {IMAGE}\n"
            "    permissions:\n      - {verbs: [get, list, watch], resources: [configmaps]}\n")
        result = synthesize(tmp_path, kube_version=DEFAULT)
        assert load_all(result.files["shop.k8s.yaml"]) == self.operator()

    @pytest.mark.parametrize(("props", "line"), [
        ('permissions=[Permission(verbs=["*"], resources=["pods"])]',
         "error: shop/web: permissions[0].verbs=*: a wildcard grants everything, present and "
         "future (BP041); list the verbs it needs: get, list, watch, create, ..."),
        ('permissions=[Permission(verbs=["read"], resources=["pods"])]',
         "error: shop/web: permissions[0].verbs=read: not an RBAC verb (BP041); list the verbs "
         "it needs: get, list, watch, create, ..."),
        ('permissions=[Permission(verbs=["get"], resources=["*"])]',
         "error: shop/web: permissions[0].resources=*: a wildcard grants everything, present "
         "and future (BP041); list the resources it needs"),
        ('permissions=[Permission(verbs=["get"], resources=["Pods"])]',
         "error: shop/web: permissions[0].resources=Pods: not a resource name: plural and "
         "lowercase (configmaps, pods/log) (BP041); list the resources it needs"),
        ('permissions=[Permission(verbs=["get"], resources=[])]',
         "error: shop/web: permissions[0].resources=[]: must be a non-empty list of strings "
         "(BP041); e.g. resources=[\"...\"]"),
        ('permissions=[Permission(verbs=["get"], resources=["pods"])], service_account="ops"',
         "error: shop/web: service_account=ops: permissions give the component its own "
         "ServiceAccount, bound to exactly them (BP041); drop service_account, or drop "
         "permissions and grant that account yourself"),
        ("run_as_group=-1",
         "error: shop/web: run_as_group=-1: must be a group ID >= 0 (BP041); pass a number, or "
         "leave it out for the run_as_user"),
    ])
    def test_bad_input(self, props: str, line: str,
                       write_blueprint: Callable[..., Path]) -> None:
        folder = write_blueprint(
            "from blueprints import App, Permission, Release, WebApp\napp = App()\n"
            f"WebApp(Release(app, 'shop'), 'web', image={IMAGE!r}, {props})\napp.synth()\n")
        done = runner.invoke(cli, ["synth", str(folder)])
        assert (done.exit_code, done.stderr) == (1, line + "\n")
        assert not (folder / "dist").exists()


def allowed(objects: list[dict[str, Any]], namespace: str, account: str, verb: str,
            group: str, resource: str, where: str | None) -> bool:
    """Whether the RBAC objects let ServiceAccount ``namespace/account`` do ``verb`` on
    ``group/resource`` in namespace ``where`` (``None``: a cluster-scoped resource), as the
    RBAC authorizer reads them (kubernetes ``plugin/pkg/auth/authorizer/rbac``): a RoleBinding
    grants its role's rules in its own namespace, a ClusterRoleBinding everywhere."""
    roles = {(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]): o["rules"]
             for o in objects if o["kind"] in ("Role", "ClusterRole")}
    for binding in objects:
        if binding["kind"] not in ("RoleBinding", "ClusterRoleBinding"):
            continue
        if {"kind": "ServiceAccount", "name": account, "namespace": namespace} not in binding[
                "subjects"]:
            continue
        scope = binding["metadata"].get("namespace")
        if binding["kind"] == "RoleBinding" and scope != where:
            continue
        ref = binding["roleRef"]
        rules = roles.get((ref["kind"], scope if ref["kind"] == "Role" else None, ref["name"]),
                          [])
        for rule in rules:
            if group in rule["apiGroups"] and resource in rule["resources"] and (
                    verb in rule["verbs"]):
                return True
    return False

"""One good and one bad manifest per rule of the registry, with the finding asserted."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from blueprints.core.release import ReleaseContext
from blueprints.core.stateful_web_app import StatefulWebAppCore, StatefulWebAppProps, Storage
from blueprints.core.web_app import WebAppCore, WebAppProps
from blueprints.practices import PRACTICES, Severity
from blueprints.rules import RULES, Context, check

RELEASE = ReleaseContext(name="shop", namespace="shop", part_of="shop",
                         annotations={"blueprint.dev/owner": "team"})


def good() -> list[dict[str, Any]]:
    """What the constructs render for a web app: it passes every rule."""
    return WebAppCore("web", WebAppProps(image="nginx:1.27.3"), RELEASE).render()


def good_stateful() -> list[dict[str, Any]]:
    props = StatefulWebAppProps(image="nginx:1.27.3", storage=Storage(size="1Gi", mount_path="/d"))
    return StatefulWebAppCore("db", props, RELEASE).render()


def pod(manifests: list[dict[str, Any]]) -> dict[str, Any]:
    return manifests[0]["spec"]["template"]["spec"]


def container(manifests: list[dict[str, Any]]) -> dict[str, Any]:
    return pod(manifests)["containers"][0]


Mutation = Callable[[list[dict[str, Any]]], None]
C0 = "spec.template.spec.containers[0]"

# rule -> (mutation that breaks it, expected field of the finding)
BAD: dict[str, tuple[Mutation, str]] = {
    "BP001": (lambda m: container(m).update(image="nginx:latest"), f"{C0}.image"),
    "BP002": (lambda m: container(m).update(image="nginx", imagePullPolicy="IfNotPresent"),
              f"{C0}.imagePullPolicy"),
    "BP003": (lambda m: m[0]["metadata"]["labels"].pop("app.kubernetes.io/part-of"),
              "metadata.labels"),
    "BP004": (lambda m: m[0]["spec"]["selector"]["matchLabels"].update(
        {"app.kubernetes.io/version": "1"}), "spec.selector.matchLabels['app.kubernetes.io/version']"),
    "BP005": (lambda m: m[0]["metadata"].pop("annotations"), "metadata.annotations"),
    "BP006": (lambda m: m[1]["metadata"].update(name="1web"), "metadata.name"),
    "BP007": (lambda m: m[0].update(apiVersion="apps/v1beta2"), "apiVersion"),
    "BP010": (lambda m: container(m).update(env=[{"name": "DB", "value": "10.0.0.7"}]),
              f"{C0}.env[0].value"),
    "BP016": (lambda m: container(m).pop("readinessProbe"), f"{C0}.readinessProbe"),
    "BP017": (lambda m: container(m).update(livenessProbe=container(m)["readinessProbe"]),
              f"{C0}.livenessProbe"),
    "BP022": (lambda m: container(m).pop("lifecycle"), f"{C0}.lifecycle.preStop"),
    "BP023": (lambda m: pod(m).update(terminationGracePeriodSeconds=5),
              "spec.template.spec.terminationGracePeriodSeconds"),
    "BP024": (lambda m: container(m).pop("terminationMessagePolicy"),
              f"{C0}.terminationMessagePolicy"),
    "BP040": (lambda m: container(m)["resources"].pop("limits"), f"{C0}.resources.limits.memory"),
    "BP041": (lambda m: container(m)["securityContext"].update(allowPrivilegeEscalation=True),
              f"{C0}.securityContext.allowPrivilegeEscalation"),
    "BP042": (lambda m: m.pop(), "spec.template.metadata.labels"),
    "BP043": (lambda m: m[1]["metadata"].pop("namespace"), "metadata.namespace"),
    "BP044": (lambda m: container(m).update(env=[{"name": "DB_PASSWORD", "value": "hunter2"}]),
              f"{C0}.env[0].value"),
    "BP012": (lambda m: pod(m).update(volumes=[{"name": "data", "hostPath": {
        "path": "/srv/data", "type": "Directory"}}]), "spec.template.spec.volumes[0].hostPath"),
    "BP013": (lambda m: pod(m).update(volumes=[{"name": "data", "hostPath": {
        "path": "/srv/data"}}]), "spec.template.spec.volumes[0].hostPath.type"),
    "BP014": (lambda m: pod(m).update(volumes=[{"name": "src", "gitRepo": {
        "repository": "https://example.com/r.git"}}]), "spec.template.spec.volumes[0].gitRepo"),
    "BP020": (lambda m: container(m)["lifecycle"].update(postStart={"exec": {"command": ["x"]}}),
              f"{C0}.lifecycle.postStart"),
    "BP021": (lambda m: container(m).update(readinessProbe={"httpGet": {
        "path": "/", "port": 80, "host": "example.com"}}), f"{C0}.readinessProbe.httpGet.host"),
    "BP027": (lambda m: container(m).update(command=["sh", "-c", "setup; ./server"]),
              f"{C0}.command"),
    "BP030": (lambda m: container(m).update(image="k8s.gcr.io/pause:3.9"), f"{C0}.image"),
}


# Cases sharper than their practice's default severity.
EXPECTED_SEVERITY = {"BP030": Severity.WARNING}  # k8s.gcr.io is frozen; heavy bases are info


def test_every_registered_rule_has_a_bad_case() -> None:
    assert sorted(set(RULES) - {"BP011", "BP025"}) == sorted(BAD)
    assert set(RULES) <= set(PRACTICES)


@pytest.mark.parametrize("rule", sorted(RULES))
def test_good_manifests_pass(rule: str) -> None:
    assert check(good() + good_stateful(), select=[rule]) == []


@pytest.mark.parametrize("rule", sorted(BAD))
def test_bad_manifest_is_flagged(rule: str) -> None:
    manifests = good()
    mutate, field = BAD[rule]
    mutate(manifests)
    findings = check(manifests, select=[rule])
    assert [(f.rule, f.field) for f in findings][:1] == [(rule, field)]
    assert findings[0].severity is EXPECTED_SEVERITY.get(rule, PRACTICES[rule].lint)


class TestStatefulIdentity:
    def test_headless_service_present(self) -> None:
        assert check(good_stateful(), select=["BP011"]) == []

    def test_missing_headless_service(self) -> None:
        manifests = [m for m in good_stateful() if m["metadata"]["name"] != "db-headless"]
        findings = check(manifests, select=["BP011"])
        assert [(f.rule, f.kind, f.field, f.value) for f in findings] == [
            ("BP011", "StatefulSet", "spec.serviceName", "db-headless")]


class TestStatefulBudget:
    def test_pdb_present(self) -> None:
        assert check(good_stateful(), select=["BP025"]) == []

    def test_replicated_stateful_set_without_pdb(self) -> None:
        manifests = [m for m in good_stateful() if m["kind"] != "PodDisruptionBudget"]
        findings = check(manifests, select=["BP025"])
        assert [(f.rule, f.kind, f.field, f.severity) for f in findings] == [
            ("BP025", "StatefulSet", "spec.replicas", Severity.INFO)]


class TestHostPathDetails:
    def test_writable_mount_and_root_path(self) -> None:
        manifests = good()
        pod(manifests)["volumes"] = [{"name": "sock", "hostPath": {
            "path": "/var/run/docker.sock", "type": "Socket"}}]
        container(manifests)["volumeMounts"] = [{"name": "sock", "mountPath": "/s"}]
        fields = [f.field for f in check(manifests, select=["BP013"])]
        assert fields == ["spec.template.spec.volumes[0].hostPath.path",
                          f"{C0}.volumeMounts[0].readOnly"]

    def test_exec_at_the_end_passes(self) -> None:
        manifests = good()
        container(manifests)["command"] = ["sh", "-c", "setup && exec ./server"]
        assert check(manifests, select=["BP027"]) == []

    def test_slim_variant_passes(self) -> None:
        manifests = good()
        container(manifests)["image"] = "python:3.12-slim"
        assert check(manifests, select=["BP030"]) == []
        container(manifests)["image"] = "python:3.12"
        assert [f.severity for f in check(manifests, select=["BP030"])] == [Severity.INFO]


class TestSeverity:
    def test_build_mode_is_stricter_for_blueprint_objects(self) -> None:
        manifests = good()
        container(manifests).pop("readinessProbe")
        build = check(manifests, select=["BP016"], context=Context(mode="build"))
        lint = check(manifests, select=["BP016"])
        assert (build[0].severity, lint[0].severity) == (Severity.ERROR, Severity.WARNING)

    def test_build_mode_uses_lint_severity_for_foreign_objects(self) -> None:
        manifests = good()
        container(manifests).pop("readinessProbe")
        manifests[0]["metadata"]["labels"]["app.kubernetes.io/managed-by"] = "helm"
        build = check(manifests, select=["BP016"], context=Context(mode="build"))
        assert build[0].severity is Severity.WARNING


class TestSuppression:
    def test_ignore_annotation_with_reason_suppresses(self) -> None:
        manifests = good()
        container(manifests).update(image="nginx:latest", imagePullPolicy="Always")
        manifests[0]["metadata"]["annotations"]["blueprint.dev/ignore"] = "BP001: dev cluster only"
        assert check(manifests, select=["BP001"]) == []

    def test_ignore_without_reason_does_not_count(self) -> None:
        manifests = good()
        container(manifests).update(image="nginx:latest", imagePullPolicy="Always")
        manifests[0]["metadata"]["annotations"]["blueprint.dev/ignore"] = "BP001"
        assert [f.rule for f in check(manifests, select=["BP001"])] == ["BP001"]


class TestFindingDetails:
    def test_line_format(self) -> None:
        manifests = good()
        container(manifests).update(image="nginx")
        (finding,) = check(manifests, select=["BP001"])
        assert finding.line() == (
            "error: Deployment/web: spec.template.spec.containers[0].image=nginx: no tag (the "
            "runtime pulls latest): replicas would run different code (BP001); pin a version tag "
            "such as :1.27.3 or a digest")

    def test_pull_policy_defaults_as_the_api_server_does(self) -> None:
        manifests = good()
        container(manifests).update(image="nginx:latest")
        container(manifests).pop("imagePullPolicy")
        assert check(manifests, select=["BP002"]) == []

    @pytest.mark.parametrize("image", ["redis:alpine", "nginx:stable", "nginx:mainline",
                                       "node:lts", "app:edge", "app:nightly", "debian:slim"])
    def test_moving_tags_are_not_versions(self, image: str) -> None:
        manifests = good()
        container(manifests).update(image=image, imagePullPolicy="Always")
        (finding,) = check(manifests, select=["BP001"])
        assert (finding.field, finding.value) == (f"{C0}.image", image)
        assert "moving tag" in finding.message or "names no version" in finding.message

    @pytest.mark.parametrize("image", ["redis:7.4.1-alpine", "app:v2",
                                       "nginx@sha256:" + "a" * 64])
    def test_version_tags_and_digests_pass(self, image: str) -> None:
        manifests = good()
        container(manifests).update(image=image)
        assert check(manifests, select=["BP001"]) == []

    def test_digest_without_pull_policy_is_not_always(self) -> None:
        """A digest-only image that names no policy gets IfNotPresent from the API server
        (SetDefaults_Container, kubernetes pkg/apis/core/v1/defaults.go), so BP002 is quiet;
        a real fragment from kubernetes/examples style manifests."""
        manifests = good()
        container(manifests).update(image="registry.k8s.io/pause@sha256:" + "7" * 64)
        container(manifests).pop("imagePullPolicy")
        assert check(manifests, select=["BP002"]) == []

    def test_moving_tag_without_policy_is_flagged_by_bp002(self) -> None:
        manifests = good()
        container(manifests).update(image="redis:alpine")
        container(manifests).pop("imagePullPolicy")
        assert [f.value for f in check(manifests, select=["BP002"])] == ["IfNotPresent"]

    def test_always_on_a_digest(self) -> None:
        manifests = good()
        container(manifests).update(image="nginx@sha256:" + "a" * 64, imagePullPolicy="Always")
        assert [f.value for f in check(manifests, select=["BP002"])] == ["Always"]

    def test_exec_sleep_counts_as_a_pause(self) -> None:
        manifests = good()
        container(manifests)["lifecycle"] = {"preStop": {"exec": {"command": ["sh", "-c", "sleep 5"]}}}
        assert check(manifests, select=["BP022", "BP023"]) == []

    def test_every_pod_template_kind_is_checked(self) -> None:
        manifests = good()
        cron = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": copy.deepcopy(
            manifests[0]["metadata"]), "spec": {"schedule": "* * * * *", "jobTemplate": {
                "spec": {"template": copy.deepcopy(manifests[0]["spec"]["template"])}}}}
        cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["initContainers"] = [
            {"name": "init", "image": "busybox"}]
        fields = [f.field for f in check([cron], select=["BP001"])]
        assert fields == ["spec.jobTemplate.spec.template.spec.initContainers[0].image"]


class TestSuppressionFormat:
    def test_id_lists_and_several_entries(self) -> None:
        from blueprints.rules import suppressions

        manifest = {"metadata": {"annotations": {
            "blueprint.dev/ignore": "BP022, BP040: drained by the mesh; BP041: legacy\nBP001"}}}
        assert suppressions(manifest) == {"BP022": "drained by the mesh",
                                          "BP040": "drained by the mesh", "BP041": "legacy"}


class TestReadinessBehindServices:
    def test_pod_selected_by_a_service_without_ports(self) -> None:
        manifests = good()
        container(manifests).pop("ports")
        container(manifests).pop("readinessProbe")
        assert [(f.rule, f.field) for f in check(manifests, select=["BP016"])] == [
            ("BP016", f"{C0}.readinessProbe")]

    def test_pod_no_service_selects(self) -> None:
        manifests = [m for m in good() if m["kind"] != "Service"]
        container(manifests).pop("ports")
        container(manifests).pop("readinessProbe")
        assert check(manifests, select=["BP016"]) == []


class TestPauseDetection:
    @pytest.mark.parametrize("command", [
        ["sleep", "5"],
        ["sh", "-c", "sleep 5 && nginx -s quit"],
        ["/bin/sh", "-c", "echo bye; sleep 10"],
        ["sh", "-c", "nginx -s quit"],
        ["/wait-shutdown"],
    ])
    def test_any_exec_handler_delays_the_stop_signal(self, command: list[str]) -> None:
        """The kubelet runs the preStop handler, whatever it does, before the stop signal
        (kubernetes/kubernetes pkg/kubelet/kuberuntime/kuberuntime_container.go, killContainer)."""
        manifests = good()
        container(manifests)["lifecycle"] = {"preStop": {"exec": {"command": command}}}
        assert check(manifests, select=["BP022"]) == []

    @pytest.mark.parametrize(("command", "pause"), [
        (["sleep", "5"], 5),
        (["sh", "-c", "sleep 5 && nginx -s quit"], 5),
        (["/bin/sh", "-c", "echo bye; sleep 10"], 10),
        (["sh", "-c", "nginx -s quit"], 0),
        (["sh", "-c", "nosleep 5"], 0),
    ])
    def test_exec_sleep_in_a_script(self, command: list[str], pause: int) -> None:
        """BP023 compares the grace period with the pause a script sleeps."""
        manifests = good()
        container(manifests)["lifecycle"] = {"preStop": {"exec": {"command": command}}}
        pod_spec = manifests[0]["spec"]["template"]["spec"]
        pod_spec["terminationGracePeriodSeconds"] = 5
        assert bool(check(manifests, select=["BP023"])) == (pause >= 5)


def test_a_script_that_traps_term_handles_the_stop_signal() -> None:
    manifests = good()
    container(manifests)["command"] = ["sh", "-c", "trap 'exit 0' TERM; while true; do :; done"]
    assert check(manifests, select=["BP027"]) == []


@pytest.mark.parametrize("practice_id", [p for p in PRACTICES if "BP010" <= p <= "BP026"])
def test_lifecycle_practice_is_checked_or_applied(practice_id: str) -> None:
    """Each pod-lifecycle practice has a rule, or a construct that refuses its violation."""
    from tests.test_cli import BAD_INPUTS, LIFECYCLE_BAD_INPUTS

    lines = [line for _, line in (*BAD_INPUTS.values(), *LIFECYCLE_BAD_INPUTS.values())]
    assert practice_id in RULES or any(f"({practice_id})" in line for line in lines)


def test_a_port_name_of_another_type_does_not_crash_the_pre_stop_rule() -> None:
    """A list where a port name belongs (lint reports the type at its line) is no name that a
    Service targets: BP022 still checks the pod, and nothing crashes."""
    deployment = good()[0]
    deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]["name"] = []
    findings = check([deployment, *good()[1:]])
    assert [f for f in findings if f.field == "<object>"] == []

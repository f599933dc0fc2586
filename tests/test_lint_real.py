"""Regression tests made from the real fragments a lint trial over 922 objects of 8 public
projects reported (``tests/lint_corpus/real``, each file names its source). Each test asserts
the exact findings of the rules concerned, document by document, and cites the Kubernetes
source that decides what the API server or the kubelet does."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from blueprints.lint.lint import lint

REAL = Path(__file__).parent / "lint_corpus" / "real"


def by_object(name: str, *rules: str) -> dict[str, list[tuple[str, str, str]]]:
    """``{"Kind/name": [(rule, severity, field), ...]}`` for every object of the fragment,
    including those with no finding."""
    report = lint([str(REAL / name)], enable=list(rules))
    assert report.problems == []
    found: dict[str, list[tuple[str, str, str]]] = {}
    for document in yaml.safe_load_all((REAL / name).read_text()):
        if isinstance(document, dict):
            found.setdefault(f"{document.get('kind')}/{document['metadata']['name']}", [])
    for item in report.findings:
        f = item.finding
        found.setdefault(f"{f.kind}/{f.name}", []).append((f.rule, f.severity.value, f.field))
    return found


def messages(name: str, *rules: str) -> list[str]:
    return [f"{item.finding.kind}/{item.finding.name}: {item.finding.field}: "
            f"{item.finding.message}" for item in lint([str(REAL / name)],
                                                        enable=list(rules)).findings]


class TestNames:
    """BP006 applies each kind's own name rule, as the API server does."""

    def test_rbac_names_are_path_segments(self) -> None:
        """Role, ClusterRole and the bindings are validated with path.IsValidPathSegmentName
        (kubernetes/kubernetes pkg/apis/rbac/validation/validation.go, minimalNameRequirements):
        ':' is allowed (the built-in system:controller:* roles), '/' and '%' are not."""
        assert by_object("rbac-names.yaml", "BP006") == {
            "ClusterRole/metallb-system:controller": [],
            "ClusterRoleBinding/metallb-system:controller": [],
            "ClusterRole/system:controller:foo": [],
            "Role/team:reader": [],
            "ClusterRoleBinding/system:node-proxier/extra": [
                ("BP006", "error", "metadata.name")],
            "ServiceAccount/bad:name": [("BP006", "error", "metadata.name")],
        }

    def test_each_kind_its_own_rule(self) -> None:
        """pkg/apis/core/validation: Service NameIsDNS1035Label, Namespace NameIsDNSLabel, Pod and
        ConfigMap NameIsDNSSubdomain; pkg/apis/apps/validation: Deployment NameIsDNSSubdomain,
        StatefulSet NameIsDNSLabel; pkg/apis/batch/validation: CronJob as ReplicationController
        (subdomain), at most 52 characters."""
        assert by_object("names.yaml", "BP006") == {
            "Service/1web": [("BP006", "error", "metadata.name")],
            "ConfigMap/my.config.v1": [],
            "Deployment/web.v1": [
                ("BP006", "error", "spec.template.spec.containers[0].ports[0].name")],
            "Namespace/my.ns": [("BP006", "error", "metadata.name")],
            "ClusterRoleBinding/system:node-proxier/extra": [("BP006", "error", "metadata.name")],
            "CronJob/nightly.report": [],
            "StatefulSet/db.v1": [("BP006", "error", "metadata.name")],
            "Pod/pod.v1": [],
        }
        assert ("ClusterRoleBinding/system:node-proxier/extra: metadata.name: ClusterRoleBinding "
                "name may not contain '/'") in messages("names.yaml", "BP006")


class TestPreStop:
    def test_any_handler_delays_the_stop_signal(self) -> None:
        """BP022: the kubelet runs any preStop handler before it sends the stop signal
        (killContainer: executePreStopHook, then StopContainer; kubernetes/kubernetes
        pkg/kubelet/kuberuntime/kuberuntime_container.go). ingress-nginx drains with
        ``exec /wait-shutdown``; an httpGet handler counts the same; only a missing handler or a
        0-second sleep leaves requests arriving after deletion starts."""
        assert by_object("prestop.yaml", "BP022") == {
            "Service/ingress-nginx-controller": [],
            "Service/ingress-nginx-controller-admission": [],
            "Deployment/ingress-nginx-controller": [],
            "Deployment/worker": [],  # no Service selects it
            "Deployment/web": [],
            "Service/web": [],
            "Deployment/nodrain": [
                ("BP022", "warning", "spec.template.spec.containers[0].lifecycle.preStop"),
                ("BP022", "warning",
                 "spec.template.spec.containers[1].lifecycle.preStop.sleep.seconds")],
            "Service/nodrain": [],
        }


class TestToken:
    def test_namespace_less_manifests_match_subjects_by_name(self) -> None:
        """Argo Rollouts' install.yaml carries no namespace (it is applied with ``kubectl -n
        argo-rollouts``) and its ClusterRoleBinding names ServiceAccount argo-rollouts in
        namespace argo-rollouts: the controller needs its token. A Deployment in an explicit
        other namespace is not bound by that subject (a ServiceAccount subject names one
        namespace: pkg/apis/rbac/validation/validation.go, validateRoleBindingSubject)."""
        assert by_object("token.yaml", "BP041") == {
            "ServiceAccount/argo-rollouts": [],
            "ClusterRoleBinding/argo-rollouts": [],
            "Deployment/argo-rollouts": [],
            "Deployment/other": [
                ("BP041", "warning",
                 "spec.template.spec.containers[0].securityContext.seccompProfile.type"),
                ("BP041", "warning",
                 "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation"),
                ("BP041", "warning",
                 "spec.template.spec.containers[0].securityContext.runAsNonRoot"),
                ("BP041", "warning",
                 "spec.template.spec.containers[0].securityContext.capabilities.drop"),
                ("BP041", "warning",
                 "spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem"),
                ("BP041", "warning", "spec.template.spec.automountServiceAccountToken")],
        }


class TestWrongTypes:
    def test_reported_where_they_are_and_other_objects_unaffected(self) -> None:
        """A list where the namespace or the serviceName belongs is a manifest finding at its
        line; the set rules (BP011, BP041's token check) check every other object as usual and
        never report a crash on an unrelated object."""
        report = lint([str(REAL / "typeerror.yaml")], enable=["BP011", "BP041"])
        assert all(item.finding.field != "<object>" for item in report.findings)
        manifest = [(item.line, item.finding.kind, item.finding.field)
                    for item in report.findings if item.finding.rule == "manifest"]
        assert {(9, "Pod", "metadata.namespace"),
                (43, "StatefulSet", "spec.serviceName")} <= set(manifest)
        tokens = [(item.line, item.finding.name) for item in report.findings
                  if item.finding.field.endswith("automountServiceAccountToken")]
        assert tokens == [(5, "good"), (10, "bad"), (15, "good"), (43, "ss")]
        assert not [item for item in report.findings if item.finding.rule == "BP011"]

    def test_rbac_subjects_and_selector_expressions_are_type_checked(self) -> None:
        """A subject that is a bare string, a subject name that is a list, and
        ``matchExpressions.values: "x"`` are refused by the API server (RoleBinding.subjects is
        a list of Subject objects, LabelSelectorRequirement.values a list of strings: the
        Kubernetes 1.35 OpenAPI schemas); lint reports each at its line."""
        report = lint([str(REAL / "typeerror.yaml")], enable=["BP041"])
        assert [(item.line, item.finding.kind, item.finding.field, item.finding.message)
                for item in report.findings if item.finding.rule == "manifest"] == [
            (9, "Pod", "metadata.namespace", "must be a string, not a list"),
            (22, "RoleBinding", "subjects[0].name", "must be a string, not a list"),
            (23, "RoleBinding", "subjects[1]", "must be a mapping, not a string"),
            (28, "Service", "spec.selector.app", "must be a string, not a list"),
            (33, "NetworkPolicy", "spec.podSelector.matchLabels.app",
             "must be a string, not a mapping"),
            (33, "NetworkPolicy",
             "spec.ingress[0].from[0].podSelector.matchExpressions[0].values",
             "must be a list, not a string"),
            (38, "PodDisruptionBudget", "spec.selector.matchLabels",
             "must be a mapping, not a list"),
            (43, "StatefulSet", "spec.serviceName", "must be a string, not a list")]


class TestSecretValues:
    def test_an_empty_value_is_no_secret_value(self) -> None:
        """BP044: kubernetes/dashboard ships Secret kubernetes-dashboard-csrf with ``csrf: ""``
        for the dashboard to fill in at run time: nothing secret is in the manifest. A Secret
        with one real value among empty ones is still reported, its value count exact."""
        assert by_object("empty-secret.yaml", "BP044") == {
            "Secret/kubernetes-dashboard-certs": [],
            "Secret/kubernetes-dashboard-csrf": [],
            "Secret/kubernetes-dashboard-key-holder": [],
            "Secret/half": [("BP044", "error", "data")],
            "Secret/plain": [("BP044", "error", "stringData")],
        }
        values = [item.finding.value for item in
                  lint([str(REAL / "empty-secret.yaml")], enable=["BP044"]).findings]
        assert values == ["<redacted> (1 value)", "<redacted> (1 value)"]


class TestClusterScoped:
    def test_no_namespace_finding_on_cluster_scoped_kinds(self) -> None:
        """BP043: PodSecurityPolicy and ServiceCIDR are served without a namespace (their
        paths in kubernetes/kubernetes api/openapi-spec, e.g.
        /apis/policy/v1beta1/podsecuritypolicies/{name}, have no namespaces/{namespace}); a
        ConfigMap without one still lands wherever kubectl points."""
        report = lint([str(REAL / "cluster-scoped.yaml")], enable=["BP043"])
        assert [(item.line, item.finding.kind, item.finding.field)
                for item in report.findings] == [
            (23, "ConfigMap", "items[2].metadata.namespace")]


class TestRollout:
    def test_a_service_selecting_a_rollout(self) -> None:
        """An Argo Rollout keeps its pod template where a Deployment does: BP042 points at its
        template labels, and no rule crashes (the trial saw a KeyError reported on the
        Service)."""
        report = lint([str(REAL / "rollout.yaml")])
        assert all(item.finding.field != "<object>" for item in report.findings)
        assert by_object("rollout.yaml", "BP042") == {
            "Service/echo-stable": [],
            "Service/echo-canary": [],
            "Rollout/echo-rollout": [("BP042", "info", "spec.template.metadata.labels")],
        }


class TestNetworkPolicyCoverage:
    def test_an_egress_only_policy_leaves_ingress_open(self) -> None:
        """BP042: ``policyTypes: [Egress]`` does not isolate the pods' ingress; a policy without
        policyTypes implies Ingress even when it only lists egress rules
        (SetDefaults_NetworkPolicy, kubernetes/kubernetes pkg/apis/networking/v1/defaults.go).
        A policy of another namespace selects nothing here."""
        assert by_object("netpol-edge.yaml", "BP042") == {
            "Deployment/a": [("BP042", "info", "spec.template.metadata.labels")],
            "NetworkPolicy/egress-only": [],
            "Deployment/b": [("BP042", "info", "spec.template.metadata.labels")],
            "NetworkPolicy/other-ns": [],
            "Deployment/c": [],
            "NetworkPolicy/ipblock-all": [
                ("BP042", "warning", "spec.ingress[0].from[0].ipBlock.cidr")],
            "Deployment/d": [],
            "NetworkPolicy/no-ingress-key": [],
        }


def said(name: str, rule: str, field_end: str) -> list[str]:
    """``field=value: message`` of each finding of ``rule`` whose field ends with
    ``field_end``, as the text output prints them."""
    return [item.finding.line().split(": ", 2)[2].rsplit(f" ({rule})", 1)[0]
            for item in lint([str(REAL / name)], enable=[rule]).findings
            if item.finding.rule == rule and item.finding.field.endswith(field_end)]


class TestWording:
    def test_bp042_shows_the_labels_it_looked_at(self) -> None:
        """ingress-nginx's controller template has labels: the finding shows them, never
        ``<missing>``."""
        first = lint([str(REAL / "prestop.yaml")], enable=["BP042"]).findings[0].finding
        assert first.name == "ingress-nginx-controller"
        assert first.value == {"app.kubernetes.io/component": "controller",
                               "app.kubernetes.io/instance": "ingress-nginx",
                               "app.kubernetes.io/name": "ingress-nginx",
                               "app.kubernetes.io/part-of": "ingress-nginx",
                               "app.kubernetes.io/version": "1.15.1"}
        assert first.line().startswith(
            "info: Deployment/ingress-nginx-controller: spec.template.metadata.labels="
            "{'app.kubernetes.io/component': 'controller',")

    def test_bp021_loopback_on_a_host_network_pod_is_the_node(self) -> None:
        """The kubelet sends probes from the node, to ``host`` instead of the pod IP
        (kubernetes/kubernetes pkg/kubelet, newRequestForHTTPGetAction: the pod IP when host
        is empty); with hostNetwork the pod IP is the node's, so 127.0.0.1 is the pod's network."""
        node = ("=127.0.0.1: an HTTP handler with a host: on this hostNetwork pod the loopback "
                "address is the node's, which is the pod's own network")
        assert said("speaker.yaml", "BP021", "host") == [
            f"spec.template.spec.containers[0].{probe}.httpGet.host{node}"
            for probe in ("livenessProbe", "readinessProbe")]
        assert said("security-context.yaml", "BP021", "host") == [
            "spec.containers[0].readinessProbe.httpGet.host=127.0.0.1: an HTTP handler with a "
            "loopback host: the kubelet calls the node's loopback, not the pod",
            "spec.containers[0].livenessProbe.httpGet.host=example.com: an HTTP handler that "
            "reaches another host than the pod"]

    def test_bp041_run_as_user_is_not_root(self) -> None:
        """kubernetes/website's security-context.yaml runs as UID 1000: Restricted still asks
        for runAsNonRoot (pod-security-admission policy/check_runAsNonRoot.go), but the pod
        does not "may run as root"."""
        assert said("security-context.yaml", "BP041", "runAsNonRoot") == [
            "spec.containers[0].securityContext.runAsNonRoot=<missing>: restricted Pod Security, "
            "Running as Non-root: runAsNonRoot is set on neither the pod nor the container "
            "(runAsUser 1000 already runs it as a non-root user; the policy asks for the field "
            "all the same)",
            "spec.containers[0].securityContext.runAsNonRoot=<missing>: restricted Pod Security, "
            "Running as Non-root: may run as root: runAsNonRoot is set on neither the pod nor "
            "the container"]


class TestServedApis:
    def test_every_built_in_version_the_target_does_not_serve(self) -> None:
        """BP007 beyond the deprecation guide: batch/v2alpha1 (gone long before 1.25),
        resource.k8s.io/v1alpha2 (schemas 1.27 to 1.30), networking.k8s.io/v1alpha1
        ClusterCIDR (1.25 to 1.28: no longer skipped as a custom resource). A custom
        resource's group is not judged."""
        assert by_object("more-apis.yaml", "BP007") == {
            "CronJob/cj2": [("BP007", "error", "apiVersion")],
            "DeviceClass/dc3": [("BP007", "error", "apiVersion")],
            "ClusterCIDR/cc": [("BP007", "error", "apiVersion")],
            "ValidatingAdmissionPolicy/vap": [("BP007", "error", "apiVersion")],
            "VolumeAttributesClass/vac": [("BP007", "error", "apiVersion")],
            "Deployment/old": [("BP007", "error", "apiVersion")],
            "NetworkPolicy/np": [("BP007", "error", "apiVersion")],
            "PodSecurityPolicy/psp2": [("BP007", "error", "apiVersion")],
            "ResourceClaim/rc": [("BP007", "error", "apiVersion")],
            "Widget/w": [],
        }
        texts = [item.finding.line() for item in
                 lint([str(REAL / "more-apis.yaml")], enable=["BP007"]).findings]
        assert ("error: CronJob/cj2: apiVersion=batch/v2alpha1: no Kubernetes release since 1.25 "
                "serves CronJob at batch/v2alpha1 (target 1.35): the API server refuses the "
                "object (BP007); use apiVersion: batch/v1") in texts
        assert ("error: ResourceClaim/rc: apiVersion=resource.k8s.io/v1alpha2: ResourceClaim "
                "resource.k8s.io/v1alpha2 is not served from Kubernetes 1.31 (target 1.35): the "
                "API server refuses the object (BP007); use apiVersion: resource.k8s.io/v1"
                ) in texts

    def test_judged_against_the_target(self) -> None:
        """Kubernetes 1.30 still serves resource.k8s.io/v1alpha2 and storage.k8s.io/v1alpha1
        VolumeAttributesClass (their schemas are in kubernetes-validate's 1.30)."""
        report = lint([str(REAL / "more-apis.yaml")], enable=["BP007"], kube_version=(1, 30))
        names = {item.finding.name for item in report.findings}
        assert "rc" not in names and "vac" not in names
        assert {"cj2", "cc", "dc3"} <= names  # dc3: resource.k8s.io/v1alpha3 is 1.31 to 1.33

    def test_the_table_is_generated_from_the_schemas(self) -> None:
        from blueprints.rules.apis import SERVED, generate_served

        assert generate_served() == SERVED, (
            "blueprints/rules/_served.py is out of date: run `python -m blueprints.rules.apis`")


class TestShellPid1:
    def test_a_single_simple_command_is_execed(self) -> None:
        """BP027: dash (and busybox ash) runs the last command of a ``-c`` string without
        forking (evalstring, src/eval.c: EV_EXIT at the parser's end), bash a lone simple
        command without redirections (should_suppress_fork, builtins/evalstring.c): ``sh -c
        "sleep 1h"`` leaves sleep as PID 1. A loop, ``a && b`` or a redirection is still
        flagged (bash forks for them); ``exec`` on the last command is not."""
        assert by_object("shell-pid1.yaml", "BP027") == {
            "Pod/security-context-demo": [],
            "Deployment/myapp": [("BP027", "warning", "spec.template.spec.containers[0].command")],
            "DaemonSet/speaker": [],
            "Pod/scripts": [("BP027", "warning", "spec.containers[0].command"),
                            ("BP027", "warning", "spec.containers[1].command")],
        }


class TestHostNetworkPorts:
    def test_defaulted_host_ports_are_reported(self) -> None:
        """metallb's speaker runs with hostNetwork and declares three container ports without
        hostPort: the API server defaults each hostPort to its containerPort (SetDefaults_Pod,
        kubernetes/kubernetes pkg/apis/core/v1/defaults.go, defaultHostNetworkPorts), so Pod
        Security admission refuses its Pods for Host Ports as well as Host Namespaces."""
        found = by_object("speaker.yaml", "BP041")["DaemonSet/speaker"]
        errors = [field for _, severity, field in found if severity == "error"]
        assert errors == [  # in line order
            "spec.template.spec.containers[0].livenessProbe.httpGet.host",
            "spec.template.spec.containers[0].ports[0].hostPort",
            "spec.template.spec.containers[0].ports[1].hostPort",
            "spec.template.spec.containers[0].ports[2].hostPort",
            "spec.template.spec.containers[0].readinessProbe.httpGet.host",
            "spec.template.spec.containers[0].securityContext.capabilities.add[0]",
            "spec.template.spec.hostNetwork"]
        assert said("speaker.yaml", "BP041", "ports[0].hostPort") == [
            "spec.template.spec.containers[0].ports[0].hostPort=<missing>: baseline Pod "
            "Security, Host Ports: with hostNetwork the API server sets hostPort to the "
            "containerPort (9120), a port on the node"]


class TestRequiredFields:
    def test_missing_containers_or_spec_is_a_manifest_error(self) -> None:
        """The Kubernetes 1.35 OpenAPI schemas require PodSpec.containers and the workload
        specs' template (jobTemplate for a CronJob); ``null`` is absent and an empty list is
        refused as well. A ReplicaSet's template is optional in its schema: only a template
        that is there must hold containers."""
        report = lint([str(REAL / "required.yaml")], enable=["BP001"])
        assert [(item.line, item.finding.name, item.finding.field, item.finding.message,
                 item.finding.fix) for item in report.findings] == [
            (5, "nc", "spec.containers",
             "required: the API server refuses the object without it", "set it"),
            (7, "nospec", "spec", "required: the API server refuses the object without it",
             "set it"),
            (16, "empty", "spec.jobTemplate.spec.template.spec.containers",
             "must not be empty: the API server refuses it", "set it")]


class TestCrashPlace:
    def test_a_set_rule_crash_lands_on_the_object_that_causes_it(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The trial saw a set rule's TypeError reported on a valid Pod at line 1: a crash is
        now attributed to the first object that makes the rule raise on its own."""
        from collections.abc import Iterator, Mapping, Sequence
        from typing import Any

        from blueprints.rules import Context
        from blueprints.rules._registry import RULES, Rule, Violation

        def fragile(manifests: Sequence[Mapping[str, Any]],
                    context: Context) -> Iterator[tuple[int, Violation]]:
            keys = {(m.get("metadata") or {}).get("namespace") for m in manifests}  # unhashable
            yield from ()
            assert keys is not None

        monkeypatch.setitem(RULES, "BP043", [Rule("BP043", "fragile", set_check=fragile)])
        report = lint([str(REAL / "typeerror.yaml")], enable=["BP043"])
        crashed = [(item.line, item.finding.name) for item in report.findings
                   if item.finding.field == "<object>"]
        assert crashed == [(7, "bad")]  # the line of its document

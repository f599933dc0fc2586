"""The Pod Security Standards evaluator, table-driven from upstream.

Every row is one value of one control at one level, taken from the Pod Security Standards page
(``kubernetes/website``, ``content/en/docs/concepts/security/pod-security-standards.md``: its
"Allowed Values" and the fields it restricts) and, where the level changes with the version, from
the admission controller (``kubernetes/pod-security-admission``, ``policy/check_*.go``). A row
says which level the pod meets afterwards: ``restricted`` (the value is allowed everywhere),
``baseline`` (restricted forbids it) or ``privileged`` (baseline forbids it).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from blueprints.cli.main import app
from blueprints.kube import SUPPORTED
from blueprints.release.output import MARKER
from blueprints.release.synth import synthesize
from blueprints.rules import check, suppressions
from blueprints.rules._objects import pod_spec
from blueprints.rules.pod_security import (
    _CHECKS,
    CONTROLS,
    PodSecurityViolation,
    _Pod,
    evaluate,
    safe_sysctls,
    strictest_level,
)
from tests.conftest import EXAMPLE_NAMES, EXAMPLES, load_all

Spec = dict[str, Any]
Mutation = Callable[[Spec, Spec], None]
LISTS = ("initContainers", "containers", "ephemeralContainers")
runner = CliRunner()
V = (1, 35)


def restricted_pod() -> tuple[Spec, Spec]:
    """A pod that meets restricted, with one container in each list."""
    def container(name: str) -> Spec:
        return {"name": name, "image": "registry.k8s.io/pause:3.10", "securityContext": {
            "allowPrivilegeEscalation": False, "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}}}
    spec = {key: [container(key.lower())] for key in LISTS}
    return spec, {"labels": {"app": "x"}}


def level_after(mutate: Mutation, version: tuple[int, int] = V) -> str:
    spec, metadata = restricted_pod()
    mutate(spec, metadata)
    return strictest_level([(spec, metadata)], version)


def violations_after(mutate: Mutation, version: tuple[int, int] = V) -> list[PodSecurityViolation]:
    spec, metadata = restricted_pod()
    mutate(spec, metadata)
    return evaluate(spec, metadata, version)


# Mutations, each naming the field it sets.
def pod(**fields: Any) -> Mutation:
    return lambda spec, _: spec.update(copy.deepcopy(fields))


def pod_sc(**fields: Any) -> Mutation:
    return lambda spec, _: spec.setdefault("securityContext", {}).update(copy.deepcopy(fields))


def sc(key: str, **fields: Any) -> Mutation:
    return lambda spec, _: spec[key][0]["securityContext"].update(copy.deepcopy(fields))


def container(key: str, **fields: Any) -> Mutation:
    return lambda spec, _: spec[key][0].update(copy.deepcopy(fields))


def annotation(name: str, value: str) -> Mutation:
    return lambda _, metadata: metadata.setdefault("annotations", {}).update({name: value})


def both(*mutations: Mutation) -> Mutation:
    def apply(spec: Spec, metadata: Spec) -> None:
        for m in mutations:
            m(spec, metadata)
    return apply


def drop(key: str, field: str) -> Mutation:
    return lambda spec, _: spec[key][0]["securityContext"].pop(field)


def test_the_base_pod_meets_restricted_on_every_version() -> None:
    for version in SUPPORTED:
        spec, metadata = restricted_pod()
        assert evaluate(spec, metadata, version) == []


# --- baseline -------------------------------------------------------------------------------

class TestHostProcess:
    @pytest.mark.parametrize(("value", "level"), [(False, "restricted"), (True, "privileged")])
    def test_pod(self, value: bool, level: str) -> None:
        assert level_after(pod_sc(windowsOptions={"hostProcess": value})) == level

    @pytest.mark.parametrize("key", LISTS)
    @pytest.mark.parametrize(("value", "level"), [(False, "restricted"), (True, "privileged")])
    def test_container(self, key: str, value: bool, level: str) -> None:
        assert level_after(sc(key, windowsOptions={"hostProcess": value})) == level


class TestHostNamespaces:
    @pytest.mark.parametrize("field", ["hostNetwork", "hostPID", "hostIPC"])
    @pytest.mark.parametrize(("value", "level"), [(False, "restricted"), (True, "privileged")])
    def test_values(self, field: str, value: bool, level: str) -> None:
        assert level_after(pod(**{field: value})) == level

    def test_each_is_named(self) -> None:
        found = violations_after(pod(hostNetwork=True, hostPID=True, hostIPC=True))
        assert [(v.control, v.level, v.field) for v in found] == [
            ("Host Namespaces", "baseline", "spec.hostNetwork"),
            ("Host Namespaces", "baseline", "spec.hostPID"),
            ("Host Namespaces", "baseline", "spec.hostIPC")]


class TestPrivileged:
    @pytest.mark.parametrize("key", LISTS)
    @pytest.mark.parametrize(("value", "level"), [(False, "restricted"), (True, "privileged")])
    def test_values(self, key: str, value: bool, level: str) -> None:
        assert level_after(sc(key, privileged=value)) == level

    def test_advice_is_one_the_api_server_accepts(self) -> None:
        """The API refuses allowPrivilegeEscalation: false beside privileged: true
        (kubernetes/kubernetes pkg/apis/core/validation/validation.go, ValidateSecurityContext),
        so the advice removes privileged first and never suggests that pair."""
        found = violations_after(both(sc("containers", privileged=True),
                                      drop("containers", "allowPrivilegeEscalation")))
        by_control = {v.control: v for v in found}
        assert "allowPrivilegeEscalation" not in by_control["Privileged Containers"].fix
        assert by_control["Privileged Containers"].fix.startswith("remove privileged: true")
        assert by_control["Privilege Escalation"].fix.startswith(
            "remove privileged: true, then set allowPrivilegeEscalation: false")

    def test_cap_sys_admin_is_removed_before_privilege_escalation_is_turned_off(self) -> None:
        found = violations_after(both(
            sc("containers", capabilities={"add": ["CAP_SYS_ADMIN"], "drop": ["ALL"]}),
            drop("containers", "allowPrivilegeEscalation")))
        escalation = next(v for v in found if v.control == "Privilege Escalation")
        assert escalation.fix.startswith("remove CAP_SYS_ADMIN from capabilities.add, then")


DEFAULT_CAPABILITIES = ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL",
                        "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID",
                        "SYS_CHROOT"]


class TestCapabilities:
    @pytest.mark.parametrize("key", LISTS)
    @pytest.mark.parametrize("cap", DEFAULT_CAPABILITIES)
    def test_baseline_allows_the_default_set(self, key: str, cap: str) -> None:
        # restricted allows adding back only NET_BIND_SERVICE
        level = "restricted" if cap == "NET_BIND_SERVICE" else "baseline"
        assert level_after(sc(key, capabilities={"drop": ["ALL"], "add": [cap]})) == level

    @pytest.mark.parametrize("key", LISTS)
    @pytest.mark.parametrize("cap", ["SYS_ADMIN", "NET_RAW", "IPC_LOCK", "NET_ADMIN",
                                     "SYS_PTRACE", "ALL", "CAP_CHOWN"])
    def test_baseline_forbids_the_rest(self, key: str, cap: str) -> None:
        # PSA compares names exactly: CAP_CHOWN is not in the list (check_capabilities_baseline.go)
        assert level_after(sc(key, capabilities={"drop": ["ALL"], "add": [cap]})) == "privileged"

    @pytest.mark.parametrize("key", LISTS)
    @pytest.mark.parametrize(("dropped", "level"), [
        (["ALL"], "restricted"), (["NET_RAW", "ALL"], "restricted"), ([], "baseline"),
        (["NET_RAW"], "baseline"), (None, "baseline")])
    def test_restricted_drops_all(self, key: str, dropped: list[str] | None, level: str) -> None:
        caps = {} if dropped is None else {"drop": dropped}
        assert level_after(sc(key, capabilities=caps)) == level

    def test_nothing_is_said_twice(self) -> None:
        found = violations_after(sc("containers", capabilities={
            "drop": ["ALL"], "add": ["SYS_ADMIN", "CHOWN", "NET_BIND_SERVICE"]}))
        assert [(v.level, v.value) for v in found] == [
            ("baseline", "SYS_ADMIN"), ("restricted", "CHOWN")]
        assert found[0].field == "spec.containers[0].securityContext.capabilities.add[0]"


class TestHostPathVolumes:
    def test_forbidden_by_baseline(self) -> None:
        found = violations_after(pod(volumes=[{"name": "data", "hostPath": {"path": "/data"}}]))
        assert [(v.control, v.level, v.field, v.value) for v in found] == [
            ("HostPath Volumes", "baseline", "spec.volumes[0].hostPath", "/data")]


class TestHostPorts:
    @pytest.mark.parametrize("key", LISTS)
    @pytest.mark.parametrize(("host_port", "level"), [(None, "restricted"), (0, "restricted"),
                                                      (8080, "privileged")])
    def test_values(self, key: str, host_port: int | None, level: str) -> None:
        port: Spec = {"containerPort": 8080}
        if host_port is not None:
            port["hostPort"] = host_port
        assert level_after(container(key, ports=[port])) == level


HANDLERS = [(probe, action) for probe in ("livenessProbe", "readinessProbe", "startupProbe")
            for action in ("httpGet", "tcpSocket")]


class TestHostProbesAndLifecycleHooks:
    """Baseline from v1.34 (check_hostProbesAndhostLifecycle.go)."""

    @pytest.mark.parametrize("key", LISTS)
    @pytest.mark.parametrize(("probe", "action"), HANDLERS)
    @pytest.mark.parametrize(("host", "version", "level"), [
        ("", (1, 34), "restricted"), ("10.0.0.1", (1, 34), "privileged"),
        ("localhost", (1, 37), "privileged"), ("10.0.0.1", (1, 33), "restricted")])
    def test_probes(self, key: str, probe: str, action: str, host: str,
                    version: tuple[int, int], level: str) -> None:
        mutation = container(key, **{probe: {action: {"port": 8080, "host": host}}})
        assert level_after(mutation, version) == level

    @pytest.mark.parametrize("hook", ["postStart", "preStop"])
    @pytest.mark.parametrize("action", ["httpGet", "tcpSocket"])
    @pytest.mark.parametrize(("host", "level"), [("", "restricted"), ("example.com", "privileged")])
    def test_lifecycle_hooks(self, hook: str, action: str, host: str, level: str) -> None:
        mutation = container("containers", lifecycle={hook: {action: {"port": 80, "host": host}}})
        assert level_after(mutation) == level
        if level == "privileged":
            (v,) = violations_after(mutation)
            assert v.field == f"spec.containers[0].lifecycle.{hook}.{action}.host"


class TestAppArmor:
    @pytest.mark.parametrize(("profile", "level"), [
        ({"type": "RuntimeDefault"}, "restricted"),
        ({"type": "Localhost", "localhostProfile": "k8s-apparmor-example"}, "restricted"),
        ({"type": "Unconfined"}, "privileged")])
    def test_fields(self, profile: Spec, level: str) -> None:
        assert level_after(pod_sc(appArmorProfile=profile)) == level
        for key in LISTS:
            assert level_after(sc(key, appArmorProfile=profile)) == level

    @pytest.mark.parametrize(("value", "level"), [
        ("runtime/default", "restricted"), ("localhost/k8s-apparmor-example", "restricted"),
        ("unconfined", "privileged")])
    def test_annotations(self, value: str, level: str) -> None:
        key = "container.apparmor.security.beta.kubernetes.io/containers"
        assert level_after(annotation(key, value)) == level
        if level == "privileged":
            (v,) = violations_after(annotation(key, value))
            assert v.field == f"metadata.annotations[{key!r}]"


class TestSELinux:
    @pytest.mark.parametrize(("options", "version", "level"), [
        ({"type": ""}, V, "restricted"),
        ({"type": "container_t"}, V, "restricted"),
        ({"type": "container_init_t"}, V, "restricted"),
        ({"type": "container_kvm_t"}, V, "restricted"),
        ({"type": "container_engine_t"}, (1, 31), "restricted"),  # since 1.31
        ({"type": "container_engine_t"}, (1, 30), "privileged"),
        ({"type": "spc_t"}, V, "privileged"),
        ({"level": "s0:c123,c456"}, V, "restricted"),
        ({"user": "system_u"}, V, "privileged"),
        ({"role": "sysadm_r"}, V, "privileged"),
    ])
    def test_values(self, options: Spec, version: tuple[int, int], level: str) -> None:
        assert level_after(pod_sc(seLinuxOptions=options), version) == level
        for key in LISTS:
            assert level_after(sc(key, seLinuxOptions=options), version) == level


class TestProcMount:
    @pytest.mark.parametrize("key", LISTS)
    @pytest.mark.parametrize(("value", "level"), [("Default", "restricted"),
                                                  ("Unmasked", "privileged")])
    def test_values(self, key: str, value: str, level: str) -> None:
        assert level_after(sc(key, procMount=value)) == level

    @pytest.mark.parametrize(("version", "level"), [((1, 34), "privileged"),
                                                    ((1, 35), "baseline")])
    def test_user_namespaces_relax_baseline_from_1_35(self, version: tuple[int, int],
                                                      level: str) -> None:
        mutation = both(pod(hostUsers=False), sc("containers", procMount="Unmasked"))
        assert level_after(mutation, version) == level


class TestSeccomp:
    @pytest.mark.parametrize(("profile", "level"), [
        ({"type": "RuntimeDefault"}, "restricted"),
        ({"type": "Localhost", "localhostProfile": "profiles/audit.json"}, "restricted"),
        ({"type": "Unconfined"}, "privileged")])
    def test_values(self, profile: Spec, level: str) -> None:
        assert level_after(pod_sc(seccompProfile=profile)) == level
        for key in LISTS:
            assert level_after(sc(key, seccompProfile=profile)) == level

    def test_restricted_requires_a_profile(self) -> None:
        unset = both(*(drop(key, "seccompProfile") for key in LISTS))
        assert level_after(unset) == "baseline"
        assert level_after(both(unset, pod_sc(seccompProfile={"type": "RuntimeDefault"}))) == (
            "restricted")
        found = violations_after(unset)
        assert [(v.control, v.level) for v in found] == [("Seccomp", "restricted")] * 3


SYSCTLS_SINCE = [
    ("kernel.shm_rmid_forced", 0), ("net.ipv4.ip_local_port_range", 0),
    ("net.ipv4.ip_unprivileged_port_start", 0), ("net.ipv4.tcp_syncookies", 0),
    ("net.ipv4.ping_group_range", 0), ("net.ipv4.ip_local_reserved_ports", 27),
    ("net.ipv4.tcp_keepalive_time", 29), ("net.ipv4.tcp_fin_timeout", 29),
    ("net.ipv4.tcp_keepalive_intvl", 29), ("net.ipv4.tcp_keepalive_probes", 29),
    ("net.ipv4.tcp_rmem", 32), ("net.ipv4.tcp_wmem", 32),
    ("net.ipv4.tcp_slow_start_after_idle", 37), ("net.ipv4.tcp_notsent_lowat", 37),
]


class TestSysctls:
    @pytest.mark.parametrize(("name", "since"), SYSCTLS_SINCE)
    @pytest.mark.parametrize("version", SUPPORTED)
    def test_safe_sysctls_by_version(self, name: str, since: int,
                                     version: tuple[int, int]) -> None:
        mutation = pod_sc(sysctls=[{"name": name, "value": "1"}])
        expected = "restricted" if version[1] >= since else "privileged"
        assert level_after(mutation, version) == expected

    @pytest.mark.parametrize("name", ["kernel.msgmax", "net.core.somaxconn", "vm.max_map_count"])
    def test_unsafe(self, name: str) -> None:
        (v,) = violations_after(pod_sc(sysctls=[{"name": "kernel.shm_rmid_forced", "value": "0"},
                                                {"name": name, "value": "1"}]))
        assert (v.control, v.level, v.field, v.value) == (
            "Sysctls", "baseline", "spec.securityContext.sysctls[1].name", name)

    def test_the_table_is_the_function(self) -> None:
        assert safe_sysctls((1, 37)) == {name for name, _ in SYSCTLS_SINCE}


# --- restricted -----------------------------------------------------------------------------

ALLOWED_VOLUMES: list[Spec] = [
    {"configMap": {"name": "c"}}, {"csi": {"driver": "d"}}, {"downwardAPI": {"items": []}},
    {"emptyDir": {}}, {"ephemeral": {"volumeClaimTemplate": {"spec": {}}}},
    {"persistentVolumeClaim": {"claimName": "c"}}, {"projected": {"sources": []}},
    {"secret": {"secretName": "s"}}, {"image": {"reference": "registry.k8s.io/pause:3.10"}},
    {},  # no source: the API server defaults it to emptyDir before admission
]
RESTRICTED_VOLUMES = ["gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi",
                      "glusterfs", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "fc",
                      "azureFile", "vsphereVolume", "quobyte", "azureDisk", "portworxVolume",
                      "scaleIO", "storageos", "photonPersistentDisk"]


class TestVolumeTypes:
    @pytest.mark.parametrize("source", ALLOWED_VOLUMES, ids=lambda s: next(iter(s), "none"))
    def test_allowed(self, source: Spec) -> None:
        assert level_after(pod(volumes=[{"name": "v", **source}])) == "restricted"

    @pytest.mark.parametrize("kind", RESTRICTED_VOLUMES)
    def test_restricted(self, kind: str) -> None:
        (v,) = violations_after(pod(volumes=[{"name": "v", kind: {"x": "y"}}]))
        assert (v.control, v.level, v.field) == ("Volume Types", "restricted",
                                                  f"spec.volumes[0].{kind}")


class TestPrivilegeEscalation:
    @pytest.mark.parametrize("key", LISTS)
    @pytest.mark.parametrize(("value", "level"), [(False, "restricted"), (True, "baseline"),
                                                  (None, "baseline")])
    def test_values(self, key: str, value: bool | None, level: str) -> None:
        mutation = sc(key, allowPrivilegeEscalation=value) if value is not None else drop(
            key, "allowPrivilegeEscalation")
        assert level_after(mutation) == level

    def test_linux_only_from_1_25(self) -> None:
        """Privilege Escalation, Seccomp and Capabilities are Linux-only controls."""
        linux_only = both(*(drop(key, field) for key in LISTS
                            for field in ("allowPrivilegeEscalation", "seccompProfile",
                                          "capabilities")))
        assert level_after(linux_only) == "baseline"
        assert level_after(both(linux_only, pod(os={"name": "windows"}))) == "restricted"


class TestRunningAsNonRoot:
    @pytest.mark.parametrize(("mutation", "level"), [
        (both(pod_sc(runAsNonRoot=True), *(drop(k, "runAsNonRoot") for k in LISTS)),
         "restricted"),
        (sc("containers", runAsNonRoot=False), "baseline"),
        (pod_sc(runAsNonRoot=False), "baseline"),
        (drop("initContainers", "runAsNonRoot"), "baseline"),
    ])
    def test_values(self, mutation: Mutation, level: str) -> None:
        assert level_after(mutation) == level

    @pytest.mark.parametrize(("version", "level"), [((1, 34), "baseline"),
                                                    ((1, 35), "restricted")])
    def test_user_namespaces_relax_it_from_1_35(self, version: tuple[int, int],
                                               level: str) -> None:
        mutation = both(pod(hostUsers=False), *(drop(k, "runAsNonRoot") for k in LISTS))
        assert level_after(mutation, version) == level


class TestRunningAsNonRootUser:
    @pytest.mark.parametrize("where", ["pod", *LISTS])
    @pytest.mark.parametrize(("uid", "level"), [(1000, "restricted"), (0, "baseline")])
    def test_values(self, where: str, uid: int, level: str) -> None:
        mutation = pod_sc(runAsUser=uid) if where == "pod" else sc(where, runAsUser=uid)
        assert level_after(mutation) == level

    @pytest.mark.parametrize(("version", "level"), [((1, 34), "baseline"),
                                                    ((1, 35), "restricted")])
    def test_user_namespaces_relax_it_from_1_35(self, version: tuple[int, int],
                                               level: str) -> None:
        assert level_after(both(pod(hostUsers=False), pod_sc(runAsUser=0)), version) == level


# --- across controls ------------------------------------------------------------------------

def test_every_control_can_be_reported() -> None:
    """Each control of the table has a row above that breaks it."""
    bad = both(
        pod(hostNetwork=True, volumes=[{"name": "h", "hostPath": {"path": "/"}},
                                       {"name": "n", "nfs": {"server": "s", "path": "/"}}]),
        pod_sc(sysctls=[{"name": "kernel.msgmax", "value": "1"}], runAsUser=0,
               windowsOptions={"hostProcess": True}),
        sc("containers", privileged=True, procMount="Unmasked", runAsNonRoot=False,
           allowPrivilegeEscalation=True, seccompProfile={"type": "Unconfined"},
           appArmorProfile={"type": "Unconfined"}, seLinuxOptions={"user": "u"},
           capabilities={"add": ["NET_RAW"]}),
        container("containers", ports=[{"containerPort": 1, "hostPort": 1}],
                  readinessProbe={"tcpSocket": {"port": 1, "host": "h"}}),
    )
    found = violations_after(bad)
    assert {v.control for v in found} == set(CONTROLS)
    assert all(v.level == CONTROLS[v.control] or v.control in ("Capabilities", "Seccomp")
               for v in found)
    levels = [v.level for v in found]
    assert levels == sorted(levels)  # baseline first


def test_strictest_level_of_several_pods() -> None:
    good, meta = restricted_pod()
    loose = copy.deepcopy(good)
    loose["containers"][0]["securityContext"].pop("runAsNonRoot")
    host = copy.deepcopy(good)
    host["hostPID"] = True
    assert strictest_level([], V) == "restricted"
    assert strictest_level([(good, meta)], V) == "restricted"
    assert strictest_level([(good, meta), (loose, meta)], V) == "baseline"
    assert strictest_level([(loose, meta), (host, meta), (good, meta)], V) == "privileged"


def test_malformed_specs_never_raise() -> None:
    for spec in ({"containers": "x"}, {"containers": [None, 1, {"securityContext": "x"}]},
                 {"securityContext": [], "volumes": [None, "x"]},
                 {"containers": [{"securityContext": {"capabilities": {"add": None}}}]}):
        evaluate(spec, {"annotations": None}, V)


# --- what blueprint builds, and what synth refuses -------------------------------------------

class TestConstructs:
    @pytest.mark.parametrize("name", EXAMPLE_NAMES)
    def test_examples_meet_restricted_unless_an_opt_out_is_recorded(self, name: str) -> None:
        """Every pod the constructs build meets restricted on every supported version, except
        for what the object's BP041 opt-out names (hostPath node agents, allow_root, ...)."""
        manifests = load_all("".join(synthesize(EXAMPLES / name, kube_version=V)
                                     .files.values()))
        pods = [m for m in manifests if pod_spec(m) is not None]
        assert pods, name
        for manifest in pods:
            prefix, spec = pod_spec(manifest)  # type: ignore[misc]
            metadata: Any = manifest
            for key in (prefix[: -len("spec")] + "metadata").split("."):
                metadata = metadata.get(key, {})
            reason = suppressions(manifest).get("BP041", "")
            for version in SUPPORTED:
                for v in evaluate(spec, metadata, version):
                    # the recorded opt-out names what it loosens
                    assert OPT_OUT_WORDS.get(v.control, "<none>") in reason, (
                        manifest["metadata"]["name"], v, reason)


# What a construct's BP041 opt-out says for each control it may loosen.
OPT_OUT_WORDS = {"HostPath Volumes": "hostPath", "Running as Non-root": "root",
                 "Running as Non-root user": "root", "Privileged Containers": "privileged"}


BLUEPRINT = """\
import cdk8s
from blueprints import App, Release, WebApp
app = App()
shop = Release(app, 'shop', version='1.0.0')
web = WebApp(shop, 'web', image='nginx:1.27.3')
web.api_object("Deployment").add_json_patch({patches})
app.synth()
"""


def patch(path: str, value: object) -> str:
    return f"cdk8s.JsonPatch.add({'/spec/template/spec' + path!r}, {value!r})"


C = "spec.template.spec.containers[0]"


class TestSynthRefuses:
    """Synth refuses what Pod Security refuses: baseline and restricted alike in what blueprint
    builds (an escape hatch may loosen a pod), unless the object records an opt-out."""

    @pytest.fixture
    def project(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
        monkeypatch.chdir(tmp_path)

        def make(patches: str) -> Path:
            folder = tmp_path / "svc"
            folder.mkdir()
            (folder / "blueprint.py").write_text(BLUEPRINT.format(patches=patches))
            (folder / "dist").mkdir()
            (folder / "dist" / "shop.k8s.yaml").write_text(f"{MARKER}previous output\n")
            return folder

        return make

    @pytest.mark.parametrize(("patches", "line"), [
        (patch("/containers/0/securityContext/privileged", True),
         f"error: Deployment/web: {C}.securityContext.privileged=True: baseline Pod Security, "
         "Privileged Containers: a privileged container has every capability and the node's "
         "devices (BP041); remove privileged: true (or set it to false); a node agent that "
         "needs it runs in a namespace labelled pod-security.kubernetes.io/enforce: privileged"),
        (patch("/hostNetwork", True),
         "error: Deployment/web: spec.template.spec.hostNetwork=True: baseline Pod Security, "
         "Host Namespaces: the pod shares the node's network (BP041); remove hostNetwork (or set "
         "it to false); a node agent that needs it runs in a namespace labelled "
         "pod-security.kubernetes.io/enforce: privileged"),
        (patch("/containers/0/securityContext/capabilities/add", ["NET_RAW"]),
         f"error: Deployment/web: {C}.securityContext.capabilities.add[0]=NET_RAW: baseline Pod "
         "Security, Capabilities: adds NET_RAW, beyond the container runtime's default set "
         "(BP041); remove NET_RAW from capabilities.add; a node agent that needs it runs in a "
         "namespace labelled pod-security.kubernetes.io/enforce: privileged"),
        (patch("/containers/0/securityContext/capabilities/add", ["CHOWN"]),
         f"error: Deployment/web: {C}.securityContext.capabilities.add[0]=CHOWN: restricted Pod "
         "Security, Capabilities: adds CHOWN: restricted allows adding only NET_BIND_SERVICE "
         "(BP041); remove CHOWN from capabilities.add"),
        (patch("/securityContext/sysctls", [{"name": "net.core.somaxconn", "value": "1024"}]),
         "error: Deployment/web: spec.template.spec.securityContext.sysctls[0].name="
         "net.core.somaxconn: baseline Pod Security, Sysctls: sysctl net.core.somaxconn is not "
         "one of the safe, namespaced sysctls of Kubernetes 1.35 (BP041); remove it; set "
         "node-wide kernel settings on the node, not in a pod"),
    ])
    def test_one_line_exit_1_nothing_written(self, project: Callable[[str], Path], patches: str,
                                             line: str) -> None:
        folder = project(patches)
        result = runner.invoke(app, ["synth", str(folder)])
        assert result.exit_code == 1, result.output
        assert result.stderr.splitlines() == [line]
        assert (folder / "dist" / "shop.k8s.yaml").read_text() == f"{MARKER}previous output\n"

    def test_a_recorded_opt_out_is_accepted(self, project: Callable[[str], Path]) -> None:
        folder = project(", ".join([
            patch("/hostNetwork", True),
            "cdk8s.JsonPatch.add('/metadata/annotations/blueprint.dev~1ignore', "
            "'BP041: node-local DNS cache needs the node network')"]))
        result = runner.invoke(app, ["synth", str(folder)])
        assert result.exit_code == 0, result.output
        namespace, *objects = load_all((folder / "dist" / "shop.k8s.yaml").read_text())
        (deploy,) = [o for o in objects if o["kind"] == "Deployment"]
        assert deploy["spec"]["template"]["spec"]["hostNetwork"] is True
        # the Namespace admits it: the label follows the same evaluation
        assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == (
            "privileged")


class TestWindowsAdvice:
    """Fields that "cannot be set when spec.os.name is windows" (the API's field descriptions
    in the 1.35 OpenAPI schema) are never advised for a Windows pod."""

    def test_no_linux_only_field_is_advised(self) -> None:
        manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "w", "namespace": "n"},
                    "spec": {"os": {"name": "windows"}, "automountServiceAccountToken": False,
                             "containers": [{"name": "c", "image": "mcr.microsoft.com/x:1"}]}}
        found = check([manifest], select=["BP041"])
        assert [(f.field, f.fix) for f in found] == [
            ("spec.containers[0].securityContext.runAsNonRoot",
             "set runAsNonRoot: true (and windowsOptions.runAsUserName to a non-admin user)")]


_FIELDS = ["privileged", "capabilities", "add", "drop", "hostPort", "ports", "seccompProfile",
           "type", "runAsUser", "runAsNonRoot", "procMount", "sysctls", "name", "volumes",
           "hostPath", "nfs", "hostNetwork", "windowsOptions", "hostProcess", "seLinuxOptions",
           "appArmorProfile", "readinessProbe", "httpGet", "host", "lifecycle", "preStop",
           "securityContext", "containers", "initContainers", "hostUsers", "os", "annotations"]
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-1, 70000) | st.floats(allow_nan=True)
    | st.sampled_from(["ALL", "Unconfined", "RuntimeDefault", "Unmasked", "windows", "x", ""]),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(_FIELDS), inner, max_size=4),
    max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(_FIELDS), _VALUES, max_size=6),
       st.dictionaries(st.sampled_from(_FIELDS), _VALUES, max_size=2),
       st.sampled_from(SUPPORTED))
def test_any_input_evaluates_without_raising(spec: Spec, metadata: Spec,
                                             version: tuple[int, int]) -> None:
    found = evaluate(spec, metadata, version)
    assert all(v.control in CONTROLS and v.level in ("baseline", "restricted") for v in found)
    # evaluate skips the controls whose fields the pod does not use: running all gives the same
    every: list[PodSecurityViolation] = []
    for check_, _ in _CHECKS:
        check_(_Pod(spec, metadata, version), every)
    assert found == sorted(every, key=lambda v: v.level != "baseline")
    level = strictest_level([(spec, metadata)], version)
    assert (level == "restricted") == (found == [])

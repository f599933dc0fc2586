"""Pod lifecycle: BP010 Service names, BP011 stable identity, BP016/BP017 probes,
BP022/BP023 shutdown, BP024 termination messages."""

from __future__ import annotations

import ipaddress
import re
import shlex
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from blueprints._lazy import LazyPattern
from blueprints.core.names import is_ip_literal
from blueprints.rules._objects import (
    LONG_RUNNING,
    SelectorIndex,
    containers,
    is_long_running,
    name_of,
    namespace_of,
    of_kinds,
    pod_labels,
    pod_spec,
    shared,
    with_pod_spec,
)
from blueprints.rules._registry import Context, Violation, object_rule, set_rule

__all__ = [
    "app_gets_the_stop_signal",
    "grace_covers_pause",
    "liveness_differs_from_readiness",
    "no_host_in_http_handlers",
    "no_ip_literals",
    "post_start_is_visible",
    "pre_stop_pause",
    "readiness_behind_services",
    "readiness_on_serving_containers",
    "stateful_set_has_headless_service",
    "stateful_sets_have_a_pdb",
    "termination_message_policy",
]

_DEFAULT_GRACE = 30
# "sleep N" as a command of its own, anywhere in an exec hook or its shell script.
_SLEEP = LazyPattern(r"(?:^|[\s;&|(])sleep\s+(\d+)(?=$|[\s;&|)])")


@object_rule("BP010", pods_only=True)
def no_ip_literals(manifest: Mapping[str, Any], context: Context) -> Iterator[Violation]:
    """Env values are Service names, not IPs; ``dnsPolicy: Default`` hides Service names."""
    found = pod_spec(manifest)
    if found is None:
        return
    prefix, spec = found
    if spec.get("dnsPolicy") == "Default":
        yield Violation(f"{prefix}.dnsPolicy", "Default",
                        "the pod uses the node's resolver and cannot resolve Service names",
                        "use ClusterFirst (the default)")
    for path, container, _ in containers(manifest):
        for i, env in enumerate(container.get("env") or ()):
            value = env.get("value") if isinstance(env, dict) else None
            if isinstance(value, str) and is_ip_literal(value):
                yield Violation(f"{path}.env[{i}].value", value,
                                "an IP address: pods move and their IPs change",
                                "use the Service name")


@set_rule("BP011", kinds=["StatefulSet"])
def stateful_set_has_headless_service(
    manifests: Sequence[Mapping[str, Any]], context: Context
) -> Iterator[tuple[int, Violation]]:
    """A StatefulSet's ``serviceName`` names a headless Service among the same manifests."""
    headless = {
        (namespace_of(m), name_of(m)) for m in manifests
        if m.get("kind") == "Service" and isinstance(m.get("spec"), dict)
        and m["spec"].get("clusterIP") == "None"
    }
    for index, manifest in enumerate(manifests):
        if manifest.get("kind") != "StatefulSet":
            continue
        spec = manifest.get("spec")
        service = spec.get("serviceName") if isinstance(spec, dict) else None
        if service is not None and not isinstance(service, str):
            continue  # lint reports the type at its line
        if (namespace_of(manifest), service) not in headless:
            yield index, Violation("spec.serviceName", service,
                                   "no headless Service of that name: the pods get no stable "
                                   "DNS names", "add a Service with clusterIP: None and that name")


@object_rule("BP016", pods_only=True)
def readiness_on_serving_containers(
    manifest: Mapping[str, Any], context: Context
) -> Iterator[Violation]:
    """Containers that declare ports in long-running pods have a readiness probe."""
    if not is_long_running(manifest):
        return
    for path, container, _ in containers(manifest, init=False):
        if container.get("ports") and "readinessProbe" not in container:
            yield Violation(f"{path}.readinessProbe", None,
                            "a serving container without a readiness probe gets traffic "
                            "before it is ready", "add a readinessProbe")


@set_rule("BP016")
def readiness_behind_services(
    manifests: Sequence[Mapping[str, Any]], context: Context
) -> Iterator[tuple[int, Violation]]:
    """Pods that a Service selects serve traffic even when no container declares a port."""
    for index, manifest, _ in _behind_services(manifests):
        found = list(containers(manifest, init=False))
        if any(container.get("ports") for _, container, _ in found):
            continue  # the object rule covers serving containers
        if found:
            path, container, _ = found[0]
            if "readinessProbe" not in container:
                yield index, Violation(f"{path}.readinessProbe", None,
                                       "a Service sends traffic to this pod before it is ready",
                                       "add a readinessProbe")


@object_rule("BP017", pods_only=True)
def liveness_differs_from_readiness(
    manifest: Mapping[str, Any], context: Context
) -> Iterator[Violation]:
    """Liveness is not identical to readiness: a busy pod must leave rotation, not restart."""
    for path, container, _ in containers(manifest, init=False):
        liveness = container.get("livenessProbe")
        if liveness is not None and liveness == container.get("readinessProbe"):
            yield Violation(f"{path}.livenessProbe", "same as readinessProbe",
                            "identical to the readiness probe: a busy pod gets restarted",
                            "probe something cheaper for liveness, or drop it")


@set_rule("BP022")
def pre_stop_pause(
    manifests: Sequence[Mapping[str, Any]], context: Context
) -> Iterator[tuple[int, Violation]]:
    """Pods behind a Service pause in preStop, so endpoints drain before the stop signal.

    The containers that serve are those declaring a port that a selecting Service targets
    (``targetPort``, by number or name; ``port`` when it is absent). When none declares one
    (a container needs no ``containerPort`` to receive traffic: "Not specifying a port here
    DOES NOT prevent that port from being exposed", Container.Ports in kubernetes/kubernetes
    staging/src/k8s.io/api/core/v1/types.go), the first container serves.
    """
    for index, manifest, targets in _behind_services(manifests):
        wanted = {port for ports in targets if isinstance(ports, tuple) for port in ports}
        found = list(containers(manifest, init=False))
        serving = [item for item in found if _declares(item[1], wanted)] or found[:1]
        for path, container, _ in serving:
            if not _delays_stop(container):
                lifecycle = container.get("lifecycle")
                if isinstance(lifecycle, dict) and lifecycle.get("preStop"):
                    yield index, Violation(f"{path}.lifecycle.preStop.sleep.seconds", 0,
                                           "a 0-second preStop sleep does not delay the stop "
                                           "signal: requests still arrive after deletion starts",
                                           "sleep a few seconds")
                else:
                    yield index, Violation(f"{path}.lifecycle.preStop", None,
                                           "requests still arrive after deletion starts",
                                           "add a preStop sleep of a few seconds")


def _delays_stop(container: Mapping[str, Any]) -> bool:
    """Whether a preStop handler runs before the stop signal: any handler does (exec, httpGet,
    tcpSocket or sleep; the kubelet's killContainer runs ``executePreStopHook`` and only then
    ``StopContainer``, kubernetes/kubernetes pkg/kubelet/kuberuntime/kuberuntime_container.go),
    except a ``sleep`` of 0 seconds."""
    lifecycle = container.get("lifecycle")
    pre_stop = lifecycle.get("preStop") if isinstance(lifecycle, dict) else None
    if not isinstance(pre_stop, dict) or not pre_stop:
        return False
    sleep = pre_stop.get("sleep")
    return not (len(pre_stop) == 1 and isinstance(sleep, dict) and sleep.get("seconds") == 0)


def _declares(container: Mapping[str, Any], targets: set[object]) -> bool:
    """Whether the container declares a port that one of ``targets`` names or numbers."""
    for port in container.get("ports") or ():
        if isinstance(port, dict) and (
            _among(port.get("containerPort"), targets) or _among(port.get("name"), targets)
        ):
            return True
    return False


def _among(value: object, targets: set[object]) -> bool:
    """``value in targets``; a value that cannot be hashed (a list where a port name belongs,
    which lint reports at its line) is in none."""
    try:
        return value in targets
    except TypeError:
        return False


@object_rule("BP023", pods_only=True)
def grace_covers_pause(manifest: Mapping[str, Any], context: Context) -> Iterator[Violation]:
    """``terminationGracePeriodSeconds`` exceeds the preStop pause."""
    found = pod_spec(manifest)
    if found is None:
        return
    prefix, spec = found
    grace = spec.get("terminationGracePeriodSeconds", _DEFAULT_GRACE)
    for _, container, _ in containers(manifest, init=False):
        pause = _pause_seconds(container)
        if pause and isinstance(grace, int) and grace <= pause:
            yield Violation(f"{prefix}.terminationGracePeriodSeconds", grace,
                            f"not greater than the preStop pause ({pause}s): the app is killed "
                            "before it can shut down", f"raise it above {pause} plus the "
                            "app's shutdown time")


@object_rule("BP024", pods_only=True)
def termination_message_policy(
    manifest: Mapping[str, Any], context: Context
) -> Iterator[Violation]:
    """Every container, init containers included, falls back to its logs for the message."""
    for path, container, key in containers(manifest):
        if key == "ephemeralContainers":
            continue
        policy = container.get("terminationMessagePolicy")
        if policy != "FallbackToLogsOnError":
            yield Violation(f"{path}.terminationMessagePolicy", policy,
                            "kubectl describe cannot show why the container died",
                            "set terminationMessagePolicy: FallbackToLogsOnError")


def _behind_services(
    manifests: Sequence[Mapping[str, Any]],
) -> list[tuple[int, Mapping[str, Any], list[object]]]:
    """Long-running pod objects that some Service of their namespace selects, each with the
    target ports of those Services (found once per check: BP016 and BP022 both ask)."""
    return shared("behind services", manifests, lambda: _find_behind_services(manifests))


def _find_behind_services(
    manifests: Sequence[Mapping[str, Any]],
) -> list[tuple[int, Mapping[str, Any], list[object]]]:
    services = _service_index(manifests)
    found = []
    # Only pod-template kinds and objects with a pod spec can be long-running.
    candidates = sorted({*of_kinds(manifests, LONG_RUNNING), *with_pod_spec(manifests)})
    for index in candidates:
        manifest = manifests[index]
        if is_long_running(manifest):
            targets = services.matching(namespace_of(manifest), pod_labels(manifest))
            if targets:
                found.append((index, manifest, targets))
    return found


def _service_index(manifests: Sequence[Mapping[str, Any]]) -> SelectorIndex:
    """The selecting Services, each with the ports it sends traffic to."""
    services = SelectorIndex()
    for m in (manifests[i] for i in of_kinds(manifests, ("Service",))):
        spec = m.get("spec")
        if isinstance(spec, dict) and isinstance(spec.get("selector"), dict) and spec["selector"]:
            services.add(namespace_of(m), spec["selector"], _target_ports(spec))
    return services


def _target_ports(spec: Mapping[str, Any]) -> tuple[object, ...]:
    """The ``targetPort`` of each Service port (its ``port`` when absent, as the API
    defaults it)."""
    ports = spec.get("ports")
    targets = []
    for port in ports if isinstance(ports, list) else ():
        if isinstance(port, dict):
            target = port.get("targetPort", port.get("port"))
            if isinstance(target, str | int) and not isinstance(target, bool):
                targets.append(target)
    return tuple(targets)


def _pause_seconds(container: Mapping[str, Any]) -> int:
    lifecycle = container.get("lifecycle")
    pre_stop = lifecycle.get("preStop") if isinstance(lifecycle, dict) else None
    if not isinstance(pre_stop, dict):
        return 0
    sleep = pre_stop.get("sleep")
    if isinstance(sleep, dict) and isinstance(sleep.get("seconds"), int):
        return int(sleep["seconds"])
    command = pre_stop.get("exec", {}).get("command") if isinstance(
        pre_stop.get("exec"), Mapping) else None
    if isinstance(command, list) and command:
        match = _SLEEP.search(" ".join(str(part) for part in command))
        if match:
            return int(match[1])
    return 0


@object_rule("BP020", pods_only=True)
def post_start_is_visible(manifest: Mapping[str, Any], context: Context) -> Iterator[Violation]:
    """postStart hooks run beside the app, hold the pod Pending, and their output is invisible."""
    for path, container, _ in containers(manifest, init=False):
        lifecycle = container.get("lifecycle")
        if isinstance(lifecycle, dict) and "postStart" in lifecycle:
            yield Violation(f"{path}.lifecycle.postStart", "postStart",
                            "runs in parallel with the app, keeps the pod Pending until it ends, "
                            "kills the container when it fails, and its output is invisible",
                            "log to a file or the termination log; prefer an init container")


@object_rule("BP021", pods_only=True)
def no_host_in_http_handlers(manifest: Mapping[str, Any], context: Context) -> Iterator[Violation]:
    """HTTP hooks and probes do not set ``host`` (forbidden by Baseline Pod Security from 1.34).

    The kubelet sends the request from the node, to ``host`` instead of the pod's IP. A
    loopback host is the node itself, which is the pod's own network only with ``hostNetwork``
    (metallb's speaker): the message says which case it is.
    """
    found = pod_spec(manifest)
    host_network = found is not None and found[1].get("hostNetwork") is True
    for path, container, _ in containers(manifest):
        handlers: list[tuple[str, object]] = [
            (key, container.get(key)) for key in ("readinessProbe", "livenessProbe", "startupProbe")]
        lifecycle = container.get("lifecycle")
        if isinstance(lifecycle, dict):
            handlers += [(f"lifecycle.{k}", v) for k, v in lifecycle.items()]
        for key, handler in handlers:
            http = handler.get("httpGet") if isinstance(handler, dict) else None
            if isinstance(http, dict) and http.get("host"):
                host = http["host"]
                if _is_loopback(host) and host_network:
                    what = ("an HTTP handler with a host: on this hostNetwork pod the loopback "
                            "address is the node's, which is the pod's own network")
                    fix = "drop host: with hostNetwork the pod's IP is the node's, the same target"
                elif _is_loopback(host):
                    what = ("an HTTP handler with a loopback host: the kubelet calls the node's "
                            "loopback, not the pod")
                    fix = "drop host: the kubelet calls the pod's own IP"
                else:
                    what = "an HTTP handler that reaches another host than the pod"
                    fix = "drop host: the kubelet calls the pod's own IP"
                yield Violation(f"{path}.{key}.httpGet.host", host, what, fix)


def _is_loopback(host: object) -> bool:
    if not isinstance(host, str):
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@set_rule("BP025", kinds=["StatefulSet"])
def stateful_sets_have_a_pdb(
    manifests: Sequence[Mapping[str, Any]], context: Context
) -> Iterator[tuple[int, Violation]]:
    """Replicated StatefulSets are guarded by a PodDisruptionBudget."""
    budgets = SelectorIndex()
    for m in manifests:
        spec = m.get("spec")
        selector = spec.get("selector") if isinstance(spec, dict) else None
        labels = selector.get("matchLabels") if isinstance(selector, dict) else None
        if m.get("kind") == "PodDisruptionBudget" and isinstance(labels, dict):
            budgets.add(namespace_of(m), labels)
    for index, manifest in enumerate(manifests):
        spec = manifest.get("spec")
        replicas = spec.get("replicas", 1) if isinstance(spec, dict) else 1
        if manifest.get("kind") != "StatefulSet" or not isinstance(replicas, int) or replicas < 2:
            continue
        if not budgets.matches(namespace_of(manifest), pod_labels(manifest)):
            yield index, Violation("spec.replicas", replicas,
                                   "no PodDisruptionBudget: a drain may evict several members "
                                   "at once (a PDB does not stop kubectl delete --force)",
                                   "add a PodDisruptionBudget with maxUnavailable: 1")


# A script that traps the stop signal handles it itself.
_TRAPS_TERM = LazyPattern(r"\btrap\b[^;\n]*\b(?:TERM|SIGTERM|15)\b")
_SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "/bin/sh", "/bin/bash", "/bin/ash",
                     "/usr/bin/sh", "/usr/bin/bash", "/bin/dash"})


_OPERATOR = re.compile(r"[;&|()<>\n]+")
# Words that make the script more than one simple command, or run it in the shell itself.
_NOT_SIMPLE = frozenset({"if", "while", "until", "for", "case", "select", "function", "{", "}",
                         "!", "time", "[[", ".", "source", "eval", "trap"})
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=.*", re.DOTALL)


def _single_simple_command(script: str) -> bool:
    """Whether ``script`` is one simple command without redirections, which the shell runs in
    its own place rather than as a child: dash runs the last command of a ``-c`` string with
    EV_EXIT, without forking (evalstring in src/eval.c, as busybox ash does), and bash sets
    CMD_NO_FORK on a lone simple command without redirections (should_suppress_fork in
    builtins/evalstring.c). The app then is PID 1 and gets the stop signal."""
    text = re.sub(r"\$\([^()]*\)|`[^`]*`", "x", script.strip())  # substitutions: words
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace = " \t\r"
    try:
        tokens = list(lexer)
    except ValueError:  # an unbalanced quote
        return False
    if any(_OPERATOR.fullmatch(token) for token in tokens):
        return False
    words = [token for token in tokens if not _ASSIGNMENT.fullmatch(token)]
    return bool(words) and words[0] not in _NOT_SIMPLE


@object_rule("BP027", pods_only=True)
def app_gets_the_stop_signal(manifest: Mapping[str, Any], context: Context) -> Iterator[Violation]:
    """A ``sh -c`` wrapper as PID 1 does not pass the stop signal on unless it ``exec``s the app
    (or traps the signal itself)."""
    if not is_long_running(manifest):
        return
    for path, container, _ in containers(manifest, init=False):
        argv = [*(container.get("command") or ()), *(container.get("args") or ())]
        if len(argv) >= 3 and str(argv[0]) in _SHELLS and argv[1] == "-c":
            script = str(argv[2])
            last = [line.strip() for line in re.split(r"[;\n&|]+", script) if line.strip()]
            handles_term = _TRAPS_TERM.search(script) is not None
            if not handles_term and (not last or not last[-1].startswith("exec ")) and (
                    not _single_simple_command(script)):
                yield Violation(f"{path}.command", " ".join(str(a) for a in argv[:3]),
                                "the shell is PID 1 and does not pass the stop signal on, so the "
                                "app is killed at the end of the grace period",
                                "end the script with 'exec <app>', or use an exec-form command")

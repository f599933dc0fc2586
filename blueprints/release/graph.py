"""Who may reach whom: NetworkPolicies evaluated as the cluster enforces them, and the picture.

The graph is read back from manifests (what the API server will hold), never from the
declarations that produced them, so that it shows what the cluster enforces. The evaluation
follows the NetworkPolicy API (``networking.k8s.io/v1``):

- a pod is isolated for ingress (egress) when a policy of its namespace selects it and lists
  ``Ingress`` (``Egress``) in ``policyTypes`` (which defaults to ``Ingress``, plus ``Egress``
  when the policy has egress rules); a pod that no such policy selects admits everything;
- what isolated pods admit is the union of the rules of every policy that selects them;
- a rule without ``from`` (or with an empty list) admits every source; a rule without
  ``ports`` admits every port; a named port is resolved against the destination pod's ports;
- a peer with ``podSelector`` alone selects pods of the policy's own namespace, one with
  ``namespaceSelector`` alone every pod of the selected namespaces, one with both the pods
  that match both; namespaces carry the ``kubernetes.io/metadata.name`` label;
- a connection needs both sides: the destination's ingress, and the source's egress when the
  source is isolated for egress.

Sources outside the manifests appear by what the rule names: ``anywhere`` (no ``from``, or
``ipBlock`` 0.0.0.0/0 or ::/0), ``cidr:<block>``, and ``namespace:<name>`` (with the pod
selector after it, when there is one) for pods of namespaces that hold no workload of the
manifests.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["ANYWHERE", "Edge", "Workload", "edges", "to_dot", "to_mermaid", "workloads"]

ANYWHERE = "anywhere"
ALL_PORTS = "*"
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
_OPEN_CIDRS = frozenset({"0.0.0.0/0", "::/0"})
_TEMPLATE_PATHS = {
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}


@dataclass(frozen=True, order=True, slots=True)
class Edge:
    """A connection the policies admit.

    Attributes:
        source: ``<namespace>/<workload>``, ``anywhere``, ``cidr:<block>`` or
            ``namespace:<name>[ pods:<selector>]``.
        target: ``<namespace>/<workload>``.
        port: ``8080/TCP`` (a named port resolved against the target's containers), or ``*``.
    """

    source: str
    target: str
    port: str


@dataclass(frozen=True, slots=True)
class Workload:
    """An object with a pod template: where its pods run and what they carry."""

    namespace: str
    kind: str
    name: str
    labels: Mapping[str, str]
    ports: Mapping[str, str]  # port name -> "8080/TCP"

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True)
class _Peer:
    pods: Mapping[str, Any] | None  # a pod selector, or None for "any pod"
    namespaces: Mapping[str, Any] | None  # a namespace selector, or None: the policy's own
    cidr: str | None = None
    except_: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Rule:
    peers: tuple[_Peer, ...] | None  # None: every source (or destination)
    ports: tuple[tuple[str, Any, Any], ...] | None  # (protocol, port, endPort); None: all


@dataclass(frozen=True, slots=True)
class _Policy:
    namespace: str
    selector: Mapping[str, Any]
    ingress: tuple[_Rule, ...] | None  # None: the policy does not isolate for ingress
    egress: tuple[_Rule, ...] | None


def workloads(manifests: Iterable[Mapping[str, Any]]) -> list[Workload]:
    """Every object with a pod template (and every Pod), in input order."""
    found = []
    for manifest in manifests:
        kind = str(manifest.get("kind"))
        metadata = _mapping(manifest.get("metadata"))
        if kind == "Pod":
            template: Mapping[str, Any] = manifest
        else:
            template = _mapping(_dig(manifest, _TEMPLATE_PATHS.get(kind, ("spec", "template"))))
            if not template:
                continue
        spec = _mapping(template.get("spec"))
        if not spec:
            continue
        labels = {str(k): str(v) for k, v in _mapping(_mapping(template.get("metadata")).get(
            "labels")).items()}
        ports: dict[str, str] = {}
        for container in _list(spec.get("containers")):
            for port in _mappings(_mapping(container).get("ports")):
                if "containerPort" in port:
                    number = f"{port['containerPort']}/{port.get('protocol', 'TCP')}"
                    ports[str(port.get("name", number))] = number
        found.append(Workload(str(metadata.get("namespace") or "default"), kind,
                              str(metadata.get("name")), labels, ports))
    return found


def edges(manifests: Sequence[Mapping[str, Any]]) -> list[Edge]:
    """Every connection to a workload of ``manifests`` that its NetworkPolicies admit, sorted."""
    pods = workloads(manifests)
    policies = [_policy(m) for m in manifests if m.get("kind") == "NetworkPolicy"]
    namespace_labels = _namespace_labels(manifests, pods)
    populated = {pod.namespace for pod in pods}
    result: set[Edge] = set()
    for target in pods:
        selecting = [p for p in policies if p.namespace == target.namespace
                     and p.ingress is not None and _matches(p.selector, target.labels)]
        if not selecting:
            result.add(Edge(ANYWHERE, target.key, ALL_PORTS))
            for pod in pods:
                allowed = _egress_allows(pod, target, ALL_PORTS, policies, namespace_labels)
                if allowed:
                    result.add(Edge(pod.key, target.key, allowed))
            continue
        for policy in selecting:
            for rule in policy.ingress or ():
                ports = _ports(rule, target)
                for source in _sources(rule, policy, pods, namespace_labels, populated):
                    for port in ports:
                        if isinstance(source, str):
                            result.add(Edge(source, target.key, port))
                        else:
                            allowed = _egress_allows(source, target, port, policies,
                                                     namespace_labels)
                            if allowed:
                                result.add(Edge(source.key, target.key, allowed))
    return _collapse(result)


def to_mermaid(manifests: Sequence[Mapping[str, Any]]) -> str:
    """The release as a Mermaid flowchart: workloads (with their Services), exposure, and the
    edges the NetworkPolicies admit."""
    nodes, links = _picture(manifests)
    lines = ["flowchart LR"]
    for node_id, label, shape in nodes:
        opening, closing = ("([", "])") if shape == "external" else ("[", "]")
        text = "<br>".join(_escape(part) for part in label.split("\n"))
        lines.append(f"  {node_id}{opening}\"{text}\"{closing}")
    for source, target, label, dotted in links:
        arrow = "-.->" if dotted else "-->"
        lines.append(f"  {source} {arrow}|\"{_escape(label)}\"| {target}")
    return "\n".join(lines) + "\n"


def to_dot(manifests: Sequence[Mapping[str, Any]]) -> str:
    """The same picture in Graphviz's DOT language."""
    nodes, links = _picture(manifests)
    lines = ["digraph release {", "  rankdir=LR;", "  node [shape=box];"]
    for node_id, label, shape in nodes:
        style = ", shape=ellipse" if shape == "external" else ""
        lines.append(f"  {node_id} [label={_dot_quote(label)}{style}];")
    for source, target, label, dotted in links:
        style = ", style=dashed" if dotted else ""
        lines.append(f"  {source} -> {target} [label={_dot_quote(label)}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _picture(
    manifests: Sequence[Mapping[str, Any]],
) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str, bool]]]:
    pods = workloads(manifests)
    ids: dict[str, str] = {}

    def node(key: str) -> str:
        return ids.setdefault(key, f"n{len(ids)}")

    services = _services(manifests, pods)
    nodes: list[tuple[str, str, str]] = []
    for pod in pods:
        label = f"{pod.name} ({pod.kind}, {pod.namespace})"
        for service in services.get(pod.key, []):
            label += f"\nsvc {service}"
        nodes.append((node(pod.key), label, "workload"))
    by_pair: dict[tuple[str, str], list[str]] = {}
    for edge in edges(manifests):
        by_pair.setdefault((edge.source, edge.target), []).append(edge.port)
    links: list[tuple[str, str, str, bool]] = []
    externals: set[str] = set()
    for (source, target), ports in sorted(by_pair.items()):
        if source not in {pod.key for pod in pods} and source not in externals:
            externals.add(source)
            nodes.append((node(source), source, "external"))
        links.append((node(source), node(target), ", ".join(ports), False))
    for label, target in _exposure(manifests, pods):
        nodes.append((node(label), label, "external"))
        links.append((node(label), node(target), "exposes", True))
    return nodes, links


def _services(manifests: Sequence[Mapping[str, Any]],
              pods: Sequence[Workload]) -> dict[str, list[str]]:
    """Each workload's Services, as ``name:port->target (type)``."""
    found: dict[str, list[str]] = {}
    for service in manifests:
        if service.get("kind") != "Service":
            continue
        spec = _mapping(service.get("spec"))
        selector = _mapping(spec.get("selector"))
        if not selector:
            continue
        name = str(_mapping(service.get("metadata")).get("name"))
        namespace = str(_mapping(service.get("metadata")).get("namespace") or "default")
        ports = ", ".join(
            f"{_mapping(p).get('port')}->{_mapping(p).get('targetPort', _mapping(p).get('port'))}"
            for p in _list(spec.get("ports")))
        kind = spec.get("type", "ClusterIP")
        headless = " headless" if spec.get("clusterIP") == "None" else ""
        for pod in pods:
            if pod.namespace == namespace and all(pod.labels.get(str(k)) == str(v)
                                                  for k, v in selector.items()):
                found.setdefault(pod.key, []).append(f"{name}:{ports} ({kind}{headless})")
    return found


def _exposure(manifests: Sequence[Mapping[str, Any]],
              pods: Sequence[Workload]) -> Iterator[tuple[str, str]]:
    """(what exposes, the workload it reaches): Ingresses, HTTPRoutes, LoadBalancer and
    NodePort Services."""
    service_pods: dict[tuple[str, str], list[str]] = {}
    for service in manifests:
        if service.get("kind") != "Service":
            continue
        metadata = _mapping(service.get("metadata"))
        namespace = str(metadata.get("namespace") or "default")
        selector = _mapping(_mapping(service.get("spec")).get("selector"))
        keys = [pod.key for pod in pods if selector and pod.namespace == namespace
                and all(pod.labels.get(str(k)) == str(v) for k, v in selector.items())]
        service_pods[(namespace, str(metadata.get("name")))] = keys
        kind = _mapping(service.get("spec")).get("type")
        if kind in ("LoadBalancer", "NodePort"):
            for key in keys:
                yield f"{kind} {metadata.get('name')}", key
    for manifest in manifests:
        kind = manifest.get("kind")
        metadata = _mapping(manifest.get("metadata"))
        namespace = str(metadata.get("namespace") or "default")
        spec = _mapping(manifest.get("spec"))
        if kind == "Ingress":
            for rule in _list(spec.get("rules")):
                host = _mapping(rule).get("host", "*")
                for path in _list(_mapping(_mapping(rule).get("http")).get("paths")):
                    backend = _mapping(_mapping(_mapping(path).get("backend")).get("service"))
                    for key in service_pods.get((namespace, str(backend.get("name"))), []):
                        yield f"Ingress {host}{_mapping(path).get('path', '/')}", key
        elif kind == "HTTPRoute":
            parents = ", ".join(str(_mapping(p).get("name")) for p in _list(spec.get("parentRefs")))
            for rule in _list(spec.get("rules")):
                for ref in _mappings(_mapping(rule).get("backendRefs")):
                    ref_namespace = str(ref.get("namespace") or namespace)
                    for key in service_pods.get((ref_namespace, str(ref.get("name"))), []):
                        yield f"HTTPRoute via {parents}", key


def _policy(manifest: Mapping[str, Any]) -> _Policy:
    metadata = _mapping(manifest.get("metadata"))
    spec = _mapping(manifest.get("spec"))
    types = spec.get("policyTypes")
    if not isinstance(types, list):
        types = ["Ingress", "Egress"] if "egress" in spec else ["Ingress"]
    ingress = tuple(_rule(r, "from") for r in _list(spec.get("ingress"))) \
        if "Ingress" in types else None
    egress = tuple(_rule(r, "to") for r in _list(spec.get("egress"))) \
        if "Egress" in types else None
    return _Policy(str(metadata.get("namespace") or "default"),
                   _mapping(spec.get("podSelector")), ingress, egress)


def _rule(rule: object, direction: str) -> _Rule:
    rule = _mapping(rule)
    peers = _list(rule.get(direction))
    ports = _list(rule.get("ports"))
    return _Rule(
        tuple(_peer(p) for p in peers) if peers else None,
        tuple((str(_mapping(p).get("protocol", "TCP")), _mapping(p).get("port"),
               _mapping(p).get("endPort")) for p in ports) if ports else None)


def _peer(peer: object) -> _Peer:
    peer = _mapping(peer)
    block = _mapping(peer.get("ipBlock"))
    if block:
        return _Peer(None, None, str(block.get("cidr")),
                     tuple(str(e) for e in _list(block.get("except"))))
    pods = peer.get("podSelector")
    namespaces = peer.get("namespaceSelector")
    return _Peer(_mapping(pods) if pods is not None else None,
                 _mapping(namespaces) if namespaces is not None else None)


def _sources(rule: _Rule, policy: _Policy, pods: Sequence[Workload],
             namespace_labels: Mapping[str, Mapping[str, str]],
             populated: set[str]) -> Iterator[Workload | str]:
    if rule.peers is None:
        yield ANYWHERE
        yield from pods
        return
    for peer in rule.peers:
        if peer.cidr is not None:
            if peer.cidr in _OPEN_CIDRS and not peer.except_:
                yield ANYWHERE
            else:
                yield f"cidr:{peer.cidr}" + (f" except {','.join(peer.except_)}"
                                              if peer.except_ else "")
            continue
        pod_selector = peer.pods if peer.pods is not None else {}
        for pod in pods:
            in_namespace = (pod.namespace == policy.namespace if peer.namespaces is None
                            else _matches(peer.namespaces, namespace_labels[pod.namespace]))
            if in_namespace and _matches(pod_selector, pod.labels):
                yield pod
        if peer.namespaces is not None:
            named = _named_namespace(peer.namespaces)
            if named is None or named not in populated:
                where = named if named is not None else _selector_text(peer.namespaces) or "*"
                pods_text = _selector_text(pod_selector)
                yield f"namespace:{where}" + (f" pods:{pods_text}" if pods_text else "")


def _egress_allows(source: Workload, target: Workload, port: str,
                   policies: Sequence[_Policy],
                   namespace_labels: Mapping[str, Mapping[str, str]]) -> str | None:
    """The part of ``port`` that the source's egress policies let through to ``target``."""
    selecting = [p for p in policies if p.namespace == source.namespace
                 and p.egress is not None and _matches(p.selector, source.labels)]
    if not selecting:
        return port
    allowed: set[str] = set()
    for policy in selecting:
        for rule in policy.egress or ():
            if rule.peers is not None and not any(
                    _peer_selects(peer, policy.namespace, target, namespace_labels)
                    for peer in rule.peers):
                continue
            for egress_port in _ports(rule, target):
                if egress_port == ALL_PORTS:
                    allowed.add(port)
                elif port in (ALL_PORTS, egress_port):
                    allowed.add(egress_port)
    if not allowed:
        return None
    if port in allowed:
        return port
    return ",".join(sorted(allowed))


def _peer_selects(peer: _Peer, namespace: str, pod: Workload,
                  namespace_labels: Mapping[str, Mapping[str, str]]) -> bool:
    if peer.cidr is not None:
        return peer.cidr in _OPEN_CIDRS  # pod IPs are inside any open block
    if peer.namespaces is None:
        in_namespace = pod.namespace == namespace
    else:
        in_namespace = _matches(peer.namespaces, namespace_labels[pod.namespace])
    return in_namespace and _matches(peer.pods if peer.pods is not None else {}, pod.labels)


def _ports(rule: _Rule, target: Workload) -> list[str]:
    if rule.ports is None:
        return [ALL_PORTS]
    result = []
    for protocol, port, end in rule.ports:
        if port is None:
            result.append(f"*/{protocol}")
        elif isinstance(port, str) and not port.isdigit():
            result.append(target.ports.get(port, f"{port}/{protocol}"))
        elif end is not None:
            result.append(f"{port}-{end}/{protocol}")
        else:
            result.append(f"{port}/{protocol}")
    return result


def _collapse(found: set[Edge]) -> list[Edge]:
    """Drop an edge that an all-ports edge of the same pair already covers; split lists."""
    split: set[Edge] = set()
    for edge in found:
        for port in edge.port.split(","):
            split.add(Edge(edge.source, edge.target, port))
    every = {(e.source, e.target) for e in split if e.port == ALL_PORTS}
    return sorted(e for e in split if e.port == ALL_PORTS or (e.source, e.target) not in every)


def _namespace_labels(manifests: Sequence[Mapping[str, Any]],
                      pods: Sequence[Workload]) -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = {}
    for manifest in manifests:
        metadata = _mapping(manifest.get("metadata"))
        if manifest.get("kind") == "Namespace" and metadata.get("name"):
            name = str(metadata["name"])
            labels[name] = {**{str(k): str(v) for k, v in _mapping(metadata.get("labels")).items()},
                            NAMESPACE_NAME_LABEL: name}
    for pod in pods:
        labels.setdefault(pod.namespace, {NAMESPACE_NAME_LABEL: pod.namespace})
    return labels


def _matches(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """A LabelSelector (matchLabels and matchExpressions) against labels; {} matches all."""
    for key, value in _mapping(selector.get("matchLabels")).items():
        if labels.get(str(key)) != str(value):
            return False
    for expression in _mappings(selector.get("matchExpressions")):
        key, operator = str(expression.get("key")), expression.get("operator")
        values = {str(v) for v in _list(expression.get("values"))}
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def _named_namespace(selector: Mapping[str, Any]) -> str | None:
    """The one namespace a selector names by ``kubernetes.io/metadata.name``, if it does."""
    match = _mapping(selector.get("matchLabels"))
    if NAMESPACE_NAME_LABEL in match:
        return str(match[NAMESPACE_NAME_LABEL])
    for expression in _mappings(selector.get("matchExpressions")):
        values = _list(expression.get("values"))
        if expression.get("key") == NAMESPACE_NAME_LABEL and expression.get("operator") == "In" \
                and len(values) == 1:
            return str(values[0])
    return None


def _selector_text(selector: Mapping[str, Any]) -> str:
    parts = [f"{k}={v}" for k, v in sorted(_mapping(selector.get("matchLabels")).items())]
    for expression in _mappings(selector.get("matchExpressions")):
        values = ",".join(str(v) for v in _list(expression.get("values")))
        parts.append(f"{expression.get('key')} {expression.get('operator')} ({values})".replace(
            " ()", ""))
    return ",".join(parts)


def _dig(value: object, path: Sequence[str]) -> object:
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _mappings(value: object) -> list[Mapping[str, Any]]:
    return [item for item in _list(value) if isinstance(item, Mapping)]


def _escape(text: str) -> str:
    return text.replace('"', "#quot;")


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

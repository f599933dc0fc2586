"""A minimal Kubernetes API server for running the real kubectl offline: discovery, GET of
objects and label-selected lists. Enough for ``kubectl apply --dry-run=client``, which reads
but never writes (no patch, create or delete reaches the server)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

# group -> [(plural, kind, namespaced)]: the kinds blueprint writes.
RESOURCES: dict[str, list[tuple[str, str, bool]]] = {
    "": [("configmaps", "ConfigMap", True), ("services", "Service", True),
         ("namespaces", "Namespace", False), ("persistentvolumeclaims",
                                              "PersistentVolumeClaim", True),
         ("serviceaccounts", "ServiceAccount", True), ("secrets", "Secret", True)],
    "apps": [("deployments", "Deployment", True), ("statefulsets", "StatefulSet", True),
             ("daemonsets", "DaemonSet", True), ("replicasets", "ReplicaSet", True)],
    "batch": [("jobs", "Job", True), ("cronjobs", "CronJob", True)],
    "policy": [("poddisruptionbudgets", "PodDisruptionBudget", True)],
    "networking.k8s.io": [("networkpolicies", "NetworkPolicy", True)],
    "rbac.authorization.k8s.io": [("roles", "Role", True), ("rolebindings", "RoleBinding", True)],
}
_PLURAL = {kind: (group, plural) for group, items in RESOURCES.items()
           for plural, kind, _ in items}
_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]


class FakeCluster:
    """Objects by (group, plural, namespace, name); each gets a uid when stored."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str, str, str], dict[str, Any]] = {}
        self.requests: list[str] = []

    def put(self, manifest: Mapping[str, Any]) -> None:
        group, plural = _PLURAL[str(manifest["kind"])]
        metadata = manifest["metadata"]
        stored = json.loads(json.dumps(manifest))
        stored["metadata"].setdefault("uid", f"uid-{len(self.objects)}")
        stored["metadata"].setdefault("resourceVersion", "1")
        self.objects[(group, plural, metadata.get("namespace", ""), metadata["name"])] = stored

    def answer(self, path: str, query: Mapping[str, list[str]]) -> tuple[int, Any]:
        parts = [p for p in path.split("/") if p]
        if parts == ["api"]:
            return 200, {"kind": "APIVersions", "versions": ["v1"],
                         "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                                         "serverAddress": "127.0.0.1"}]}
        if parts == ["apis"]:
            return 200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": g, "versions": [{"groupVersion": f"{g}/v1", "version": "v1"}],
                 "preferredVersion": {"groupVersion": f"{g}/v1", "version": "v1"}}
                for g in RESOURCES if g]}
        if parts == ["version"]:
            return 200, {"major": "1", "minor": "35", "gitVersion": "v1.35.0"}
        if parts[:1] == ["api"]:
            group, rest = "", parts[2:]
        elif parts[:1] == ["apis"] and len(parts) >= 3:
            group, rest = parts[1], parts[3:]
        else:
            return 404, _status(404, "not found")
        if group not in RESOURCES:
            return 404, _status(404, "no such group")
        if not rest:
            version = f"{group}/v1" if group else "v1"
            return 200, {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": version,
                         "resources": [{"name": plural, "singularName": kind.lower(),
                                        "namespaced": namespaced, "kind": kind, "verbs": _VERBS}
                                       for plural, kind, namespaced in RESOURCES[group]]}
        namespace = ""
        if rest[0] == "namespaces" and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
        plural, name = rest[0], rest[1] if len(rest) > 1 else None
        if name is not None:
            found = self.objects.get((group, plural, namespace, name))
            return (200, found) if found else (404, _status(404, f'{plural} "{name}" not found'))
        selector = dict(pair.split("=", 1) for pair in query.get("labelSelector", [""])[0].split(",")
                        if "=" in pair)
        items = [o for (g, p, ns, _), o in sorted(self.objects.items())
                 if (g, p) == (group, plural) and (not namespace or ns == namespace)
                 and all(o["metadata"].get("labels", {}).get(k) == v for k, v in selector.items())]
        kind = next(k for p, k, _ in RESOURCES[group] if p == plural)
        return 200, {"kind": f"{kind}List", "apiVersion": f"{group}/v1" if group else "v1",
                     "metadata": {"resourceVersion": "1"}, "items": items}


def _status(code: int, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": message,
            "reason": "NotFound" if code == 404 else "BadRequest", "code": code}


@contextmanager
def serving(cluster: FakeCluster) -> Iterator[str]:
    """Serve ``cluster`` on a free local port; yields the server URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            cluster.requests.append(f"GET {self.path}")
            code, body = cluster.answer(url.path, parse_qs(url.query))
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_PATCH(self) -> None:  # a dry run never writes: fail loudly if kubectl tries
            cluster.requests.append(f"PATCH {self.path}")
            self.send_response(405)
            self.end_headers()

        do_POST = do_PUT = do_DELETE = do_PATCH  # noqa: N815 (http.server names its handlers so)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()

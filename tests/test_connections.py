"""Connections (BP042): ``calls=``, exposure, ``service_port`` and egress, judged by what the
emitted NetworkPolicies admit (the lead's evaluator, ``blueprints.release.graph.edges``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from blueprints.cli.main import app as cli
from blueprints.kube import DEFAULT
from blueprints.release.graph import edges
from blueprints.release.output import MARKER
from blueprints.release.synth import synthesize
from blueprints.release.writer import dump_documents
from blueprints.rules import check
from blueprints.rules._registry import Context
from tests.conftest import EXAMPLE_NAMES, EXAMPLES, assert_valid, load_all

runner = CliRunner()
HEADER = ("from blueprints import App, Call, HTTPRoute, Ingress, LoadBalancer, NodePort, "
          "Release, StatefulWebApp, WebApp, WorkerWithInit, CronJobApp, DaemonApp\n"
          "app = App()\nshop = Release(app, 'shop')\n")
IMAGE = "nginxinc/nginx-unprivileged:1.27.3"


def synth_source(tmp_path: Path, body: str) -> list[dict[str, Any]]:
    """Synthesize a blueprint.py made of HEADER + body; every document, schema-checked."""
    (tmp_path / "blueprint.py").write_text(HEADER + body + "app.synth()\n")
    result = synthesize(tmp_path, kube_version=DEFAULT)
    docs = [d for text in result.files.values() for d in load_all(text)]
    assert_valid(docs)
    return docs


def admitted(docs: Sequence[Mapping[str, Any]]) -> set[tuple[str, str, str]]:
    return {(e.source, e.target, e.port) for e in edges(docs)}


def by_key(docs: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {f"{d['kind']}/{d['metadata']['name']}": d for d in docs}


def env_of(workload: Mapping[str, Any]) -> dict[str, str]:
    spec = workload["spec"]["template"]["spec"]
    return {e["name"]: e.get("value", "") for e in spec["containers"][0].get("env", [])}


def _edges(namespace: str, *triples: tuple[str, str, int | str]) -> set[tuple[str, str, str]]:
    """Edges within one namespace: (source, target, port) with short names."""
    result = set()
    for source, target, port in triples:
        src = source if ":" in source or source == "anywhere" else f"{namespace}/{source}"
        result.add((src, f"{namespace}/{target}", port if port == "*" else f"{port}/TCP"))
    return result


# Written by hand from each example's blueprint: the declared edges plus the documented
# defaults (a component nobody declares admits its release on its ports; a StatefulWebApp's
# peers; nothing for components that serve no port), and nothing else.
EXPECTED: dict[str, set[tuple[str, str, str]]] = {
    # A DaemonApp and a CronJob-like reader serve no port: their policies admit nothing.
    "configmap-volume": set(),
    # One WebApp, nobody declared: its release (itself) on 8080.
    "emptydir-cache": _edges("emptydir-cache", ("test-webserver", "test-webserver", 8080)),
    # allow_from=["namespace:ingress-nginx"]: that namespace, nothing from its own release.
    "graceful-shutdown": {("namespace:ingress-nginx", "storefront/frontend", "8080/TCP")},
    "hostpath-readonly": set(),  # a DaemonApp serving nothing
    "kubia": _edges("kubia", ("kubia", "kubia", 8080)),
    # Elasticsearch admits its stack's clients on both ports (LoggingStack declares them) and
    # its peers; Kibana, which nobody calls, admits the release on 5601.
    "logging": _edges(
        "logging",
        *((client, "logs-elasticsearch", port)
          for client in ("logs-elasticsearch", "logs-kibana", "logs-fluentd", "logs-retention")
          for port in (9200, 9300)),
        *((client, "logs-kibana", 5601)
          for client in ("logs-elasticsearch", "logs-kibana", "logs-fluentd", "logs-retention")),
    ),
    "myapp": set(),  # a worker waiting for Services outside the blueprint serves nothing
    "nginx": _edges("nginx", ("web", "web", 8080)),  # nobody calls it: the release (its peers)
    "poststart-hook": _edges("poststart-hook", ("lifecycle-demo", "lifecycle-demo", 8080)),
    "prestop-nginx": _edges("prestop-nginx", ("prestop-demo", "prestop-demo", 8080)),
    "sidecar-log-writer": _edges("sidecar-log-writer",
                                 ("sidecar-container-demo", "sidecar-container-demo", 8080)),
    # The upstream demo's own policies (deploy/kubernetes/manifests-policy), plus
    # front-end -> session-db; pod ports behind the Services (catalogue 80 -> 8080). With
    # egress declared, queue-master (nobody calls it: it admits its release) is reached by
    # nobody, because no component's egress names it.
    "sock-shop": {("namespace:ingress-nginx", "sock-shop/front-end", "8079/TCP")} | _edges(
        "sock-shop",
        ("front-end", "catalogue", 8080), ("front-end", "carts", 80),
        ("front-end", "orders", 80), ("front-end", "user", 80),
        ("front-end", "session-db", 6379),
        ("catalogue", "catalogue-db", 3306), ("carts", "carts-db", 27017),
        ("orders", "orders-db", 27017), ("orders", "carts", 80), ("orders", "user", 80),
        ("orders", "payment", 80), ("orders", "shipping", 80),
        ("shipping", "rabbitmq", 5672), ("queue-master", "rabbitmq", 5672),
        ("user", "user-db", 27017),
    ),
}


class TestExampleEdges:
    def test_every_example_has_its_expected_edges(self) -> None:
        assert sorted(EXPECTED) == EXAMPLE_NAMES

    @pytest.mark.parametrize("name", EXAMPLE_NAMES)
    def test_admitted_edges_are_the_declared_ones(self, name: str) -> None:
        result = synthesize(EXAMPLES / name, kube_version=DEFAULT)
        docs = [d for text in result.files.values() for d in load_all(text)]
        assert admitted(docs) == EXPECTED[name]

    def test_sock_shop_has_no_patch_and_no_open_rule(self) -> None:
        source = (EXAMPLES / "sock-shop" / "blueprint.py").read_text()
        assert "api_object" not in source
        result = synthesize(EXAMPLES / "sock-shop", kube_version=DEFAULT)
        docs = [d for text in result.files.values() for d in load_all(text)]
        assert len({d["metadata"]["name"] for d in docs if d["kind"] == "Deployment"}
                   | {d["metadata"]["name"] for d in docs if d["kind"] == "StatefulSet"}) == 14
        assert not any(e.source == "anywhere" for e in edges(docs))
        assert env_of(by_key(docs)["Deployment/user"])["MONGO_HOST"] == "user-db:27017"
        assert env_of(by_key(docs)["Deployment/front-end"])["CATALOGUE_ADDR"] == "catalogue:80"


class TestQuickStart:
    def test_web_reaches_db(self, tmp_path: Path) -> None:
        readme = (EXAMPLES.parent / "README.md").read_text()
        (tmp_path / "blueprint.py").write_text(
            readme.split("```python\n", 1)[1].split("```", 1)[0])
        result = synthesize(tmp_path, kube_version=DEFAULT)
        docs = load_all(result.files["shop.k8s.yaml"])
        got = admitted(docs)
        assert ("shop/web", "shop/db", "8080/TCP") in got
        assert {e for e in got if e[1] == "shop/db"} == {
            ("shop/web", "shop/db", "8080/TCP"), ("shop/worker", "shop/db", "8080/TCP"),
            ("shop/db", "shop/db", "8080/TCP")}
        # The Ingress is the only way into web, on the pod port behind Service port 80.
        assert {e for e in got if e[1] == "shop/web"} == {
            ("namespace:ingress-nginx", "shop/web", "8080/TCP")}
        objects = by_key(docs)
        assert env_of(objects["Deployment/web"])["PEER"] == "db:8080"
        assert objects["Service/web"]["spec"]["ports"][0]["port"] == 80
        backend = objects["Ingress/web"]["spec"]["rules"][0]["http"]["paths"][0]["backend"]
        assert backend == {"service": {"name": "web", "port": {"number": 80}}}


class TestAllowAllRegression:
    """The issue's case: allow_from, then api_object, then the caller is declared."""

    def test_no_open_rule_and_the_patch_survives(self, tmp_path: Path) -> None:
        docs = synth_source(tmp_path, (
            "import cdk8s\n"
            f"a = WebApp(shop, 'a', image='{IMAGE}', allow_from=['b'])\n"
            "policy = a.api_object('NetworkPolicy')\n"
            "policy.add_json_patch(cdk8s.JsonPatch.add('/metadata/annotations', "
            "{'team': 'a'}))\n"
            f"WebApp(shop, 'b', image='{IMAGE}')\n"))
        policy = by_key(docs)["NetworkPolicy/a"]
        assert policy["metadata"]["annotations"] == {"team": "a"}
        assert all(rule.get("from") for rule in policy["spec"]["ingress"])
        assert {e for e in admitted(docs) if e[1] == "shop/a"} == {
            ("shop/b", "shop/a", "8080/TCP")}
        assert [f for f in check(docs) if f.rule == "BP042"] == []

    def test_a_patch_that_opens_the_policy_is_refused(self, tmp_path: Path) -> None:
        (tmp_path / "blueprint.py").write_text(HEADER + (
            "import cdk8s\n"
            f"a = WebApp(shop, 'a', image='{IMAGE}')\n"
            "a.api_object('NetworkPolicy').add_json_patch("
            "cdk8s.JsonPatch.remove('/spec/ingress/0/from'))\n"
            "app.synth()\n"))
        result = runner.invoke(cli, ["synth", str(tmp_path)])
        assert result.exit_code == 1
        assert result.stderr.splitlines() == [
            "error: NetworkPolicy/a: spec.ingress[0].from=None: admits every source, "
            "inside and outside the cluster (BP042); list the callers in from:, or record the "
            'decision with blueprint.dev/ignore: "BP042: <reason>"']
        assert not (tmp_path / "dist").exists()

    def test_other_changes_to_the_escape_hatch_fail_in_one_line(self, tmp_path: Path) -> None:
        (tmp_path / "blueprint.py").write_text(HEADER + (
            f"a = WebApp(shop, 'a', image='{IMAGE}')\n"
            "a.api_object('NetworkPolicy').metadata.add_label('team', 'a')\n"
            "app.synth()\n"))
        result = runner.invoke(cli, ["synth", str(tmp_path)])
        assert result.exit_code == 1
        assert result.stderr.splitlines() == [
            "error: shop/a: api_object=NetworkPolicy/a: changed by something other than "
            "add_json_patch, which blueprint cannot replay on the final object; change it "
            "with add_json_patch only"]


class TestDeclarationOrder:
    @staticmethod
    def objects(tmp_path: Path, body: str) -> list[bytes]:
        (tmp_path / "blueprint.py").write_text(HEADER + body + "app.synth()\n")
        result = synthesize(tmp_path, kube_version=DEFAULT)
        docs = [d for text in result.files.values() for d in load_all(text)]
        return sorted(dump_documents([d]).encode() for d in docs)

    def test_two_orders_give_the_same_objects(self, tmp_path: Path) -> None:
        callers_first = (
            "other = Release(app, 'other')\n"
            f"web = WebApp(shop, 'web', image='{IMAGE}', calls=['db'], allow_from=['api'])\n"
            f"WebApp(shop, 'api', image='{IMAGE}', calls=[web, Call('db', 'metrics')])\n"
            f"db = StatefulWebApp(shop, 'db', image='{IMAGE}', extra_ports={{'metrics': 9090}})\n"
            "WorkerWithInit(other, 'worker', image='busybox:1.36.1', calls={'WEB': web}, "
            "wait_for=[db])\n")
        callees_first = (
            f"db = StatefulWebApp(shop, 'db', image='{IMAGE}', extra_ports={{'metrics': 9090}})\n"
            f"web = WebApp(shop, 'web', image='{IMAGE}', calls=['db'], allow_from=['api'])\n"
            "other = Release(app, 'other')\n"
            "WorkerWithInit(other, 'worker', image='busybox:1.36.1', calls={'WEB': web}, "
            "wait_for=[db])\n"
            f"WebApp(shop, 'api', image='{IMAGE}', calls=[web, Call('db', 'metrics')])\n")
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        first = self.objects(tmp_path / "a", callers_first)
        second = self.objects(tmp_path / "b", callees_first)
        assert first == second
        docs = [d for blob in first for d in load_all(blob.decode())]
        got = admitted(docs)
        assert {e for e in got if e[1] == "shop/db"} == {
            ("shop/web", "shop/db", "8080/TCP"), ("shop/api", "shop/db", "9090/TCP"),
            ("other/worker", "shop/db", "8080/TCP"), ("shop/db", "shop/db", "8080/TCP"),
            ("shop/db", "shop/db", "9090/TCP")}
        assert {e for e in got if e[1] == "shop/web"} == {
            ("shop/api", "shop/web", "8080/TCP"), ("other/worker", "shop/web", "8080/TCP")}


class TestAddresses:
    def test_same_namespace_short_name_across_namespaces_svc(self, tmp_path: Path) -> None:
        docs = synth_source(tmp_path, (
            f"cart = WebApp(shop, 'cart', image='{IMAGE}', port=7070, service_port=70)\n"
            "other = Release(app, 'other', namespace='front')\n"
            f"WebApp(shop, 'web', image='{IMAGE}', calls=[cart, 'api.example.com:443'])\n"
            "WorkerWithInit(other, 'w', image='busybox:1.36.1', calls={'CART': cart}, "
            "wait_for_calls=True)\n"))
        objects = by_key(docs)
        assert env_of(objects["Deployment/web"]) == {
            "CART_ADDR": "cart:70", "API_EXAMPLE_COM_ADDR": "api.example.com:443"}
        assert env_of(objects["Deployment/w"]) == {"CART": "cart.shop.svc:70"}
        assert "cluster.local" not in json.dumps(docs)
        wait = objects["Deployment/w"]["spec"]["template"]["spec"]["initContainers"][0]
        assert {e["name"]: e.get("value") for e in wait["env"]}["WAIT_PORT"] == "70"
        assert {e for e in admitted(docs) if e[1] == "shop/cart"} == {
            ("shop/web", "shop/cart", "7070/TCP"), ("front/w", "shop/cart", "7070/TCP")}

    def test_wait_for_waits_on_the_service_port(self, tmp_path: Path) -> None:
        docs = synth_source(tmp_path, (
            f"db = WebApp(shop, 'db', image='{IMAGE}', service_port=80)\n"
            "WorkerWithInit(shop, 'w', image='busybox:1.36.1', wait_for=[db])\n"))
        wait = by_key(docs)["Deployment/w"]["spec"]["template"]["spec"]["initContainers"][0]
        assert {e["name"]: e.get("value") for e in wait["env"]}["WAIT_PORT"] == "80"
        assert {e for e in admitted(docs) if e[1] == "shop/db"} == {
            ("shop/w", "shop/db", "8080/TCP")}


class TestEgress:
    def test_declared_egress_is_the_callees_and_dns(self, tmp_path: Path) -> None:
        docs = synth_source(tmp_path, (
            "locked = Release(app, 'locked', egress='declared')\n"
            f"db = WebApp(shop, 'db', image='{IMAGE}')\n"
            f"cache = WebApp(shop, 'cache', image='{IMAGE}')\n"
            "WorkerWithInit(locked, 'w', image='busybox:1.36.1', calls=[db])\n"
            "CronJobApp(shop, 'j', image='busybox:1.36.1', schedule='@hourly', "
            "calls=[cache, 'api.example.com:443'], egress='declared')\n"))
        policy = by_key(docs)["NetworkPolicy/w"]
        assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
        assert policy["spec"]["egress"][0]["ports"] == [
            {"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]
        got = admitted(docs)
        # Both sides must agree: w reaches db, not cache (cache admits the release shop only,
        # and w's egress names db alone).
        assert ("locked/w", "shop/db", "8080/TCP") in got
        assert not any(e[0] == "locked/w" and e[1] != "shop/db" for e in got)
        assert ("shop/j", "shop/cache", "8080/TCP") in got
        assert not any(e[0] == "shop/j" and e[1] not in ("shop/cache",) for e in got)
        j_egress = by_key(docs)["NetworkPolicy/j"]["spec"]["egress"]
        assert {"ports": [{"port": 443, "protocol": "TCP"}]} in j_egress

    def test_bad_egress_mode(self, tmp_path: Path) -> None:
        (tmp_path / "blueprint.py").write_text(
            HEADER + f"WebApp(shop, 'a', image='{IMAGE}', egress='closed')\napp.synth()\n")
        result = runner.invoke(cli, ["synth", str(tmp_path)])
        assert (result.exit_code, result.stderr) == (1, (
            "error: shop/a: egress=closed: not an egress mode (BP042); use one of open, "
            "declared\n"))


def _strict(schema: Any) -> Any:
    """Refuse unknown fields, as the API server's pruning would silently drop them."""
    if isinstance(schema, dict):
        result = {k: _strict(v) for k, v in schema.items()}
        if "properties" in result and "additionalProperties" not in result:
            result["additionalProperties"] = False
        return result
    if isinstance(schema, list):
        return [_strict(v) for v in schema]
    return schema


HTTPROUTE_SCHEMA = _strict(json.loads(
    (Path(__file__).parent / "data" / "gateway-api-v1.6.1-httproute-v1.schema.json").read_text()))


class TestExposure:
    def test_ingress_admits_the_controller_namespace_only(self, tmp_path: Path) -> None:
        docs = synth_source(tmp_path, (
            f"WebApp(shop, 'web', image='{IMAGE}', service_port=80, extra_ports={{'metrics': "
            "9090}, expose=Ingress(host='shop.example.com', path='/api', class_name='nginx', "
            "tls_secret='shop-tls', controller_namespace='ingress'))\n"))
        ingress = by_key(docs)["Ingress/web"]["spec"]
        assert ingress["tls"] == [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}]
        assert ingress["ingressClassName"] == "nginx"
        assert {e for e in admitted(docs) if e[0].startswith("namespace:")} == {
            ("namespace:ingress", "shop/web", "8080/TCP")}

    def test_httproute_matches_the_upstream_v1_schema(self, tmp_path: Path) -> None:
        docs = synth_source(tmp_path, (
            f"WebApp(shop, 'web', image='{IMAGE}', service_port=80, expose=HTTPRoute("
            "gateway='public', gateway_namespace='gateways', section_name='https', "
            "hostnames=['shop.example.com'], path='/shop'))\n"))
        route = by_key(docs)["HTTPRoute/web"]
        jsonschema.validate(route, HTTPROUTE_SCHEMA)
        assert route["spec"]["rules"][0]["backendRefs"][0]["port"] == 80
        assert {e for e in admitted(docs) if e[1] == "shop/web"} == {
            ("namespace:gateways", "shop/web", "8080/TCP")}
        broken = json.loads(json.dumps(route))
        broken["spec"]["parentRefs"][0]["gatewayName"] = "public"
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, HTTPROUTE_SCHEMA)

    def test_load_balancer_admits_its_source_ranges(self, tmp_path: Path) -> None:
        docs = synth_source(tmp_path, (
            f"StatefulWebApp(shop, 'db', image='{IMAGE}', service_port=80, "
            "expose=LoadBalancer(source_ranges=['203.0.113.0/24']))\n"))
        public = by_key(docs)["Service/db-public"]["spec"]
        assert (public["type"], public["externalTrafficPolicy"], public["ports"][0]["port"]) == (
            "LoadBalancer", "Local", 80)
        assert public["loadBalancerSourceRanges"] == ["203.0.113.0/24"]
        assert {e for e in admitted(docs) if e[1] == "shop/db"} == {
            ("cidr:203.0.113.0/24", "shop/db", "8080/TCP"), ("shop/db", "shop/db", "8080/TCP")}

    def test_node_port_open_to_the_internet_is_recorded(self, tmp_path: Path) -> None:
        docs = synth_source(tmp_path, (
            f"WebApp(shop, 'web', image='{IMAGE}', "
            "expose=NodePort(source_ranges=['0.0.0.0/0'], node_port=30080))\n"))
        objects = by_key(docs)
        assert objects["Service/web-public"]["spec"]["ports"][0]["nodePort"] == 30080
        policy = objects["NetworkPolicy/web"]
        assert policy["metadata"]["annotations"]["blueprint.dev/ignore"] == (
            "BP042: NodePort admits 0.0.0.0/0")
        assert ("anywhere", "shop/web", "8080/TCP") in admitted(docs)
        assert [f.rule for f in check(docs, keep_suppressed=True) if f.rule == "BP042"
                and f.suppressed] == ["BP042"]

    def test_anywhere_is_asked_for_by_name(self, tmp_path: Path) -> None:
        docs = synth_source(tmp_path, (
            f"WebApp(shop, 'web', image='{IMAGE}', allow_from=['anywhere'])\n"))
        policy = by_key(docs)["NetworkPolicy/web"]
        assert {"ports": [{"port": 8080, "protocol": "TCP"}]} in policy["spec"]["ingress"]
        assert "BP042: admits traffic from anywhere" in policy["metadata"]["annotations"][
            "blueprint.dev/ignore"]
        assert [f for f in check(docs) if f.rule == "BP042"] == []


class TestAllowFromOnePort:
    """An ``allow_from`` entry that names a port admits its source on that port alone."""

    BODY = (f"api = WebApp(shop, 'api', image='{IMAGE}', calls=['web'])\n"
            f"WebApp(shop, 'web', image='{IMAGE}', service_port=80, "
            "extra_ports={'metrics': 9090}, allow_from=[{entries}])\n")

    def web_edges(self, tmp_path: Path, entries: str) -> set[tuple[str, str, str]]:
        docs = synth_source(tmp_path, self.BODY.replace("{entries}", entries))
        return {e for e in admitted(docs) if e[1] == "shop/web"}

    def test_each_source_reaches_only_its_port(self, tmp_path: Path) -> None:
        # By name, by Service port (80 is the pod's 8080), by pod port, an IPv6 block, and a
        # component of the release by id; api also calls web's main port.
        assert self.web_edges(tmp_path, (
            "'namespace:monitoring:metrics', '10.0.0.0/8:80', 'fd00::/8:9090', "
            "'api:metrics'")) == {
            ("namespace:monitoring", "shop/web", "9090/TCP"),
            ("cidr:10.0.0.0/8", "shop/web", "8080/TCP"),
            ("cidr:fd00::/8", "shop/web", "9090/TCP"),
            ("shop/api", "shop/web", "9090/TCP"),
            ("shop/api", "shop/web", "8080/TCP"),
        }

    def test_without_a_port_every_port_is_admitted(self, tmp_path: Path) -> None:
        assert self.web_edges(tmp_path, "'namespace:monitoring'") == {
            ("namespace:monitoring", "shop/web", "9090/TCP"),
            ("namespace:monitoring", "shop/web", "8080/TCP"),
            ("shop/api", "shop/web", "8080/TCP"),
        }

    def test_anywhere_on_one_port_is_recorded_with_its_port(self, tmp_path: Path) -> None:
        docs = synth_source(tmp_path, self.BODY.replace("{entries}", "'anywhere:http'"))
        # Anywhere includes the release's own pods, on that port only.
        assert {e for e in admitted(docs) if e[1] == "shop/web"} == {
            ("anywhere", "shop/web", "8080/TCP"), ("shop/api", "shop/web", "8080/TCP"),
            ("shop/web", "shop/web", "8080/TCP")}
        policy = by_key(docs)["NetworkPolicy/web"]
        assert "BP042: admits traffic from anywhere on port http" in policy["metadata"][
            "annotations"]["blueprint.dev/ignore"]
        assert [f for f in check(docs) if f.rule == "BP042"] == []

    def test_yaml_gives_the_same_policy(self, tmp_path: Path) -> None:
        (tmp_path / "py").mkdir()
        python = synth_source(tmp_path / "py", (
            f"WebApp(shop, 'web', image='{IMAGE}', extra_ports={{'metrics': 9090}}, "
            "allow_from=['namespace:monitoring:metrics', '192.0.2.0/24:http'])\n"))
        (tmp_path / "yaml").mkdir()
        (tmp_path / "yaml" / "blueprint.yaml").write_text(
            "apiVersion: blueprint.dev/v1\nrelease: shop\ncomponents:\n"
            f"  - {{kind: WebApp, name: web, image: '{IMAGE}', extraPorts: {{metrics: 9090}}, "
            "allowFrom: ['namespace:monitoring:metrics', '192.0.2.0/24:http']}\n")
        result = synthesize(tmp_path / "yaml", kube_version=DEFAULT)
        yaml_docs = [d for text in result.files.values() for d in load_all(text)]
        assert by_key(yaml_docs)["NetworkPolicy/web"] == by_key(python)["NetworkPolicy/web"]
        assert {e for e in admitted(yaml_docs) if e[1] == "shop/web"} == {
            ("namespace:monitoring", "shop/web", "9090/TCP"),
            ("cidr:192.0.2.0/24", "shop/web", "8080/TCP")}


class TestIngressRoutesAreUnique:
    """Two Ingresses that route the same host and path: one of them never gets the traffic."""

    @staticmethod
    def ingress(name: str, host: str | None, path: str, *, klass: str | None = None,
                path_type: str = "Prefix") -> dict[str, Any]:
        rule: dict[str, Any] = {"http": {"paths": [{"path": path, "pathType": path_type,
                                                    "backend": {"service": {
                                                        "name": name, "port": {"number": 80}}}}]}}
        if host is not None:
            rule["host"] = host
        spec: dict[str, Any] = {"rules": [rule]}
        if klass is not None:
            spec["ingressClassName"] = klass
        return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                "metadata": {"name": name, "namespace": "n"}, "spec": spec}

    def findings(self, *manifests: dict[str, Any]) -> list[tuple[int, str, str]]:
        return [(f.index, f.field, f.severity.value) for f in check(list(manifests))
                if f.rule == "BP042"]

    def test_the_second_route_is_flagged(self) -> None:
        assert self.findings(self.ingress("a", "shop.example.com", "/"),
                             self.ingress("b", "shop.example.com", "/")) == [
            (1, "spec.rules[0].http.paths[0].path", "warning")]

    def test_the_message_names_the_first_ingress_with_its_namespace(self) -> None:
        first, second = self.ingress("a", "shop.example.com", "/"), self.ingress(
            "b", "shop.example.com", "/")
        (finding,) = [f for f in check([first, second]) if f.rule == "BP042"]
        assert finding.message.startswith("Ingress n/a routes shop.example.com/ too")

    def test_the_same_object_twice_is_one_object(self) -> None:
        # lint of two files that both hold it, or a List that repeats it
        assert self.findings(self.ingress("a", "shop.example.com", "/"),
                             self.ingress("a", "shop.example.com", "/")) == []

    def test_a_canary_shares_its_route_on_purpose(self) -> None:
        canary = self.ingress("a-canary", "shop.example.com", "/")
        canary["metadata"]["annotations"] = {"nginx.ingress.kubernetes.io/canary": "true"}
        assert self.findings(self.ingress("a", "shop.example.com", "/"), canary) == []

    def test_a_rule_without_host_collides_with_another_without_host(self) -> None:
        assert len(self.findings(self.ingress("a", None, "/api"),
                                 self.ingress("b", None, "/api"))) == 1

    @pytest.mark.parametrize("other", [
        {"host": "other.example.com", "path": "/"},
        {"host": "shop.example.com", "path": "/cart"},
        {"host": "shop.example.com", "path": "/", "klass": "traefik"},
        {"host": "shop.example.com", "path": "/", "path_type": "Exact"},
        {"host": None, "path": "/"},
    ])
    def test_different_routes_pass(self, other: dict[str, Any]) -> None:
        host, path = other.pop("host"), other.pop("path")
        assert self.findings(self.ingress("a", "shop.example.com", "/"),
                             self.ingress("b", host, path, **other)) == []

    def test_synth_refuses_two_exposures_of_one_route(self, tmp_path: Path) -> None:
        folder = _project(tmp_path, (
            f"WebApp(shop, 'vote', image='{IMAGE}', expose=Ingress(host='vote.example.com'))\n"
            f"WebApp(shop, 'result', image='{IMAGE}', expose=Ingress(host='vote.example.com'))\n"))
        result = runner.invoke(cli, ["synth", str(folder)])
        assert result.exit_code == 1, result.output
        assert result.stderr.splitlines() == [
            "error: Ingress/result: spec.rules[0].http.paths[0].path=/: Ingress shop/vote "
            "routes vote.example.com/ too: the controller picks one of them or refuses this one "
            "(BP042); give one of them another host or path"]
        assert (folder / "dist" / "shop.k8s.yaml").read_text() == f"{MARKER}previous output\n"

    def test_synth_accepts_two_paths_of_one_host(self, tmp_path: Path) -> None:
        docs = synth_source(tmp_path, (
            f"WebApp(shop, 'vote', image='{IMAGE}', expose=Ingress(host='vote.example.com'))\n"
            f"WebApp(shop, 'result', image='{IMAGE}', "
            "expose=Ingress(host='vote.example.com', path='/results'))\n"))
        assert sorted(d["metadata"]["name"] for d in docs if d["kind"] == "Ingress") == [
            "result", "vote"]


class TestOpenIngressRule:
    """The rule registry flags an ingress rule that admits every source (BP042)."""

    @staticmethod
    def policy(rule: Mapping[str, Any], annotations: Mapping[str, str] | None = None
               ) -> dict[str, Any]:
        metadata: dict[str, Any] = {"name": "p", "namespace": "n"}
        if annotations:
            metadata["annotations"] = dict(annotations)
        return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": metadata,
                "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [rule]}}

    @pytest.mark.parametrize(("rule", "field"), [
        ({}, "spec.ingress[0].from"),
        ({"from": []}, "spec.ingress[0].from"),
        ({"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}, "spec.ingress[0].from[0].ipBlock.cidr"),
        ({"from": [{"podSelector": {}}, {"ipBlock": {"cidr": "::/0"}}]},
         "spec.ingress[0].from[1].ipBlock.cidr"),
    ])
    def test_flags_a_rule_open_to_every_source(self, rule: dict[str, Any], field: str) -> None:
        findings = [f for f in check([self.policy(rule)]) if f.rule == "BP042"]
        assert [(f.field, f.severity.value) for f in findings] == [(field, "warning")]

    @pytest.mark.parametrize("rule", [
        {"from": [{"podSelector": {"matchLabels": {"app": "web"}}}]},
        {"from": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}}]},
        {"from": [{"namespaceSelector": {}}]},
    ])
    def test_passes_a_rule_with_sources(self, rule: dict[str, Any]) -> None:
        assert [f for f in check([self.policy(rule)]) if f.rule == "BP042"] == []

    def test_a_recorded_decision_suppresses_it(self) -> None:
        manifest = self.policy({}, {"blueprint.dev/ignore": "BP042: public status page"})
        assert [f for f in check([manifest]) if f.rule == "BP042"] == []

    def test_build_mode_makes_it_an_error_for_blueprint_objects(self) -> None:
        manifest = self.policy({})
        manifest["metadata"]["labels"] = {"app.kubernetes.io/managed-by": "blueprint"}
        findings = check([manifest], context=Context(mode="build"), select=["BP042"])
        assert [(f.rule, f.severity.value) for f in findings] == [("BP042", "error")]


def _project(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "svc"
    folder.mkdir()
    (folder / "blueprint.py").write_text(HEADER + body + "app.synth()\n")
    (folder / "dist").mkdir()
    (folder / "dist" / "shop.k8s.yaml").write_text(f"{MARKER}previous output\n")
    return folder


BAD_CALLS: dict[str, tuple[str, str]] = {
    "calls entry naming nothing": (
        f"WebApp(shop, 'web', image='{IMAGE}', calls=['cartt'])\n"
        f"WebApp(shop, 'cart', image='{IMAGE}')\n",
        "error: shop/web: calls=cartt: names no component of the release (BP042); did you "
        'mean cart? (an external address is "host:port")'),
    "a port the callee does not expose": (
        f"cart = WebApp(shop, 'cart', image='{IMAGE}')\n"
        f"WebApp(shop, 'web', image='{IMAGE}', calls=[Call(cart, 9090)])\n",
        "error: shop/web: calls=shop/cart: shop/cart does not expose port 9090 (BP042); call "
        "one of its Service ports (http=8080)"),
    "a named port the callee does not expose": (
        f"WebApp(shop, 'cart', image='{IMAGE}')\n"
        f"WebApp(shop, 'web', image='{IMAGE}', calls=['cart:grpc'])\n",
        "error: shop/web: calls=cart:grpc: shop/cart does not expose port grpc (BP042); call "
        "one of its Service ports (http=8080)"),
    "an exposure without a Service": (
        "WorkerWithInit(shop, 'w', image='busybox:1.36.1', "
        "expose=Ingress(host='w.example.com'))\n",
        "error: shop/w: expose=Ingress(host='w.example.com', path='/', class_name=None, "
        "tls_secret=None, controller_namespace='ingress-nginx'): a WorkerWithInit has no "
        "Service to expose (BP042); expose a WebApp or StatefulWebApp"),
    "a malformed host:port": (
        f"WebApp(shop, 'web', image='{IMAGE}', calls=['api.example.com:'])\n",
        "error: shop/web: calls=api.example.com:: not \"host:port\" nor a component name "
        '(BP042); e.g. "cart", "cart:grpc" or "api.example.com:443"'),
    "a port out of range": (
        f"WebApp(shop, 'web', image='{IMAGE}', calls=['api.example.com:70000'])\n",
        "error: shop/web: calls=api.example.com:70000: ports are 1 to 65535 (BP042); e.g. "
        '"api.example.com:443"'),
    "an IP address": (
        f"WebApp(shop, 'web', image='{IMAGE}', calls=['10.0.0.7:5432'])\n",
        "error: shop/web: calls=10.0.0.7:5432: an IP address: pods move and IPs change "
        '(BP010); name the host, e.g. "mydb:5432"'),
    "a callee without a Service": (
        "w = WorkerWithInit(shop, 'w', image='busybox:1.36.1')\n"
        f"WebApp(shop, 'web', image='{IMAGE}', calls=[w])\n",
        "error: shop/web: calls=shop/w: shop/w has no Service to call (BP042); call a WebApp "
        "or StatefulWebApp"),
    "a variable set twice": (
        f"cart = WebApp(shop, 'cart', image='{IMAGE}')\n"
        f"WebApp(shop, 'web', image='{IMAGE}', env={{'CART_ADDR': 'x'}}, calls=[cart])\n",
        "error: shop/web: calls=CART_ADDR: the variable is set by a call and by env (BP042); "
        'remove it from env (the call sets it), or give the call another name: '
        'calls={"OTHER_ADDR": ...}'),
    "a variable set by two calls": (
        f"cart = WebApp(shop, 'cart', image='{IMAGE}')\n"
        f"WebApp(shop, 'web', image='{IMAGE}', calls=[cart, Call(cart, host_env='CART_ADDR')])\n",
        "error: shop/web: calls=CART_ADDR: two calls set the variable (BP042); name one of them: "
        'calls={"OTHER_ADDR": ...}'),
    "calls given one component instead of a list": (
        f"cart = WebApp(shop, 'cart', image='{IMAGE}')\n"
        f"WebApp(shop, 'web', image='{IMAGE}', calls=cart)\n",
        "error: shop/web: calls=WebApp('shop/cart'): must be a list or a mapping, got "
        "WebApp('shop/cart'); pass calls=[...] (a list, even of one entry), or calls={...}"),
    "calls given one name instead of a list": (
        f"WebApp(shop, 'cart', image='{IMAGE}')\n"
        f"WebApp(shop, 'web', image='{IMAGE}', calls='cart')\n",
        "error: shop/web: calls=\"cart\": must be a list or a mapping, got str 'cart'; pass "
        "calls=['cart'] (a list, even of one entry), or calls={...}"),
    "allow_from given one component instead of a list": (
        f"cart = WebApp(shop, 'cart', image='{IMAGE}')\n"
        f"WebApp(shop, 'web', image='{IMAGE}', allow_from=cart)\n",
        "error: shop/web: allow_from=WebApp('shop/cart'): must be a list, got "
        "WebApp('shop/cart'); pass allow_from=[...]"),
    "allow_from naming a port the component does not serve": (
        f"WebApp(shop, 'web', image='{IMAGE}', allow_from=['namespace:monitoring:metrix'])\n",
        "error: shop/web: allow_from=namespace:monitoring:metrix: serves no port metrix "
        "(BP042); name one of its ports (http=8080), or drop ':metrix' to admit all of them"),
    "allow_from with an empty port": (
        f"WebApp(shop, 'web', image='{IMAGE}', allow_from=['10.0.0.0/8:'])\n",
        "error: shop/web: allow_from=10.0.0.0/8:: names no port: '' (BP042); end it with a port "
        "name or number (10.0.0.0/8:http, 10.0.0.0/8:8080), or with nothing to admit every "
        "port"),
    "allow_from with port 0": (
        f"WebApp(shop, 'web', image='{IMAGE}', allow_from=['anywhere:0'])\n",
        "error: shop/web: allow_from=anywhere:0: names no port: '0' (BP042); end it with a port "
        "name or number (anywhere:http, anywhere:8080), or with nothing to admit every port"),
    "allow_from with a digit that is no number": (
        f"WebApp(shop, 'web', image='{IMAGE}', allow_from=['web:\u00b2'])\n",
        "error: shop/web: allow_from=web:\u00b2: names no port: '\u00b2' (BP042); end it with a "
        "port name or number (web:http, web:8080), or with nothing to admit every port"),
    "allow_from with one IPv6 address": (
        f"WebApp(shop, 'web', image='{IMAGE}', allow_from=['2001:db8::1'])\n",
        "error: shop/web: allow_from=2001:db8::1: a single address, not a CIDR block (BP042); "
        'write it as a block: "2001:db8::1/128"'),
    "allow_from with one IPv4 address": (
        f"WebApp(shop, 'web', image='{IMAGE}', allow_from=['192.0.2.7'])\n",
        "error: shop/web: allow_from=192.0.2.7: a single address, not a CIDR block (BP042); "
        'write it as a block: "192.0.2.7/32"'),
    "allow_from naming an unknown component with a port": (
        f"WebApp(shop, 'web', image='{IMAGE}', allow_from=['apii:http'])\n"
        f"WebApp(shop, 'api', image='{IMAGE}')\n",
        "error: shop/web: allow_from=apii:http: names no component of the release (BP042); use "
        "a component id (api, web), a construct, 'namespace:<name>', a CIDR block or "
        "'anywhere'"),
    "a load balancer without source ranges": (
        f"WebApp(shop, 'web', image='{IMAGE}', expose=LoadBalancer(source_ranges=[]))\n",
        "error: shop/web: expose.source_ranges=[]: a public Service needs the list of addresses "
        'it admits (BP042); pass source_ranges=["203.0.113.0/24"], or ["0.0.0.0/0"] for the '
        "internet"),
}


class TestBadInput:
    @pytest.mark.parametrize("case", sorted(BAD_CALLS))
    def test_one_line_exit_1_nothing_written(self, case: str, tmp_path: Path) -> None:
        body, expected = BAD_CALLS[case]
        folder = _project(tmp_path, body)
        result = runner.invoke(cli, ["synth", str(folder)])
        assert result.exit_code == 1, result.output
        assert result.stderr.splitlines() == [expected]
        assert "Traceback" not in result.output
        assert (folder / "dist" / "shop.k8s.yaml").read_text() == f"{MARKER}previous output\n"

    @pytest.mark.parametrize(("component", "expected"), [
        ("{kind: WebApp, name: web, image: 'nginx:1.27.3', calls: [nobody]}",
         "error: {bp}:4: components[0].calls=nobody: names no component of the release (BP042); "
         "use a "
         'component (web) or an external "host:port"'),
        ("{kind: WorkerWithInit, name: w, image: 'busybox:1.36.1', "
         "expose: {ingress: {host: a.example.com}}}",
         "error: {bp}:4: components[0].expose={'ingress': {'host': 'a.example.com'}}: a "
         "WorkerWithInit has no Service to expose (BP042); expose a WebApp or StatefulWebApp"),
        ("{kind: WebApp, name: web, image: 'nginx:1.27.3', expose: {ingres: {host: a.b}}}",
         "error: {bp}:4: components[0].expose={'ingres': {'host': 'a.b'}}: an exposure names "
         "exactly one of ingress, httpRoute, loadBalancer, nodePort (BP042); e.g. {ingress: "
         "{host: shop.example.com}}"),
    ])
    def test_yaml(self, component: str, expected: str, tmp_path: Path,
                  monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(tmp_path)
        (tmp_path / "blueprint.yaml").write_text(
            f"apiVersion: blueprint.dev/v1\nrelease: shop\ncomponents:\n  - {component}\n")
        result = runner.invoke(cli, ["synth", "blueprint.yaml"])
        assert result.exit_code == 1, result.output
        assert result.stderr.splitlines() == [expected.replace("{bp}", "blueprint.yaml")]
        assert not (tmp_path / "dist").exists()


def _walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def test_yaml_exposures_render_like_python(tmp_path: Path,
                                           write_blueprint: Callable[[str, str], Path]) -> None:
    python = write_blueprint(HEADER + (
        f"WebApp(shop, 'web', image='{IMAGE}', service_port=80, calls=['api.example.com:443'], "
        "expose=[Ingress(host='a.example.com'), HTTPRoute(gateway='gw', hostnames=['a.b'])])\n"
        "app.synth()\n"), "py")
    (tmp_path / "yml").mkdir()
    (tmp_path / "yml" / "blueprint.yaml").write_text(
        "apiVersion: blueprint.dev/v1\nrelease: shop\ncomponents:\n"
        f"  - {{kind: WebApp, name: web, image: '{IMAGE}', servicePort: 80,\n"
        "     calls: ['api.example.com:443'],\n"
        "     expose: [{ingress: {host: a.example.com}}, {httpRoute: {gateway: gw, "
        "hostnames: [a.b]}}]}\n")
    first = synthesize(python, kube_version=DEFAULT).files
    second = synthesize(tmp_path / "yml", kube_version=DEFAULT).files
    assert first == second
    docs = load_all(first["shop.k8s.yaml"])
    assert {d["kind"] for d in docs} >= {"Ingress", "HTTPRoute"}
    assert not any(isinstance(v, dict) and v.get("from") == [] for v in _walk(docs))


def test_another_port_gets_its_own_variable(tmp_path: Path) -> None:
    docs = synth_source(tmp_path, (
        f"db = WebApp(shop, 'db', image='{IMAGE}', extra_ports={{'metrics': 9090}})\n"
        f"WebApp(shop, 'web', image='{IMAGE}', calls=[db, Call(db, 'metrics')])\n"))
    assert env_of(by_key(docs)["Deployment/web"]) == {
        "DB_ADDR": "db:8080", "DB_METRICS_ADDR": "db:9090"}
    assert {e for e in admitted(docs) if e[1] == "shop/db"} == {
        ("shop/web", "shop/db", "8080/TCP"), ("shop/web", "shop/db", "9090/TCP")}


def test_declared_egress_lets_a_git_clone_out(tmp_path: Path) -> None:
    docs = synth_source(tmp_path, (
        "from blueprints import Mount, Volume\n"
        "site = Volume.git_clone('site', 'https://github.com/example/site.git', "
        "revision='v1.0.0')\n"
        f"WebApp(shop, 'web', image='{IMAGE}', egress='declared', "
        "mounts=[Mount(site, '/usr/share/nginx/html')])\n"))
    egress = by_key(docs)["NetworkPolicy/web"]["spec"]["egress"]
    assert {"ports": [{"port": 443, "protocol": "TCP"}]} in egress


def test_declared_egress_keeps_a_logging_stack_working(tmp_path: Path) -> None:
    """The stack's parts are admitted by Elasticsearch without calls=: their egress follows."""
    (tmp_path / "blueprint.py").write_text(
        "from blueprints import App, LoggingStack, Release\napp = App()\n"
        "logs = Release(app, 'logs', egress='declared')\n"
        "LoggingStack(logs, 'logs', credentials_secret='es-credentials', "
        "elasticsearch_replicas=3, transport_tls_secret='es-transport')\napp.synth()\n")
    docs = load_all(synthesize(tmp_path, kube_version=DEFAULT).files["logs.k8s.yaml"])
    got = admitted(docs)
    for part in ("logs-kibana", "logs-fluentd", "logs-retention"):
        assert (f"logs/{part}", "logs/logs-elasticsearch", "9200/TCP") in got
    assert ("logs/logs-elasticsearch", "logs/logs-elasticsearch", "9300/TCP") in got


class TestHostAndPortApart:
    """``Call(..., host_env=, port_env=)``: apps that read the host and the port apart
    (TeaStore's REGISTRY_HOST/REGISTRY_PORT) get them from the one declared edge."""

    def test_python_host_and_port_follow_the_callee(self, tmp_path: Path) -> None:
        docs = synth_source(tmp_path, (
            f"registry = WebApp(shop, 'registry', image='{IMAGE}', service_port=80)\n"
            "data = Release(app, 'data', namespace='data')\n"
            f"db = StatefulWebApp(data, 'db', image='{IMAGE}', port=3306)\n"
            f"WebApp(shop, 'web', image='{IMAGE}', calls=["
            "Call(registry, host_env='REGISTRY_HOST', port_env='REGISTRY_PORT'), "
            "Call(db, host_env='DB_HOST', port_env='DB_PORT'), "
            "Call('api.example.com:443', port_env='API_PORT')])\n"))
        objects = by_key(docs)
        # service_port=80 moves REGISTRY_PORT with it; another namespace moves DB_HOST.
        assert env_of(objects["Deployment/web"]) == {
            "REGISTRY_HOST": "registry", "REGISTRY_PORT": "80",
            "DB_HOST": "db.data.svc", "DB_PORT": "3306", "API_PORT": "443"}
        assert {e for e in admitted(docs) if e[0] == "shop/web" and e[1] != "shop/web"} == {
            ("shop/web", "shop/registry", "8080/TCP"), ("shop/web", "data/db", "3306/TCP")}

    def test_a_named_address_is_kept_beside_them(self, tmp_path: Path) -> None:
        docs = synth_source(tmp_path, (
            f"cart = WebApp(shop, 'cart', image='{IMAGE}', port=7070)\n"
            f"WebApp(shop, 'web', image='{IMAGE}', calls={{"
            "'CART_ADDR': Call(cart, host_env='CART_HOST'), 'OTHER': cart})\n"))
        assert env_of(by_key(docs)["Deployment/web"]) == {
            "CART_ADDR": "cart:7070", "CART_HOST": "cart", "OTHER": "cart:7070"}

    def test_yaml_gives_the_same_objects(self, tmp_path: Path,
                                         write_blueprint: Callable[[str, str], Path]) -> None:
        python = write_blueprint(HEADER + (
            f"db = WebApp(shop, 'db', image='{IMAGE}', port=3306)\n"
            f"WebApp(shop, 'web', image='{IMAGE}', calls=[Call(db, host_env='DB_HOST', "
            "port_env='DB_PORT')])\napp.synth()\n"), "py")
        (tmp_path / "yml").mkdir()
        (tmp_path / "yml" / "blueprint.yaml").write_text(
            "apiVersion: blueprint.dev/v1\nrelease: shop\ncomponents:\n"
            f"  - {{kind: WebApp, name: db, image: '{IMAGE}', port: 3306}}\n"
            f"  - {{kind: WebApp, name: web, image: '{IMAGE}',\n"
            "     calls: [{target: db, hostEnv: DB_HOST, portEnv: DB_PORT}]}\n")
        first = synthesize(python, kube_version=DEFAULT).files
        assert first == synthesize(tmp_path / "yml", kube_version=DEFAULT).files
        web = by_key(load_all(first["shop.k8s.yaml"]))["Deployment/web"]
        assert env_of(web) == {"DB_HOST": "db", "DB_PORT": "3306"}

    @pytest.mark.parametrize(("body", "expected"), [
        (f"WebApp(shop, 'db', image='{IMAGE}')\n"
         f"WebApp(shop, 'web', image='{IMAGE}', env={{'DB_HOST': 'x'}}, "
         "calls=[Call('db', host_env='DB_HOST')])\n",
         "error: shop/web: calls=DB_HOST: the variable is set by a call and by env (BP042); "
         'remove it from env (the call sets it), or give the call another name: '
         'calls={"OTHER_ADDR": ...}'),
        (f"WebApp(shop, 'db', image='{IMAGE}')\n"
         f"WebApp(shop, 'web', image='{IMAGE}', calls=[Call('db', host_env='DB HOST')])\n",
         "error: shop/web: calls=DB HOST: not a valid variable name; use letters, digits, '_', "
         "'-' and '.'"),
    ])
    def test_bad_variable_names(self, body: str, expected: str, tmp_path: Path) -> None:
        folder = _project(tmp_path, body)
        result = runner.invoke(cli, ["synth", str(folder)])
        assert result.exit_code == 1, result.output
        assert result.stderr.splitlines() == [expected]
        assert (folder / "dist" / "shop.k8s.yaml").read_text() == f"{MARKER}previous output\n"

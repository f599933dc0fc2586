"""The NetworkPolicy evaluator and ``blueprint graph``: who may reach whom, as the cluster
enforces it (networking.k8s.io/v1 semantics, case by case)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from blueprints.cli.main import app
from blueprints.release.graph import Edge, edges, to_dot, to_mermaid
from tests.conftest import EXAMPLES

runner = CliRunner()


def deployment(name: str, namespace: str = "shop", labels: dict[str, str] | None = None,
               ports: dict[str, int] | None = None) -> dict[str, Any]:
    containers = [{"name": "app", "image": "a:1",
                   "ports": [{"name": n, "containerPort": p} for n, p in (ports or {}).items()]}]
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"template": {"metadata": {"labels": labels or {"app": name}},
                                  "spec": {"containers": containers}}}}


def policy(name: str, selector: dict[str, Any], namespace: str = "shop",
           **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"podSelector": selector, **spec}}


def sources(found: list[Edge], target: str) -> set[tuple[str, str]]:
    return {(e.source, e.port) for e in found if e.target == target}


WEB, DB = deployment("web"), deployment("db", ports={"pg": 5432})


def test_no_policy_admits_everything() -> None:
    found = edges([WEB, DB])
    assert sources(found, "shop/db") == {("anywhere", "*"), ("shop/web", "*"), ("shop/db", "*")}


def test_a_policy_without_rules_denies_everything() -> None:
    found = edges([WEB, DB, policy("db", {"matchLabels": {"app": "db"}}, policyTypes=["Ingress"])])
    assert sources(found, "shop/db") == set()
    assert ("anywhere", "*") in sources(found, "shop/web")  # web is not selected: open


def test_an_empty_from_admits_every_source() -> None:
    """The allow-all regression of issue #7: `from: []` is not "nobody"."""
    found = edges([WEB, DB, policy("db", {"matchLabels": {"app": "db"}},
                                   ingress=[{"from": [], "ports": [{"port": 5432}]}])])
    assert sources(found, "shop/db") == {("anywhere", "5432/TCP"), ("shop/web", "5432/TCP"),
                                         ("shop/db", "5432/TCP")}


def test_pod_selector_peers_stay_in_the_policys_namespace() -> None:
    other = deployment("web", namespace="other")
    rule = {"from": [{"podSelector": {"matchLabels": {"app": "web"}}}],
            "ports": [{"port": "pg"}]}
    found = edges([WEB, other, DB, policy("db", {"matchLabels": {"app": "db"}}, ingress=[rule])])
    assert sources(found, "shop/db") == {("shop/web", "5432/TCP")}  # named port resolved


def test_namespace_and_pod_selector_in_one_peer_are_and_in_two_peers_are_or() -> None:
    other_web = deployment("web", namespace="other")
    other_job = deployment("job", namespace="other")
    both = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "other"}},
            "podSelector": {"matchLabels": {"app": "web"}}}
    together = edges([WEB, other_web, other_job, DB,
                      policy("db", {"matchLabels": {"app": "db"}}, ingress=[{"from": [both]}])])
    assert sources(together, "shop/db") == {("other/web", "*")}
    apart = [{"namespaceSelector": both["namespaceSelector"]},
             {"podSelector": both["podSelector"]}]
    separate = edges([WEB, other_web, other_job, DB,
                      policy("db", {"matchLabels": {"app": "db"}}, ingress=[{"from": apart}])])
    assert sources(separate, "shop/db") == {("other/web", "*"), ("other/job", "*"),
                                            ("shop/web", "*")}


def test_a_namespace_without_workloads_is_a_named_source() -> None:
    peer = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}},
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "ingress-nginx"}}}
    found = edges([WEB, policy("web", {"matchLabels": {"app": "web"}},
                               ingress=[{"from": [peer], "ports": [{"port": 8080}]}])])
    assert sources(found, "shop/web") == {
        ("namespace:ingress-nginx pods:app.kubernetes.io/name=ingress-nginx", "8080/TCP")}


def test_ip_blocks() -> None:
    rules = [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"port": 80}]},
             {"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}]}]
    found = edges([WEB, policy("web", {}, ingress=rules)])
    assert sources(found, "shop/web") == {("anywhere", "80/TCP"),
                                          ("cidr:10.0.0.0/8 except 10.1.0.0/16", "*")}


def test_match_expressions() -> None:
    canary = deployment("canary", labels={"app": "web", "track": "canary"})
    rule = {"from": [{"podSelector": {"matchExpressions": [
        {"key": "app", "operator": "In", "values": ["web"]},
        {"key": "track", "operator": "DoesNotExist"}]}}]}
    found = edges([WEB, canary, DB, policy("db", {"matchLabels": {"app": "db"}}, ingress=[rule])])
    assert sources(found, "shop/db") == {("shop/web", "*")}


def test_a_policy_of_another_namespace_selects_nothing_here() -> None:
    found = edges([WEB, DB, policy("db", {}, namespace="other", policyTypes=["Ingress"])])
    assert ("anywhere", "*") in sources(found, "shop/db")


def test_egress_only_policies_leave_ingress_open_and_restrict_the_source() -> None:
    to_db = {"to": [{"podSelector": {"matchLabels": {"app": "db"}}}], "ports": [{"port": 5432}]}
    found = edges([WEB, DB, deployment("cache"),
                   policy("web-egress", {"matchLabels": {"app": "web"}}, policyTypes=["Egress"],
                          egress=[to_db])])
    assert ("shop/web", "5432/TCP") in sources(found, "shop/db")
    assert ("shop/web", "*") not in sources(found, "shop/db")
    assert not any(e.source == "shop/web" for e in found if e.target == "shop/cache")
    assert ("anywhere", "*") in sources(found, "shop/web")  # web's ingress is not isolated


def test_both_sides_must_allow() -> None:
    ingress = policy("db", {"matchLabels": {"app": "db"}},
                     ingress=[{"from": [{"podSelector": {}}], "ports": [{"port": 5432}]}])
    egress = policy("web", {"matchLabels": {"app": "web"}}, policyTypes=["Egress"],
                    egress=[{"to": [{"podSelector": {"matchLabels": {"app": "db"}}}],
                             "ports": [{"port": 6379}]}])
    found = edges([WEB, DB, ingress, egress])
    assert not any(e.source == "shop/web" for e in found if e.target == "shop/db")


def test_the_picture_names_workloads_services_exposure_and_edges() -> None:
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
               "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}}
    ingress = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
               "metadata": {"name": "web", "namespace": "shop"},
               "spec": {"rules": [{"host": "shop.example.com", "http": {"paths": [
                   {"path": "/", "pathType": "Prefix",
                    "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}}
    rule = {"from": [{"podSelector": {"matchLabels": {"app": "web"}}}], "ports": [{"port": 5432}]}
    manifests = [WEB, DB, service, ingress,
                 policy("db", {"matchLabels": {"app": "db"}}, ingress=[rule])]
    mermaid = to_mermaid(manifests)
    assert mermaid.startswith("flowchart LR\n")
    assert '["web (Deployment, shop)<br>svc web:80->8080 (ClusterIP)"]' in mermaid
    assert '(["Ingress shop.example.com/"])' in mermaid
    assert '-->|"5432/TCP"|' in mermaid
    dot = to_dot(manifests)
    assert dot.startswith("digraph release {") and dot.rstrip().endswith("}")
    assert 'label="5432/TCP"' in dot and "style=dashed" in dot


def test_graph_command_draws_a_blueprint() -> None:
    result = runner.invoke(app, ["graph", str(EXAMPLES / "graceful-shutdown")])
    assert result.exit_code == 0, result.output
    assert '(["namespace:ingress-nginx"])' in result.stdout
    assert '-->|"8080/TCP"|' in result.stdout


def test_graph_command_reads_manifests_from_stdin() -> None:
    text = yaml.safe_dump_all([WEB, DB, policy("db", {"matchLabels": {"app": "db"}},
                                                policyTypes=["Ingress"])])
    result = runner.invoke(app, ["graph", "--manifests", "-", "--format", "dot"], input=text)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("digraph release {")
    assert "-> n1" not in result.stdout  # db (the second node) admits nobody


def test_graph_command_refuses_unreadable_input_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"kind: [unclosed\n")
    result = runner.invoke(app, ["graph", "--manifests", str(bad)])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "not valid YAML" in result.stderr and "Traceback" not in result.stderr


def test_readme_picture_is_what_graph_draws_for_the_quick_start(tmp_path: Path) -> None:
    readme = (EXAMPLES.parent / "README.md").read_text()
    (tmp_path / "blueprint.py").write_text(readme.split("```python\n", 1)[1].split("```", 1)[0])
    drawn = readme.split("```mermaid\n", 1)[1].split("```", 1)[0]
    result = runner.invoke(app, ["graph", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == drawn


def test_commands_name_themselves_when_there_is_no_blueprint(tmp_path: Path) -> None:
    """graph and diff say which command found no blueprint; diff exits 2 (unreadable input),
    since its exit 1 means "something changes"."""
    for command, code in (("graph", 1), ("diff", 2), ("synth", 1)):
        result = runner.invoke(app, [command, str(tmp_path)])
        assert result.exit_code == code, (command, result.output)
        assert result.stderr.startswith(f"error: {command}: PATH=")
        assert len(result.stderr.strip().splitlines()) == 1

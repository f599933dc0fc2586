"""``blueprint synth``: run a blueprint, validate every object, write the YAML atomically."""

from __future__ import annotations

import runpy
import sys
import traceback
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blueprints.errors import (
    BlueprintError,
    BlueprintFileError,
    ConfigError,
    Problem,
    ValidationError,
)
from blueprints.kube import KubeVersion, targeting
from blueprints.practices import Severity
from blueprints.release.writer import OUTPUT_SUFFIX, dump_documents, plan_output, write_output
from blueprints.rules import Finding, raise_errors

__all__ = ["BLUEPRINT_FILE", "SynthResult", "find_blueprint", "synthesize", "write"]

BLUEPRINT_FILE = "blueprint.py"
YAML_BLUEPRINT_FILE = "blueprint.yaml"


@dataclass(frozen=True, slots=True)
class SynthResult:
    """What a blueprint synthesizes.

    Attributes:
        blueprint: The blueprint file that ran.
        files: Output file name (``<chart>.k8s.yaml``) to its YAML text, in chart order.
        objects: How many objects each file holds.
        warnings: Findings below *error* severity, reported but not fatal.
    """

    blueprint: Path
    files: dict[str, str]
    objects: dict[str, int]
    warnings: list[Finding] = field(default_factory=list)

    def stream(self) -> str:
        """Every release file as one YAML stream, in release order, ``---`` between them (what
        ``synth -o -`` prints)."""
        return "---\n".join(self.files.values())


def find_blueprint(path: Path) -> Path:
    """The blueprint file that ``path`` names: the file itself, or ``blueprint.py`` inside it.

    Raises:
        ConfigError: Nothing is there.
    """
    if path.is_dir():
        found = [path / n for n in (BLUEPRINT_FILE, YAML_BLUEPRINT_FILE) if (path / n).is_file()]
        if not found:
            raise ConfigError(Problem("synth", "PATH", str(path),
                                      f"holds no {BLUEPRINT_FILE} or {YAML_BLUEPRINT_FILE}",
                                      "pass a folder with a blueprint, or the file itself"))
        if len(found) > 1:
            raise ConfigError(Problem("synth", "PATH", str(path),
                                      f"holds both {BLUEPRINT_FILE} and {YAML_BLUEPRINT_FILE}",
                                      "pass the file you mean"))
        return found[0]
    if not path.exists():
        raise ConfigError(Problem("synth", "PATH", str(path), "no such file or directory",
                                  f"pass a {BLUEPRINT_FILE} or the folder that holds it"))
    if path.suffix not in (".py", ".yaml", ".yml"):
        raise ConfigError(Problem("synth", "PATH", str(path), "not a blueprint",
                                  f"pass a {BLUEPRINT_FILE}, a {YAML_BLUEPRINT_FILE} or the "
                                  "folder that holds it"))
    return path


def synthesize(
    path: Path,
    *,
    kube_version: KubeVersion,
    validate_schema: bool = False,
    values: Sequence[Mapping[str, Any]] = (),
) -> SynthResult:
    """Run the blueprint at ``path`` and return its validated YAML, writing nothing.

    A ``blueprint.yaml`` renders through the pure core without Node, with ``values`` merged
    over its own; a ``blueprint.py`` runs as ``cdk8s synth`` would run it.

    Raises:
        ConfigError: Bad path or props. ValidationError: objects break practices (all listed).
        BlueprintFileError: The blueprint raised an exception of its own, or made no objects.
    """
    blueprint = find_blueprint(path).resolve()
    if blueprint.suffix in (".yaml", ".yml"):
        from blueprints.yaml.blueprint import render_yaml_blueprint

        charts = render_yaml_blueprint(blueprint, kube_version=kube_version, values=values)
    else:
        with targeting(kube_version):
            charts = _run(blueprint)
    all_manifests = [m for _, manifests in charts for m in manifests]
    if not all_manifests:
        raise BlueprintFileError(Problem(
            _display(blueprint), "objects", 0, "the blueprint synthesized nothing",
            "add a Release with components to an App and call app.synth()"))
    _check_unique(charts)
    findings = raise_errors(all_manifests, kube_version)
    if validate_schema:
        from blueprints.release.schema import schema_problems

        problems = schema_problems(all_manifests, kube_version)
        if problems:
            raise ValidationError(problems)
    files = {f"{name}{OUTPUT_SUFFIX}": dump_documents(manifests) for name, manifests in charts}
    objects = {f"{name}{OUTPUT_SUFFIX}": len(manifests) for name, manifests in charts}
    warnings = [f for f in findings if f.severity is Severity.WARNING]
    return SynthResult(blueprint, files, objects, warnings)


def write(result: SynthResult, output: Path, *, check_only: bool = False) -> list[str]:
    """Write ``result`` to ``output`` (or, with ``check_only``, only compare).

    Returns:
        The names of the files that changed (or would change), removed ones included.
    """
    changed, removed = plan_output(output, result.files)
    if not check_only:
        write_output(output, result.files)
    return changed + removed


@contextmanager
def _capturing_synth() -> Iterator[list[Any]]:
    """Replace ``App.synth`` while the blueprint runs: blueprint, not Node, writes the YAML."""
    from blueprints._node import ensure_node

    ensure_node()
    import cdk8s

    apps: list[Any] = []
    original = cdk8s.App.synth

    def capture(self: Any) -> None:
        if self not in apps:
            apps.append(self)

    cdk8s.App.synth = capture  # type: ignore[method-assign]
    try:
        yield apps
    finally:
        cdk8s.App.synth = original  # type: ignore[method-assign]


def _run(blueprint: Path) -> list[tuple[str, list[dict[str, Any]]]]:
    from blueprints.cdk.release import Release

    sys.path.insert(0, str(blueprint.parent))
    try:
        with _capturing_synth() as apps:
            try:
                runpy.run_path(str(blueprint), run_name="__main__")
            except BlueprintError:
                raise
            except SystemExit as error:
                if error.code not in (None, 0):
                    raise BlueprintFileError(_report(blueprint, error)) from error
            except Exception as error:
                raise BlueprintFileError(_report(blueprint, error)) from error
            charts = []
            for app in apps:
                for chart in app.charts:
                    manifests = chart.manifests(validate=False) if isinstance(chart, Release) else [
                        dict(m) for m in chart.to_json()]
                    charts.append((chart.node.id, manifests))
    finally:
        sys.path.remove(str(blueprint.parent))
    return charts


def _check_unique(charts: list[tuple[str, list[dict[str, Any]]]]) -> None:
    problems = []
    names = [name for name, _ in charts]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(Problem("synth", "chart", name, "two charts share the name, so they "
                                "would share an output file", "rename one", "BP006"))
    seen: set[tuple[str, str, str]] = set()
    for _, manifests in charts:
        for manifest in manifests:
            metadata = manifest.get("metadata") or {}
            key = (str(manifest.get("kind")), str(metadata.get("namespace", "")),
                   str(metadata.get("name")))
            if key in seen and key[0] == "Namespace":
                problems.append(Problem(f"Namespace/{key[2]}", "metadata.name", key[2],
                                        "two releases create the same Namespace",
                                        "pass create_namespace=False (createNamespace: false) "
                                        "to every release but one", "BP043"))
            elif key in seen:
                problems.append(Problem(f"{key[0]}/{key[2]}", "metadata.name", key[2],
                                        f"two {key[0]} objects share the name in namespace "
                                        f"{key[1] or '<none>'}", "rename one component",
                                        "BP006"))
            seen.add(key)
    if problems:
        raise ValidationError(problems)


def _report(blueprint: Path, error: BaseException) -> Problem:
    frames = traceback.extract_tb(error.__traceback__)
    line = next((f.lineno for f in reversed(frames) if Path(f.filename) == blueprint), None)
    where = f"{_display(blueprint)}:{line}" if line else _display(blueprint)
    message = str(error) if not isinstance(error, SystemExit) else f"exit code {error.code}"
    return Problem(where, type(error).__name__, message.splitlines()[0] if message else "",
                   "the blueprint raised an exception",
                   "fix the blueprint there (--debug shows the traceback)")


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)

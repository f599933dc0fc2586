"""``blueprint synth``: run a blueprint, validate every object, write the YAML atomically."""

from __future__ import annotations

import gc
import io
import os
import runpy
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blueprints._node import release_node
from blueprints.errors import (
    BlueprintError,
    BlueprintFileError,
    ConfigError,
    Problem,
    ValidationError,
)
from blueprints.kube import KubeVersion, targeting
from blueprints.practices import Severity
from blueprints.release.output import OUTPUT_SUFFIX, commit, plan_output
from blueprints.release.writer import dump_documents
from blueprints.rules import Finding, raise_errors
from blueprints.rules.pod_security import remembering

__all__ = ["BLUEPRINT_FILE", "SynthResult", "changes", "find_blueprint", "synthesize", "write"]

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


def find_blueprint(path: Path, command: str = "synth") -> Path:
    """The blueprint file that ``path`` names: the file itself, or ``blueprint.py`` inside it.

    ``command`` is the command that asks, named in the error.

    Raises:
        ConfigError: Nothing is there.
    """
    if path.is_dir():
        found = [path / n for n in (BLUEPRINT_FILE, YAML_BLUEPRINT_FILE) if (path / n).is_file()]
        if not found:
            raise ConfigError(Problem(command, "PATH", str(path),
                                      f"holds no {BLUEPRINT_FILE} or {YAML_BLUEPRINT_FILE}",
                                      "pass a folder with a blueprint, or the file itself"))
        if len(found) > 1:
            raise ConfigError(Problem(command, "PATH", str(path),
                                      f"holds both {BLUEPRINT_FILE} and {YAML_BLUEPRINT_FILE}",
                                      "pass the file you mean"))
        return found[0]
    if not path.exists():
        raise ConfigError(Problem(command, "PATH", str(path), "no such file or directory",
                                  f"pass a {BLUEPRINT_FILE} or the folder that holds it"))
    if path.suffix not in (".py", ".yaml", ".yml"):
        raise ConfigError(Problem(command, "PATH", str(path), "not a blueprint",
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
    yaml = blueprint.suffix in (".yaml", ".yml")
    # Once rendered, the pods stay as they are until the rules have run: their Pod Security
    # evaluation for the Namespace's level serves BP041 too.
    with remembering():
        if yaml:
            from blueprints.yaml.blueprint import render_yaml_blueprint

            charts = render_yaml_blueprint(blueprint, kube_version=kube_version, values=values)
        else:
            with targeting(kube_version):
                charts = _run(blueprint)
            release_node()  # the command line's process needs Node no more
        all_manifests = [m for _, manifests in charts for m in manifests]
        if not all_manifests:
            raise BlueprintFileError(Problem(
                _display(blueprint), "objects", 0, "the blueprint synthesized nothing",
                "add a Release with components to an App and call app.synth()"))
        _check_unique(charts)
        findings = raise_errors(all_manifests, kube_version, info=False)  # warnings only
    if validate_schema:
        from blueprints.release.schema import schema_problems

        problems = schema_problems(all_manifests, kube_version)
        if problems:
            raise ValidationError(problems)
    files = {f"{name}{OUTPUT_SUFFIX}": dump_documents(manifests) for name, manifests in charts}
    objects = {f"{name}{OUTPUT_SUFFIX}": len(manifests) for name, manifests in charts}
    warnings = [f for f in findings if f.severity is Severity.WARNING]
    return SynthResult(blueprint, files, objects, warnings)


def write(result: SynthResult, output: Path, *, extra: Mapping[str, str] | None = None,
          before: Callable[[Path], None] | None = None) -> bool:
    """Write ``result`` to ``output``, with ``extra`` files synth owns there
    (``kustomization.yaml``) in the same atomic commit; ``before`` sees the folder under the
    commit's lock, as it is replaced (see :func:`commit`). A folder that already holds exactly
    this output is left untouched: then it returns ``False``."""
    return commit(output, result.files, extra, before)


def changes(result: SynthResult, output: Path) -> list[str]:
    """The names of the release files that writing ``result`` to ``output`` would change,
    removed ones included (``synth --check``)."""
    changed, removed = plan_output(output, result.files)
    return changed + removed


@contextmanager
def _capturing_synth() -> Iterator[list[Any]]:
    """Replace ``App.synth`` while the blueprint runs: blueprint, not Node, writes the YAML."""
    _start_cdk8s()
    import cdk8s

    # Its App.synth (which checks the Releases before Node synthesizes) first, so that the
    # capture replaces it rather than wraps it: each release renders once.
    import blueprints.cdk.release  # noqa: F401

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


def _start_cdk8s() -> None:
    """Import cdk8s, which starts Node through jsii; a failure is one line, not jsii's
    traceback (for example ``ulimit -f`` makes unpacking jsii's runtime fail with EFBIG)."""
    from blueprints._node import ensure_node

    ensure_node()
    hook = sys.unraisablehook
    # A failed start leaves a half-built jsii process object whose __del__ raises; silence it.
    sys.unraisablehook = lambda _: None
    try:
        try:
            import cdk8s  # noqa: F401
            return
        except KeyboardInterrupt:
            gc.collect()
            raise
        except Exception as error:  # jsii raises whatever its start-up met
            problem = Problem("synth", "node", os.environ.get("JSII_NODE", "node"),
                              f"cdk8s could not start Node: {_safe_str(error)}",
                              "check the file size limit (ulimit -f), free space and the "
                              "temporary folder, or use a blueprint.yaml (no Node)")
        gc.collect()
    finally:
        sys.unraisablehook = hook
    raise ConfigError(problem)


class _Shielded(io.TextIOBase):
    """``sys.stdout`` or ``sys.stderr`` as the blueprint sees it: closing it closes only its
    view, so that synth still reports after the blueprint is done."""

    def __init__(self, stream: Any) -> None:
        super().__init__()
        self._stream = stream

    def write(self, text: str) -> int:
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        return int(self._stream.write(text))

    def flush(self) -> None:
        if not self.closed:
            self._stream.flush()

    def fileno(self) -> int:
        return int(self._stream.fileno())

    def isatty(self) -> bool:
        return bool(self._stream.isatty())

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self._stream, "encoding", "utf-8"))

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self._stream, "errors", None)

    def __getattr__(self, name: str) -> Any:  # buffer, errors, ...: the stream's own
        return getattr(self._stream, name)


@contextmanager
def _shielded_stdio() -> Iterator[None]:
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Shielded(saved[0]), _Shielded(saved[1])
    try:
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            with suppress(Exception):  # whatever the blueprint left there is its own
                stream.flush()
        sys.stdout, sys.stderr = saved


def _run(blueprint: Path) -> list[tuple[str, list[dict[str, Any]]]]:
    sys.path.insert(0, str(blueprint.parent))
    try:
        with _capturing_synth() as apps:
            from blueprints.cdk.release import Release

            try:
                # The blueprint's own code may change what it rendered: it remembers nothing.
                with _shielded_stdio(), remembering(False):
                    runpy.run_path(str(blueprint), run_name="__main__")
            except (BlueprintError, KeyboardInterrupt):
                raise
            except SystemExit as error:
                if error.code not in (None, 0):
                    raise BlueprintFileError(_report(blueprint, error)) from error
            except BaseException as error:  # the blueprint's own, of any kind
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
    message = (_safe_str(error) if not isinstance(error, SystemExit)
               else f"exit code {_safe_str(error.code)}")
    return Problem(where, type(error).__name__, message.splitlines()[0] if message else "",
                   "the blueprint raised an exception",
                   "fix the blueprint there (--debug shows the traceback)")


def _safe_str(value: object) -> str:
    """``str(value)``, or a stand-in when the object's own ``__str__`` raises."""
    try:
        return str(value)
    except Exception:  # user code: any exception
        return f"<{type(value).__name__} whose str() raised>"


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)

"""``blueprint synth``."""

import os
import re
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from blueprints.cli._errors import time_limit, user_errors
from blueprints.errors import Problem

if TYPE_CHECKING:
    from blueprints.release.synth import SynthResult

__all__ = ["DEFAULT_TIMEOUT", "ENV_VAR", "output_folder", "synth"]

#: What a blueprint.py reads to know the environment that ``--env NAME`` asks for.
ENV_VAR = "BLUEPRINT_ENV"

#: ``--timeout``: ten minutes. A blueprint of 5,000 components synthesizes in seconds, so this
#: stops only a blueprint that loops or waits forever, before a CI job's own, far longer limit.
DEFAULT_TIMEOUT = 600.0

_INTERRUPTED = Problem("synth", "signal", "SIGINT", "interrupted; the output folder holds the "
                       "old release set or the new one, never a mix", "run synth again")


def synth(
    path: Annotated[
        Path, typer.Argument(help="A blueprint.py, or a folder that holds one.", show_default=True)
    ] = Path("."),
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Output folder, or - for one YAML stream on stdout. "
                     "[default: dist/ next to the blueprint, dist/<env>/ with --env]"),
    ] = None,
    kube_version: Annotated[
        str | None,
        typer.Option("--kube-version", help="Kubernetes target, 1.30 to 1.37. [default: 1.35]"),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 if the output would change.")
    ] = False,
    validate_schema: Annotated[
        bool,
        typer.Option("--validate-schema",
                     help="Also validate against the Kubernetes JSON schema (kubernetes-validate)."),
    ] = False,
    values_files: Annotated[
        list[Path] | None,
        typer.Option("--values", help="YAML blueprints: a values file merged over values: "
                     "(repeatable, in order)."),
    ] = None,
    sets: Annotated[
        list[str] | None,
        typer.Option("--set", help="YAML blueprints: key.path=value, coerced to the declared "
                     "type; a=1,b=2 sets two (repeatable, after --values)."),
    ] = None,
    set_strings: Annotated[
        list[str] | None,
        typer.Option("--set-string", help="YAML blueprints: like --set, but the value is "
                     "always text (repeatable, last)."),
    ] = None,
    env: Annotated[
        str | None,
        typer.Option("--env", help="Write to dist/<env>/. A YAML blueprint merges "
                     "values/<env>.yaml (before --values); a blueprint.py reads the name as "
                     "$BLUEPRINT_ENV."),
    ] = None,
    kustomization: Annotated[
        bool, typer.Option("--kustomization", help="Also write kustomization.yaml listing the "
                           "release files (kubectl apply -k).")] = False,
    timeout: Annotated[
        float,
        typer.Option("--timeout", help="Stop a blueprint that runs longer than this many "
                     "seconds (0: no limit).", min=0),
    ] = DEFAULT_TIMEOUT,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    """Synthesize a blueprint into release-ready YAML: one <release>.k8s.yaml per release, or
    with -o - one YAML stream on stdout (messages go to stderr).

    Everything is validated before anything is written; on any error the output folder is left
    as it was. Only the *.k8s.yaml files synth wrote (they carry its marker line) are replaced
    or removed. The new release set is swapped in at once: a crash leaves the old or the new.
    A folder that already holds exactly the new output is not touched ("unchanged").
    A change that the API server refuses on apply, or that loses data, is written all the same,
    with a warning line on stderr that says what to do before it is applied.
    """
    with user_errors(debug, interrupted=_INTERRUPTED):
        from blueprints.kube import DEFAULT, parse_kube_version
        from blueprints.release.output import file_size
        from blueprints.release.synth import synthesize, write

        to_stdout = output == Path("-")
        if to_stdout and (check or kustomization):
            raise typer.BadParameter("-o - writes the YAML stream to stdout: no folder to "
                                     "check or to hold a kustomization.yaml",
                                     param_hint="'--output'")
        target = parse_kube_version(kube_version) if kube_version is not None else DEFAULT
        overlays = _values(path, env, values_files or [], sets or [], set_strings or [])
        limit = Problem(str(path), "--timeout", f"{timeout:g}",
                        f"the blueprint did not finish within {timeout:g} s",
                        "fix what loops or waits there, or pass a larger --timeout (0: none)")
        with time_limit(timeout, limit), _yaml_errors(path, overlays, target):
            result = synthesize(path, kube_version=target, validate_schema=validate_schema,
                                values=overlays)
        for finding in result.warnings:
            typer.echo(finding.line(), err=True)
        if to_stdout:
            _to_stdout(result.stream())
            return
        destination = output_folder(result.blueprint, output, env)
        if check:
            raise typer.Exit(_check(result, destination, kustomization))
        extra = None
        if kustomization:  # switched in with the release files, never apart from them
            from blueprints.release.kustomization import KUSTOMIZATION, kustomization_text

            extra = {KUSTOMIZATION: kustomization_text(list(result.files))}
        # Under the commit's lock: the warnings speak of the very files this write replaces.
        changed = write(result, destination, extra=extra,
                        before=lambda folder: _warn_refused(result, folder))
        for name, text in result.files.items():
            count = result.objects[name]
            size = file_size(text)
            done = "wrote" if changed else "unchanged"  # unchanged: not even rewritten
            typer.echo(f"{done} {destination / name} ({count} objects, {size} bytes)")


def output_folder(blueprint: Path, output: Path | None, env: str | None) -> Path:
    """Where the release files go: ``--output``, else ``dist/`` next to the blueprint, or
    ``dist/<env>/`` with ``--env`` (each environment a folder a GitOps tool can point at)."""
    if output is not None:
        return output
    dist = blueprint.parent / "dist"
    return _relative(dist / env if env is not None else dist)


def _check(result: "SynthResult", destination: Path, kustomization: bool) -> int:
    """``--check``: the diff's summary and the guard's errors on stderr; 1 when anything would
    change."""
    from blueprints.release.diff import diff_files, read_folder, summary_lines
    from blueprints.release.kustomization import KUSTOMIZATION, is_current
    from blueprints.release.synth import changes

    files = result.files
    changed = changes(result, destination)
    if kustomization and not is_current(destination, list(files)):
        changed.append(KUSTOMIZATION)
    if not changed:
        return 0
    from blueprints.errors import UnreadableInputError

    try:
        diff = diff_files(read_folder(destination), files)
    except UnreadableInputError:  # not release files (a hand edit): "would change" says it all
        diff = diff_files({}, {})
    if not diff.empty:
        for line in summary_lines(diff):
            typer.echo(line, err=True)
    for problem in diff.problems:
        typer.echo(problem.line(), err=True)
    refused = diff.refused_files()
    for name in changed:
        if name in refused:  # committing the new output alone would release a refused change
            typer.echo(f"error: synth: {destination / name}: would change, and the API server "
                       "refuses part of the change (the errors above); follow their fixes, or "
                       "undo that change in the blueprint", err=True)
        else:
            typer.echo(f"error: synth: {destination / name}: would change; run blueprint synth "
                       "and commit the result", err=True)
    return 1


def _warn_refused(result: "SynthResult", destination: Path) -> None:
    """Before a write: a ``warning:`` line on stderr for each change of the new output that the
    API server refuses on apply, or that loses data. It is written all the same: the blueprint
    asked for it, and each warning says what to do before it is applied."""
    from blueprints.errors import UnreadableInputError
    from blueprints.release.diff import diff_files, read_folder
    from blueprints.release.output import MARKER

    try:
        # Only the files synth wrote: those are the ones it replaces or removes.
        old = {n: t.removeprefix(MARKER) for n, t in read_folder(destination).items()
               if t.startswith(MARKER)}  # as result.files holds them: equal files are skipped
        if not old:
            return  # a first release: nothing to refuse
        problems = diff_files(old, result.files).problems
    except (UnreadableInputError, OSError):
        return  # not release files, or a folder write() reports on: nothing to compare with
    for problem in problems:
        typer.echo(problem.line("warning"), err=True)


def _to_stdout(text: str) -> None:
    """The YAML stream and nothing else on stdout (every message goes to stderr)."""
    import sys

    sys.stdout.write(text)
    sys.stdout.flush()


def _yaml_errors(path: Path, overlays: list[Mapping[str, Any]],
                 target: Any) -> AbstractContextManager[None]:
    """A YAML blueprint's errors from the checks on its objects name the file, the line and the
    component, and no value an overlay gave to a secret-looking key."""
    from blueprints.errors import BlueprintError
    from blueprints.release.synth import find_blueprint

    try:
        blueprint = find_blueprint(path)
    except BlueprintError:
        return nullcontext()  # synthesize reports it
    if blueprint.suffix not in (".yaml", ".yml"):
        return nullcontext()  # a blueprint.py: the YAML machinery is not even imported
    from blueprints.yaml.blueprint import yaml_errors

    return yaml_errors(blueprint.resolve(), kube_version=target, values=overlays)


def _relative(path: Path) -> Path:
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _values(path: Path, env: str | None, files: list[Path], sets: list[str],
            set_strings: list[str]) -> list[Mapping[str, Any]]:
    """The value overlays of a YAML blueprint, in order: --env, --values, --set, --set-string."""
    from blueprints.errors import ConfigError, Problem
    from blueprints.release.synth import find_blueprint

    if env is None and not files and not sets and not set_strings:
        return []  # a blueprint.py: the YAML machinery is not even imported
    blueprint = find_blueprint(path)
    if blueprint.suffix == ".py":
        if files or sets or set_strings:
            raise ConfigError(Problem("synth", "--values/--set", str(blueprint),
                                      "values are for YAML blueprints",
                                      "pass values through Python in a blueprint.py (it reads "
                                      "--env as $BLUEPRINT_ENV)"))
        # A blueprint.py reads the environment as $BLUEPRINT_ENV, as it would under cdk8s
        # synth or the Argo CD plugin; it holds for the rest of this command only.
        assert env is not None
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", env) or ".." in env:
            raise ConfigError(Problem("synth", "--env", env, "not an environment name",
                                      "use letters, digits, '-', '_' and '.', e.g. --env prod"))
        os.environ[ENV_VAR] = env
        return []
    from blueprints.yaml.values import command_line_overlays

    return command_line_overlays(blueprint, env, files, sets, set_strings)

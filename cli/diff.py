"""``blueprint diff``."""

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from blueprints.cli._errors import user_errors

__all__ = ["diff"]


class Format(StrEnum):
    """Output formats."""

    TEXT = "text"
    JSON = "json"


def diff(
    path: Annotated[Path, typer.Argument(help="A blueprint, or a folder that holds one.")] = (
        Path(".")),
    against: Annotated[Path | None, typer.Option(
        "--against", help="Compare with the release files in this folder. [default: the "
        "output folder synth writes to]")] = None,
    against_git: Annotated[str | None, typer.Option(
        "--against-git", help="Compare with the output folder as committed at this git ref "
        "(commit, branch or tag).")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="The output folder synth writes to. [default: dist/ next to the "
        "blueprint, dist/<env>/ with --env]")] = None,
    output_format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = (
        Format.TEXT),
    kube_version: Annotated[str | None, typer.Option(
        "--kube-version", help="Kubernetes target, 1.30 to 1.37. [default: 1.35]")] = None,
    values_files: Annotated[list[Path] | None, typer.Option(
        "--values", help="YAML blueprints: a values file, as for synth.")] = None,
    sets: Annotated[list[str] | None, typer.Option(
        "--set", help="YAML blueprints: a value, key.path=value, as for synth.")] = None,
    set_strings: Annotated[list[str] | None, typer.Option(
        "--set-string", help="YAML blueprints: a value that is always text, as for synth.")
    ] = None,
    env: Annotated[str | None, typer.Option(
        "--env", help="YAML blueprints: values/<env>.yaml, and dist/<env>/ as the output "
        "folder.")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    """Show what the next synth changes: objects added, removed and changed, with the changed
    fields and a unified diff of each object.

    Changes that the API server refuses on apply (an immutable field such as a selector or a
    StatefulSet's volumeClaimTemplates) or that lose data are reported as errors on stderr,
    and under "refused" with --format json; ordinary changes go to stdout only. Exits 0 when
    nothing changes, 1 when something does, 2 on unreadable input (a missing --against
    folder included).
    """
    from blueprints.errors import UnreadableInputError

    if against is not None and against_git is not None:
        raise typer.BadParameter("pass --against or --against-git, not both",
                                 param_hint="'--against'")
    with user_errors(debug):
        try:
            code = _run(path, against, against_git, output, output_format, kube_version,
                        values_files or [], sets or [], env, set_strings or [])
        except UnreadableInputError as error:
            if debug:
                raise
            for line in error.lines():
                typer.echo(line, err=True)
            code = 2
    raise typer.Exit(code)


def _run(path: Path, against: Path | None, against_git: str | None, output: Path | None,
         output_format: Format, kube_version: str | None, values_files: list[Path],
         sets: list[str], env: str | None, set_strings: list[str]) -> int:
    from blueprints.cli.synth import _values, _yaml_errors, output_folder
    from blueprints.errors import BlueprintError, UnreadableInputError
    from blueprints.kube import DEFAULT, parse_kube_version
    from blueprints.release.diff import diff_files, read_folder, read_git, render_json, render_text
    from blueprints.release.synth import find_blueprint, synthesize

    try:
        find_blueprint(path, command="diff")
    except BlueprintError as error:  # no blueprint to diff: unreadable input, not "changes"
        raise UnreadableInputError(error.problems) from None
    target = parse_kube_version(kube_version) if kube_version is not None else DEFAULT
    overlays = _values(path, env, values_files, sets, set_strings)
    with _yaml_errors(path, overlays, target):
        result = synthesize(path, kube_version=target, values=overlays)
    folder = against if against is not None else output_folder(result.blueprint, output, env)
    old = (read_git(against_git, folder) if against_git is not None
           else read_folder(folder, required=against is not None))
    changes = diff_files(old, result.files)
    if output_format is Format.JSON:
        typer.echo(render_json(changes), nl=False)
    else:
        typer.echo(render_text(changes, colour=_colour()), nl=False)
    for problem in changes.problems:
        typer.echo(problem.line(), err=True)
    return 0 if changes.empty else 1


def _colour() -> bool:
    """Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return not os.environ.get("NO_COLOR") and sys.stdout.isatty()

"""``blueprint lint``."""

import sys
from enum import StrEnum
from typing import Annotated

import typer

from blueprints.cli._errors import user_errors

__all__ = ["lint"]


class Format(StrEnum):
    """Output formats."""

    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"


def _ids(value: str | None) -> list[str] | None:
    return None if value is None else [part for part in value.split(",") if part.strip()]


def lint(
    paths: Annotated[list[str], typer.Argument(help="YAML files, folders (walked for *.yaml, *.yml) "
                                               "or - for stdin.")],
    output_format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = (
        Format.TEXT),
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 on warnings too.")] = False,
    kube_version: Annotated[
        str | None, typer.Option("--kube-version", help="Kubernetes target, 1.30 to 1.37. "
                                 "[default: 1.35]")] = None,
    enable: Annotated[str | None, typer.Option(
        "--enable", help="Run only these practices, e.g. BP001,BP016.")] = None,
    disable: Annotated[str | None, typer.Option(
        "--disable", help="Skip these practices, e.g. BP005,BP042.")] = None,
    show_suppressed: Annotated[bool, typer.Option(
        "--show-suppressed", help="List findings suppressed by blueprint.dev/ignore.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Say what was skipped.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    """Check Kubernetes manifests against the practices (the rules synth validates with).

    Exits 1 when a finding is an error (or a warning, with --strict), or a file is not valid
    YAML. Suppress a rule on an object with the annotation blueprint.dev/ignore: "BP022: why".
    """
    with user_errors(debug):
        from blueprints.kube import DEFAULT, parse_kube_version
        from blueprints.lint.lint import lint as run_lint
        from blueprints.lint.report import to_json, to_sarif, to_text

        target = parse_kube_version(kube_version) if kube_version is not None else DEFAULT
        stdin_text = sys.stdin.read() if "-" in paths else None
        report = run_lint(paths, kube_version=target, enable=_ids(enable),
                          disable=_ids(disable) or (), show_suppressed=show_suppressed,
                          stdin_text=stdin_text)
        for problem in report.problems:
            typer.echo(f"error: {problem}", err=True)
        if verbose:
            for note in report.notes:
                typer.echo(f"note: {note}", err=True)
        if report.objects == 0 and not report.findings and not report.problems:
            typer.echo(f"no Kubernetes objects found in {' '.join(paths)}", err=True)
            raise typer.Exit(0)
        render = {Format.TEXT: to_text, Format.JSON: to_json, Format.SARIF: to_sarif}
        typer.echo(render[output_format](report), nl=False)
        raise typer.Exit(1 if report.failed(strict=strict) else 0)

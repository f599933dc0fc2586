"""``blueprint lint``."""

import dataclasses
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from blueprints.cli._errors import user_errors
from blueprints.errors import ConfigError

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
    config: Annotated[Path | None, typer.Option(
        "--config", help="A .blueprint-lint.yaml or pyproject.toml. [default: the nearest one "
        "from the working directory up]")] = None,
    show_suppressed: Annotated[bool, typer.Option(
        "--show-suppressed", help="List findings suppressed by blueprint.dev/ignore.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Say what was skipped.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    """Check Kubernetes manifests against the practices (the rules synth validates with).

    Exits 0 when clean, 1 on findings (an error, or a warning with --strict; text that is
    not valid YAML is an error at its line), 2 on usage errors and input that cannot be read.

    Suppress a rule on an object with the annotation blueprint.dev/ignore: "BP022: why".
    Configuration: the tool.blueprint.lint table of pyproject.toml, or .blueprint-lint.yaml.
    """
    with user_errors(debug, exit_code=2):
        from blueprints.kube import DEFAULT, parse_kube_version
        from blueprints.lint.config import find_config, load_config
        from blueprints.lint.lint import lint as run_lint
        from blueprints.lint.lint import read_stdin
        from blueprints.lint.report import to_json, to_sarif, to_text

        try:
            target = parse_kube_version(kube_version) if kube_version is not None else DEFAULT
        except ConfigError as error:  # worded for synth: this command is lint
            raise ConfigError([dataclasses.replace(p, component="lint")
                               for p in error.problems]) from None
        settings = load_config(config) if config is not None else find_config(Path.cwd())
        stdin = read_stdin(getattr(sys.stdin, "buffer", None)) if "-" in paths else None
        report = run_lint(paths, kube_version=target, enable=_ids(enable),
                          disable=_ids(disable) or (), show_suppressed=show_suppressed,
                          stdin_bytes=stdin, config=settings)
        for problem in report.problems:
            typer.echo(f"error: {problem}", err=True)
        if report.only_charts:  # an error (exit 2), so CI does not pass a chart as clean
            for chart in report.charts:
                typer.echo(f"error: lint: path={chart}: a Helm chart, not manifests: nothing "
                           f"was linted; render it first: helm template RELEASE {chart} | "
                           "blueprint lint -", err=True)
        else:
            for hint in report.hints:
                typer.echo(f"hint: {hint}", err=True)
        if verbose:
            for note in report.notes:
                typer.echo(f"note: {note}", err=True)
        if not (report.objects or report.findings or report.problems or report.only_charts) and (
                output_format is Format.TEXT):
            typer.echo(f"no Kubernetes objects found in {' '.join(paths)}", err=True)
        render = {Format.TEXT: to_text, Format.JSON: to_json, Format.SARIF: to_sarif}
        typer.echo(render[output_format](report), nl=False)
        raise typer.Exit(report.exit_code(strict=strict))

"""``blueprint graph``."""

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from blueprints.cli._errors import user_errors

__all__ = ["graph"]


class GraphFormat(StrEnum):
    """Picture formats."""

    MERMAID = "mermaid"
    DOT = "dot"


def graph(
    path: Annotated[Path, typer.Argument(help="A blueprint, or a folder that holds one.")] = Path("."),
    output_format: Annotated[GraphFormat, typer.Option(
        "--format", "-f", help="mermaid (renders in GitHub READMEs and pull requests) or dot.")] = (
        GraphFormat.MERMAID),
    manifests: Annotated[str | None, typer.Option(
        "--manifests", help="Draw rendered manifests instead: a YAML file, or - for stdin "
        "(e.g. helm template ... | blueprint graph --manifests -).")] = None,
    kube_version: Annotated[str | None, typer.Option(
        "--kube-version", help="Kubernetes target, 1.30 to 1.37. [default: 1.35]")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    """Draw who may reach whom: workloads, their Services and exposure, and every connection
    the NetworkPolicies admit.

    The picture is read back from the synthesized objects, not from the declarations, so it
    shows what the cluster will enforce. Nothing is written.
    """
    with user_errors(debug):
        from blueprints.release.graph import to_dot, to_mermaid

        if manifests is not None:
            with user_errors(debug, exit_code=2):  # unreadable input is exit 2, as in lint
                objects = _read(manifests)
        else:
            objects = _synthesize(path, kube_version)
        render = {GraphFormat.MERMAID: to_mermaid, GraphFormat.DOT: to_dot}[output_format]
        typer.echo(render(objects), nl=False)


def _synthesize(path: Path, kube_version: str | None) -> list[dict[str, Any]]:
    import yaml

    from blueprints.kube import DEFAULT, parse_kube_version
    from blueprints.release.synth import find_blueprint, synthesize

    find_blueprint(path, command="graph")
    target = parse_kube_version(kube_version) if kube_version is not None else DEFAULT
    result = synthesize(path, kube_version=target)
    return [doc for text in result.files.values() for doc in yaml.safe_load_all(text)
            if isinstance(doc, dict)]


def _read(source: str) -> list[dict[str, Any]]:
    from blueprints.errors import ConfigError, Problem
    from blueprints.lint.documents import parse_documents

    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(Problem("graph", "--manifests", source, f"cannot be read: {error}",
                                  "pass a readable UTF-8 YAML file, or - for stdin")) from None
    documents, problem = parse_documents(text)
    if problem is not None:
        raise ConfigError(Problem("graph", "--manifests", f"{source}:{problem.line}",
                                  f"not valid YAML: {problem.message}",
                                  "render it first (helm template, kustomize build)"))
    objects: list[dict[str, Any]] = []
    for document in documents:
        value = document.value
        if isinstance(value, dict) and value.get("kind") == "List":
            objects.extend(item for item in value.get("items") or [] if isinstance(item, dict))
        elif isinstance(value, dict):
            objects.append(value)
    return objects

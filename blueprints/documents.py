"""Reading manifests from YAML text with the line of every field (for ``blueprint lint``).

The YAML is composed once by PyYAML's C parser; the node tree gives both the values and the
line of each field, so findings point at the offending line without searching the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Document", "YAMLProblem", "field_path", "parse_documents"]

_SIMPLE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


@dataclass(frozen=True, slots=True)
class Document:
    """One YAML document of a file.

    Attributes:
        index: Which document of the file (0-based).
        value: The parsed value (a dict for a Kubernetes object).
        line: The line where the document starts (1-based).
        lines: The line of each field, by path (``spec.template.spec.containers[0].image``).
    """

    index: int
    value: Any
    line: int
    lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, path: str) -> int:
        """The line of ``path``, or of its nearest parent that exists in the document."""
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return self.line


@dataclass(frozen=True, slots=True)
class YAMLProblem:
    """Text that is not valid YAML: where and why."""

    line: int
    message: str


def field_path(parent: str, key: object) -> str:
    """The path of ``key`` under ``parent``, as the rules write it: ``a.b`` or ``a['x.y/z']``."""
    if isinstance(key, str) and _SIMPLE_KEY.fullmatch(key):
        return f"{parent}.{key}" if parent else key
    return f"{parent}[{key!r}]"


def parse_documents(text: str) -> tuple[list[Document], YAMLProblem | None]:
    """Parse a multi-document YAML stream. On invalid YAML, the documents before the error and
    the problem are returned."""
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_class(text)
    builder = _Builder(loader)
    documents: list[Document] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            lines: dict[str, int] = {}
            value = builder.convert(node, "", lines, 0)
            documents.append(Document(len(documents), value, node.start_mark.line + 1, lines))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        return documents, YAMLProblem(line, " ".join(str(error.problem or error).split()))
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as error:
        return documents, YAMLProblem(1, " ".join(str(error).split()) or type(error).__name__)
    finally:
        loader.dispose()
    return [d for d in documents if d.value is not None], None


class _Builder:
    _MAX_DEPTH = 200

    def __init__(self, loader: Any) -> None:
        import yaml

        self.yaml = yaml
        self.constructor = loader

    def convert(self, node: Any, path: str, lines: dict[str, int], depth: int) -> Any:
        if depth > self._MAX_DEPTH:
            raise ValueError(f"nested deeper than {self._MAX_DEPTH} levels")
        yaml = self.yaml
        if path and path not in lines:
            lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            self.constructor.flatten_mapping(node)
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.convert(key_node, "", {}, depth + 1)
                if isinstance(key, dict | list):
                    raise ValueError("a mapping key must be a scalar")
                child = field_path(path, key)
                lines[child] = key_node.start_mark.line + 1  # the key's line, not its value's
                result[key] = self.convert(value_node, child, lines, depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, f"{path}[{i}]", lines, depth + 1)
                    for i, item in enumerate(node.value)]
        if node.tag == "tag:yaml.org,2002:str":
            return node.value
        return self.constructor.construct_object(node, deep=True)

"""Reading manifests from YAML text with the line of every field (for ``blueprint lint``).

The YAML is composed once by PyYAML's C parser. The values are built from the node tree, which
is kept: the line of a field is looked up in it only when a finding needs it, so findings point
at the offending line without searching the text.
"""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Document", "YAMLProblem", "parse_documents"]

_SIMPLE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MAX_NODES = 2_000_000  # per document: an alias bomb stops here instead of eating the memory
# First characters after which PyYAML's implicit resolvers can only answer "string".
_ALWAYS_STR = frozenset("abcdeghijklmpqrsuvwxzABCDEGHIJKLMPQRSUVWXZ/_")


@dataclass(frozen=True, slots=True)
class Document:
    """One YAML document of a file.

    Attributes:
        index: Which document of the file (0-based).
        value: The parsed value (a dict for a Kubernetes object).
        line: The line where the document starts (1-based).
        lines: The line of each field by path (``spec.containers[0].image``); for a mapping
            key, the key's line.
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


def parse_documents(text: str) -> tuple[list[Document], YAMLProblem | None]:
    """Parse a multi-document YAML stream. On invalid YAML, the documents before the error and
    the problem are returned."""
    import yaml

    loader = _loader_class()(text)
    documents: list[Document] = []
    # Parsing allocates millions of objects and frees none of them in cycles: the collector
    # would only walk the growing values again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            builder = _Builder(loader)
            value = builder.value(node, "")
            documents.append(Document(len(documents), value, node.start_mark.line + 1,
                                      builder.lines))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        return documents, YAMLProblem(line, " ".join(str(error.problem or error).split()))
    except _NodeError as error:
        return documents, YAMLProblem(error.line, str(error))
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as error:
        return documents, YAMLProblem(1, " ".join(str(error).split()) or type(error).__name__)
    finally:
        loader.dispose()
        if collecting:
            gc.enable()
    return [d for d in documents if d.value is not None], None


_LOADER: Any = None


def _loader_class() -> Any:
    """PyYAML's C loader, minus the work manifests never need (path resolvers), and with a fast
    answer for scalars that can only be strings."""
    global _LOADER  # noqa: PLW0603 - built once, on first use, to keep PyYAML off the import path
    if _LOADER is None:
        import yaml

        base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

        class Loader(base):  # type: ignore[misc, valid-type]
            def descend_resolver(self, *args: Any) -> None:
                return None

            def ascend_resolver(self, *args: Any) -> None:
                return None

            def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
                if kind is yaml.ScalarNode and implicit[0] and value and (
                    value[0] in _ALWAYS_STR
                ):
                    return _STR
                return super().resolve(kind, value, implicit)

        _LOADER = Loader
    return _LOADER


class _NodeError(ValueError):
    """A node that is valid YAML but not plain data; carries its line."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


class _Builder:
    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self.count = 0
        self.lines: dict[str, int] = {}

    def value(self, node: Any, path: str) -> Any:
        self.count += 1
        if self.count > _MAX_NODES:
            raise ValueError(f"more than {_MAX_NODES} nodes in one document (an alias bomb?)")
        kind = node.id
        if kind == "scalar":
            return node.value if node.tag == _STR else self.loader.construct_object(node, deep=True)
        lines = self.lines
        if node.tag not in (_MAP, _SEQ):
            # Safe loading only: a tag asking for a Python object (or anything else) is refused.
            raise _NodeError(node.start_mark.line + 1, f"unsupported tag {node.tag!r}")
        if kind == "mapping":
            if any(key.tag == _MERGE for key, _ in node.value):
                self.loader.flatten_mapping(node)
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == _STR:
                    key = key_node.value
                else:
                    key = self.value(key_node, "")
                    if isinstance(key, dict | list):
                        raise ValueError("a mapping key must be a scalar")
                child = _child(path, key)
                lines[child] = key_node.start_mark.line + 1
                result[key] = self.value(value_node, child)
            return result
        items = []
        for i, item in enumerate(node.value):
            child = f"{path}[{i}]"
            lines[child] = item.start_mark.line + 1
            items.append(self.value(item, child))
        return items


_SIMPLE: dict[object, bool] = {}


def _child(parent: str, key: object) -> str:
    """The path of ``key`` under ``parent``, as the rules write it: ``a.b`` or ``a['x.y/z']``."""
    simple = _SIMPLE.get(key) if isinstance(key, str) else False
    if simple is None and isinstance(key, str):
        simple = _SIMPLE[key] = bool(_SIMPLE_KEY.fullmatch(key))
    if simple:
        return f"{parent}.{key}" if parent else str(key)
    return f"{parent}[{key!r}]"

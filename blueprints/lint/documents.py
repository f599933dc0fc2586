"""Reading manifests from YAML text with the line of every field (for ``blueprint lint``).

The YAML is composed by PyYAML's C parser, one document at a time. Values are built from the
node tree, and beside each value a compact tree of lines (for each entry of a mapping, in key
order, or item of a sequence: its line, or ``(line, subtree)`` for a collection; lines relative
to the document, so most are small cached ints), so findings point at the offending line without
searching the text and without keeping the nodes. Repeated strings (keys, label values) are
shared: lint holds thousands of documents at once.

Two modes: strict (lint's configuration, ``blueprint graph``'s input: a duplicate key or a
scalar that its tag cannot read, such as ``!!int ''``, is the file's problem) and lenient (lint:
each is a problem of its document, at its line, and reading goes on; after a syntax error
reading resumes at the next ``---``).
"""

from __future__ import annotations

import ast
import dataclasses
import gc
import os
import pickle
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Document", "YAMLProblem", "parse_documents", "parse_stream"]

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MAX_NODES = 2_000_000  # per document: an alias bomb stops here instead of eating the memory
_INT = "tag:yaml.org,2002:int"
# First characters after which PyYAML's implicit resolvers can only answer "string".
_ALWAYS_STR = frozenset("abcdeghijklmpqrsuvwxzABCDEGHIJKLMPQRSUVWXZ/_")
# Plain scalars starting with these letters are strings unless they are one of these words
# (PyYAML's YAML 1.1 bool and null resolvers, yaml/resolver.py).
_WORD_START = frozenset("yYnNtTfFoO")
_WORDS = {
    **dict.fromkeys(("yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false",
                     "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF"),
                    "tag:yaml.org,2002:bool"),
    **dict.fromkeys(("null", "Null", "NULL"), "tag:yaml.org,2002:null"),
}
_DIGITS = frozenset("123456789")
# A document marker: "---" at the start of a line, alone or followed by a space.
_MARKER = re.compile(r"^---(?=[ \t\r\n]|$)", re.M)
_MARKER_BYTES = re.compile(rb"^---(?=[ \t\r\n]|$)", re.M)
# One step of a field path: ".name", "name" (first), "[0]" or "['key.with/dots']".
_STEP = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]|\[('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\]")


@dataclass(frozen=True, slots=True)
class YAMLProblem:
    """Text that is not valid YAML, or a value in it that cannot be read: where and why."""

    line: int
    message: str


@dataclass(frozen=True, slots=True)
class Document:
    """One YAML document of a file.

    Attributes:
        index: Which document of the file (0-based).
        value: The parsed value (a dict for a Kubernetes object).
        line: The line where the document starts (1-based).
        tree: The lines of the value's entries, relative to ``base`` (see the module).
        problems: In lenient mode, what could not be read in the document (duplicate keys,
            scalars their tag cannot read), each at its line.
        base: The line that ``tree`` counts from (the document's first line).
    """

    index: int
    value: Any
    line: int
    tree: Any = None
    problems: list[YAMLProblem] = field(default_factory=list)
    base: int = 0

    def line_of(self, path: str) -> int:
        """The line of ``path`` (``spec.containers[0].image``, ``metadata.labels['a/b']``),
        or of its nearest parent that exists in the document."""
        line, value, tree, position = self.line, self.value, self.tree, 0
        while position < len(path):
            step = _STEP.match(path, position)
            if step is None:
                break
            position = step.end()
            key: object
            if step[2] is not None:
                key = int(step[2])
            elif step[3] is not None:
                try:
                    key = ast.literal_eval(step[3])
                except (ValueError, SyntaxError):
                    break
            else:
                key = step[1]
            entry = _entry(value, tree, key)
            if entry is None:
                break
            value = value[key]
            relative, tree = entry if type(entry) is tuple else (entry, None)
            line = self.base + relative
        return line

    def part(self, path: str, index: int) -> Document:
        """The document made of the value at ``path`` (a ``List``'s ``items[3]``)."""
        value, tree, line = self.value, self.tree, self.line
        for step in _STEP.finditer(path):
            key: object = int(step[2]) if step[2] is not None else step[1]
            entry = _entry(value, tree, key)
            value = value[key]
            relative, tree = entry if type(entry) is tuple else (entry, None)
            line = self.base + relative
        return Document(index, value, line, tree, base=self.base)


def _entry(value: object, tree: object, key: object) -> Any:
    """The tree entry of ``value[key]``, or ``None``."""
    if isinstance(value, dict) and isinstance(tree, list) and key in value:
        return tree[next(i for i, k in enumerate(value) if k == key)]
    if isinstance(value, list) and isinstance(tree, list) and isinstance(key, int) and (
        0 <= key < len(tree)
    ):
        return tree[key]
    return None


def parse_documents(
    text: str, *, lenient: bool = False
) -> tuple[list[Document], YAMLProblem | None]:
    """Parse a multi-document YAML stream: the documents before the first problem, and that
    problem (a syntax error, a duplicate key, a scalar its tag cannot read, a Python tag).

    With ``lenient``, see :func:`parse_stream` (only its first syntax error is returned here).
    """
    documents, problems = parse_stream(text, lenient=lenient)
    return documents, problems[0] if problems else None


def parse_stream(
    text: str | bytes, *, lenient: bool = True
) -> tuple[list[Document], list[YAMLProblem]]:
    """Every document of a YAML stream and every syntax error, each at its line.

    ``text`` may be UTF-8 bytes (lint passes a file's bytes, once checked, to save a copy).
    In lenient mode reading resumes after a syntax error at the next document marker, so one
    broken document does not hide the others; in strict mode it stops at the first problem.

    Large inputs are read in two halves at once where the system can fork (the second half in
    a child process, which sends its documents back pickled): parsing is most of lint's time,
    and a document marker is a boundary that no YAML construct crosses.
    """
    if lenient and isinstance(text, bytes) and len(text) >= _PARALLEL_BYTES and _can_fork():
        # The child also pickles its half and the parent unpickles it: the parent reads more.
        middle = _MARKER_BYTES.search(text, len(text) * 53 // 100)
        if middle is not None:
            return _parse_halves(text, middle.start())
    documents, problems, _ = _parse_serial(text, lenient)
    return [d for d in documents if d.value is not None], problems


_PARALLEL_BYTES = 2 * 2**20


def _can_fork() -> bool:
    """A second core, and a process that may fork: one thread (forking a threaded process
    may deadlock the child)."""
    import threading

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return hasattr(os, "fork") and (cores or 1) > 1 and threading.active_count() == 1


def _parse_halves(data: bytes, middle: int) -> tuple[list[Document], list[YAMLProblem]]:
    """Parse ``data[:middle]`` here and ``data[middle:]`` in a forked child, and join them."""
    line_offset = data.count(b"\n", 0, middle)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: parse, send, and leave without running the parent's exit code
        status = 1
        try:
            os.close(read_end)
            payload = pickle.dumps(_parse_serial(data, True, middle, line_offset), protocol=5)
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    try:
        first, first_problems, count = _parse_serial(data[:middle], True)
    finally:
        with os.fdopen(read_end, "rb") as stream:
            payload = stream.read()
        _, status = os.waitpid(pid, 0)
    if status == 0 and payload:
        second, second_problems, _ = pickle.loads(payload)  # our own child wrote it
    else:  # the child failed (out of memory?): read the half here
        second, second_problems, _ = _parse_serial(data, True, middle, line_offset)
    documents = first + [dataclasses.replace(d, index=d.index + count) for d in second]
    return [d for d in documents if d.value is not None], first_problems + second_problems


def _parse_serial(
    text: str | bytes, lenient: bool, offset: int = 0, line_offset: int = 0
) -> tuple[list[Document], list[YAMLProblem], int]:
    """The documents (empty ones included) and syntax problems of ``text[offset:]``, whose
    first line is line ``line_offset + 1``, and how many documents it held."""
    documents: list[Document] = []
    problems: list[YAMLProblem] = []
    counter = [0]  # the index of the next document, broken ones included
    while True:
        problem, resume = _parse_from(text, offset, line_offset, documents, counter,
                                       lenient)
        if problem is None:
            break
        problems.append(problem)
        counter[0] += 1
        if not lenient:
            break
        marker = _next_marker(text, resume, offset)
        if marker is None:
            break
        newline: Any = b"\n" if isinstance(text, bytes) else "\n"
        line_offset = text.count(newline, 0, marker)
        offset = marker
    return documents, problems, counter[0]


def _next_marker(text: Any, resume_line: int, offset: int) -> int | None:
    """The offset of the first document marker on or after ``resume_line`` (0-based), past
    ``offset``."""
    newline, marker = (b"\n", _MARKER_BYTES) if isinstance(text, bytes) else ("\n", _MARKER)
    start = offset + 1
    if resume_line > 0:
        position = -1
        for _ in range(resume_line):
            position = text.find(newline, position + 1)
            if position < 0:
                return None
        start = max(start, position + 1)
    found = marker.search(text, start)
    return found.start() if found else None


def _parse_from(
    text: str | bytes, offset: int, line_offset: int, documents: list[Document], counter: list[int],
    lenient: bool,
) -> tuple[YAMLProblem | None, int]:
    """Read documents from ``text[offset:]`` into ``documents``; the syntax problem that
    stopped it (if any) and the 0-based line to resume after it."""
    import yaml

    loader = _loader_class()(text[offset:] if offset else text)
    # Parsing allocates millions of objects and frees none of them in cycles: the collector
    # would only walk the growing values again and again.
    collecting = gc.isenabled()
    gc.disable()
    start_line = line_offset
    strings: dict[str, str] = {}
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            start_line = node.start_mark.line + line_offset
            builder = _Builder(loader, line_offset, node.start_mark.line, lenient, strings)
            value, tree = builder.value(node)
            documents.append(Document(counter[0], value, start_line + 1, tree,
                                      builder.problems, start_line + 1))
            counter[0] += 1
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + line_offset if mark is not None else start_line
        return YAMLProblem(line + 1, _one_line(error.problem or error)), line
    except _NodeError as error:
        return YAMLProblem(error.line, str(error)), error.line
    except (yaml.YAMLError, RecursionError, ValueError, TypeError, MemoryError) as error:
        return YAMLProblem(start_line + 1, _one_line(error) or type(error).__name__), start_line + 1
    finally:
        loader.dispose()
        if collecting:
            gc.enable()
    return None, 0


def _one_line(error: object) -> str:
    return " ".join(str(error).split())


_LOADER: Any = None


def _loader_class() -> Any:
    """PyYAML's C loader, minus the work manifests never need (path resolvers), and with a fast
    answer for scalars that can only be strings."""
    global _LOADER  # noqa: PLW0603 - built once, on first use, to keep PyYAML off the import path
    if _LOADER is None:
        import yaml

        base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        scalar_node = yaml.ScalarNode

        class Loader(base):  # type: ignore[misc, valid-type]
            def descend_resolver(self, *args: Any) -> None:
                return None

            def ascend_resolver(self, *args: Any) -> None:
                return None

            def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
                # The common answers first, as PyYAML's resolver would give them; anything
                # else (numbers with signs, dots or a leading 0, dates, "~", "<<") goes to it.
                if kind is scalar_node:
                    if not implicit[0]:
                        return _STR  # quoted or block: always a string
                    if value:
                        first = value[0]
                        if first in _ALWAYS_STR:
                            return _STR
                        if first in _WORD_START:
                            return _WORDS.get(value, _STR)
                        if first in _DIGITS and value.isdigit() and value.isascii():
                            return _INT
                return super().resolve(kind, value, implicit)

        _LOADER = Loader
    return _LOADER


class _NodeError(ValueError):
    """A node that is valid YAML but not plain data; carries its line."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


class _Builder:
    """Builds a document's value and its tree of lines from the composed nodes."""

    def __init__(self, loader: Any, line_offset: int, start: int, lenient: bool,
                 strings: dict[str, str]) -> None:
        self.loader = loader
        self.constructors = loader.yaml_constructors
        self.count = 0
        self.offset = line_offset + 1  # from a mark's line to a line of the file
        self.start = start  # from a mark's line to a line of the document
        self.strings = strings
        self.lenient = lenient
        self.problems: list[YAMLProblem] = []

    def problem(self, node: Any, message: str) -> None:
        line = node.start_mark.line + self.offset
        if not self.lenient:
            raise _NodeError(line, message)
        self.problems.append(YAMLProblem(line, message))

    def value(self, node: Any) -> tuple[Any, Any]:
        """The value of ``node`` and its tree of lines. Scalars inside collections are read in
        the loops (most nodes are scalars: a call each would cost a third of the parse)."""
        if node.id == "scalar":
            self.count += 1
            return (node.value if node.tag == _STR else self.scalar(node, node.tag)), None
        self.count += len(node.value) + 1
        if self.count > _MAX_NODES:
            raise ValueError(f"more than {_MAX_NODES} nodes in one document (an alias bomb?)")
        if node.tag not in (_MAP, _SEQ):
            # Safe loading only: a tag asking for a Python object (or anything else) is refused;
            # lint reports it and reads the plain collection.
            self.problem(node, f"unsupported tag {node.tag!r}")
        if node.id == "mapping":
            return self.mapping(node)
        return self.sequence(node)

    def mapping(self, node: Any) -> tuple[dict[Any, Any], list[Any]]:
        return self.pairs(node, node.value, 0)

    def pairs(self, node: Any, pairs: Any, merged: int) -> tuple[dict[Any, Any], list[Any]]:
        """A mapping from its key/value node pairs, the first ``merged`` of which came from
        ``<<`` merge keys."""
        start = self.start
        scalar = self.scalar
        share = self.strings.setdefault
        problems = len(self.problems)
        result: dict[Any, Any] = {}
        lines: list[Any] = []
        # Merged keys may repeat and be overridden; only the mapping's own keys may not.
        seen: Any = set() if merged else result
        for position, (key_node, value_node) in enumerate(pairs):
            if key_node.tag == _STR:
                key = share(key_node.value, key_node.value)
            else:
                if key_node.tag == _MERGE:  # flattening removes them: no second time
                    # Rare: start again with the merged pairs first, as PyYAML does.
                    del self.problems[problems:]
                    own = sum(1 for key, _ in node.value if key.tag != _MERGE)
                    self.loader.flatten_mapping(node)
                    return self.pairs(node, node.value, len(node.value) - own)
                key = self.value(key_node)[0]
                if isinstance(key, dict | list):
                    self.problem(key_node, "a mapping key must be a scalar")
                    continue
            line = key_node.start_mark.line - start
            if value_node.id == "scalar":
                tag = value_node.tag
                if tag == _STR:
                    text = value_node.value
                    value = share(text, text) if len(text) < 64 else text
                else:
                    value = scalar(value_node, tag)
                entry: Any = line
            else:
                value, sub = self.value(value_node)
                entry = (line, sub)
            if key in result:
                at = next(i for i, k in enumerate(result) if k == key)
                if position >= merged and key in seen:
                    # kubectl's default --validate=strict fails a request with duplicate
                    # fields; "ignore" keeps the last (kubernetes/kubernetes,
                    # staging/src/k8s.io/kubectl/pkg/cmd/util/helpers.go, AddValidateFlags).
                    self.problem(key_node, f"duplicate key {_short(key)} (first at line "
                                 f"{_first(lines[at]) + start + self.offset}): strict "
                                 "validation refuses it, else only the last one counts")
                lines[at] = entry
            else:
                lines.append(entry)
            if merged and position >= merged:
                seen.add(key)
            result[key] = value
        return result, lines

    def sequence(self, node: Any) -> tuple[list[Any], list[Any]]:
        start = self.start
        scalar = self.scalar
        share = self.strings.setdefault
        items = []
        lines: list[Any] = []
        for item in node.value:
            if item.id == "scalar":
                tag = item.tag
                if tag == _STR:
                    text = item.value
                    items.append(share(text, text) if len(text) < 64 else text)
                else:
                    items.append(scalar(item, tag))
                lines.append(item.start_mark.line - start)
            else:
                value, sub = self.value(item)
                items.append(value)
                lines.append((item.start_mark.line - start, sub))
        return items, lines

    def scalar(self, node: Any, tag: str) -> Any:
        text = node.value
        if tag == _INT and len(text) < 19 and text.isdigit() and text.isascii() and (
            text[0] != "0" or text == "0"
        ):
            return int(text)  # what construct_yaml_int gives, without its steps
        construct = self.constructors.get(tag)
        if construct is None:
            self.problem(node, f"unsupported tag {tag!r}")
            return node.value
        try:
            return construct(self.loader, node)
        except Exception:  # any failure of a tag is the value's problem
            name = tag.rsplit(":", 1)[-1]
            text = node.value if isinstance(node.value, str) else ""
            if name == "int" and len(text) > 100:
                what = f"an integer of {len(text)} digits, beyond any Kubernetes field"
            else:
                what = f"!!{name} {_short(text)}: not a valid {name}"
            self.problem(node, what)
            return text


def _first(entry: Any) -> int:
    return int(entry[0] if type(entry) is tuple else entry)


def _short(value: object) -> str:
    try:
        text = repr(value)
    except ValueError:  # an integer too long to print
        text = type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."

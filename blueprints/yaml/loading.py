"""Reading ``blueprint.yaml`` and values files: exact text, every line, no duplicate keys.

PyYAML reads YAML 1.1, where ``1.20`` is the float 1.2, ``0777`` the octal 511 and ``no`` the
boolean false. A blueprint author who writes ``tag: 1.20`` means the text. So a plain scalar
whose value does not give its text back is loaded as a *lossy* value that remembers the text and
where it was written: numbers and booleans still compute, but turning one into text (a template
that interpolates it, a field that wants a string) is an error that says to quote it.

Timestamps stay text (YAML 1.2's core schema has none). Explicit tags other than the core ones
(``str``, ``int``, ``float``, ``bool``, ``null``, ``map``, ``seq``) are refused.

The bytes are UTF-8, or UTF-16/UTF-32 with a byte order mark, the encodings the YAML 1.2 spec
allows (section 5.2, "Character Encodings"); anything else is unreadable input.
"""

from __future__ import annotations

import codecs
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blueprints.errors import ConfigError, Problem, UnreadableInputError

__all__ = [
    "Loaded",
    "Lossy",
    "LossyFloat",
    "LossyInt",
    "LossyScalar",
    "LostText",
    "decode",
    "is_lossy",
    "load_yaml",
    "plain",
    "read_text",
]

_MAX_NODES = 200_000  # per file: an alias bomb stops here
_MAX_BYTES = 8 * 1024 * 1024  # a blueprint or values file is configuration, not data
_TAG = "tag:yaml.org,2002:"
_CORE_SCALARS = {f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null")}
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


class LostText(Exception):  # noqa: N818 - a signal between the loader and the renderer
    """A lossy value was turned into text. Carries the value for the message."""

    def __init__(self, value: Lossy) -> None:
        super().__init__(value.text)
        self.value = value


class Lossy:
    """Mixin: a value whose YAML reading lost its text."""

    text: str
    origin: str

    def _lost(self, *args: object) -> str:
        raise LostText(self)

    __str__ = _lost
    __format__ = _lost

    def describe(self) -> str:
        """``0777 (read by YAML as 511)``: what was written and what YAML made of it."""
        return f"{self.text or '(empty)'} (read by YAML as {_yaml_text(plain(self))})"


class LossyInt(Lossy, int):
    """An integer written in another form (``0777``, ``0x1F``, ``1_000``, ``+5``)."""

    def __repr__(self) -> str:
        return int.__repr__(self)


class LossyFloat(Lossy, float):
    """A float whose text is not its shortest form (``1.20``, ``1.0e3``, ``.inf``)."""

    def __repr__(self) -> str:
        return float.__repr__(self)


class LossyScalar(Lossy):
    """A boolean or null written as ``no``, ``on``, ``~`` or nothing (bool cannot be subclassed)."""

    def __init__(self, value: bool | None, text: str, origin: str) -> None:
        self.value, self.text, self.origin = value, text, origin

    def __bool__(self) -> bool:
        return bool(self.value)

    def __eq__(self, other: object) -> bool:
        return bool(plain(other) == self.value)

    def __hash__(self) -> int:
        return hash(self.value)

    def __repr__(self) -> str:
        return repr(self.value)


def plain(value: Any) -> Any:
    """``value`` without its lossy wrapper (scalars only)."""
    if isinstance(value, LossyScalar):
        return value.value
    if isinstance(value, LossyInt):
        return int(value)
    if isinstance(value, LossyFloat):
        return float(value)
    return value


def is_lossy(value: object) -> bool:
    """Whether ``value`` is a scalar whose YAML reading lost its text."""
    return isinstance(value, Lossy)


@dataclass(frozen=True, slots=True)
class Loaded:
    """One YAML file.

    Attributes:
        name: The file as messages show it.
        value: The data, with lossy scalars wrapped.
        lines: The line of each path (``components[0].image``); a key's own line.
        lossy: Whether ``value`` holds a lossy scalar (``True`` when not known).
    """

    name: str
    value: Any
    lines: dict[str, int] = field(default_factory=dict)
    lossy: bool = True

    def line_of(self, path: str) -> int:
        """The line of ``path``, or of its nearest parent in the file (1 when none)."""
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return 1

    def where(self, path: str) -> str:
        """``file:line`` of ``path``."""
        return f"{self.name}:{self.line_of(path)}"


def read_text(path: Path, name: str) -> str:
    """The text of a blueprint or values file.

    Raises:
        UnreadableInputError: Not a regular file, too large, or not UTF-8/16/32.
    """
    try:
        if not path.is_file():
            raise UnreadableInputError(Problem(name, "file", str(path), "not a regular file",
                                               "pass a YAML file"))
        with path.open("rb") as handle:
            data = handle.read(_MAX_BYTES + 1)
    except OSError as error:
        raise UnreadableInputError(Problem(name, "file", str(path),
                                           f"cannot be read: {error.strerror or error}",
                                           "check the path and its permissions")) from None
    if len(data) > _MAX_BYTES:
        raise UnreadableInputError(Problem(name, "file", f"> {_MAX_BYTES} bytes",
                                           "too large for a configuration file",
                                           "keep data out of the blueprint"))
    return decode(data, name)


def decode(data: bytes, name: str) -> str:
    """Decode YAML bytes: UTF-8, or UTF-16/32 announced by a byte order mark.

    Raises:
        UnreadableInputError: Any other encoding, with the line of the first bad byte.
    """
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), "utf-8")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1 if encoding == "utf-8" else 1
        raise UnreadableInputError(Problem(
            f"{name}:{line}", "encoding", f"byte {data[error.start]:#04x}",
            f"not {encoding.upper()} text", "save the file as UTF-8")) from None
    return text.removeprefix("\ufeff")


def load_yaml(text: str, name: str) -> Loaded:
    """Parse one YAML document (safe loading only) with lines, lossy scalars and no duplicate keys.

    Raises:
        ConfigError: Not valid YAML, more than one document, a duplicate key, an unsupported tag.
    """
    import yaml

    loader = _loader_class()(text)
    try:
        node = loader.get_single_node()
        builder = _Builder(loader, name)
        value = builder.value(node, "") if node is not None else None
        return Loaded(name, value, builder.lines, builder.lossy)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = " ".join(str(error.problem or error).split())
    except _DuplicateKeyError as error:
        raise ConfigError(Problem(f"{name}:{error.line}", error.path, "<duplicate key>",
                                  f"already set at line {error.first}; YAML would silently keep "
                                  "only the last", "remove one of them")) from None
    except _NodeError as error:
        line, what = error.line, str(error)
    except RecursionError:
        line, what = 1, "nested too deeply"
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as error:
        line, what = 1, " ".join(str(error).split()) or type(error).__name__
    finally:
        loader.dispose()
    raise ConfigError(Problem(f"{name}:{line}", "yaml", "<file>", f"not valid YAML: {what}",
                              "fix the YAML; only plain data is allowed, no Python tags"))


_LOADER: Any = None
# First characters after which PyYAML's implicit resolvers can only answer "string".
_ALWAYS_STR = frozenset("abcdeghijklmpqrsuvwxzABCDEGHIJKLMPQRSUVWXZ/_")


def _loader_class() -> Any:
    """PyYAML's C safe loader, with a fast answer for plain scalars that can only be strings."""
    global _LOADER  # noqa: PLW0603 - built once, on first use, to keep PyYAML off the import path
    if _LOADER is None:
        import yaml

        class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
            def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
                if kind is yaml.ScalarNode:
                    if implicit[0]:
                        if value and value[0] in _ALWAYS_STR:
                            return _STR
                        return super().resolve(kind, value, implicit)
                    if not self.yaml_path_resolvers:
                        return _STR  # quoted: text (PyYAML's answer, without its walk)
                elif not self.yaml_path_resolvers:
                    # What PyYAML answers for collections when no path resolver is set.
                    return _MAP if kind is yaml.MappingNode else _SEQ
                return super().resolve(kind, value, implicit)

        _LOADER = Loader
    return _LOADER


class _NodeError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


class _DuplicateKeyError(ValueError):
    def __init__(self, line: int, path: str, first: int) -> None:
        super().__init__(path)
        self.line, self.path, self.first = line, path, first


_STR, _INT, _MAP, _SEQ, _MERGE = (f"{_TAG}{t}" for t in ("str", "int", "map", "seq", "merge"))
_AS_TEXT = frozenset({_STR, f"{_TAG}timestamp", f"{_TAG}value"})


class _Builder:
    def __init__(self, loader: Any, name: str) -> None:
        self.loader, self.name = loader, name
        self.count = 0
        self.lines: dict[str, int] = {}
        self.lossy = False  # whether a scalar came out lossy

    def value(self, node: Any, path: str) -> Any:
        self.count += 1
        if self.count > _MAX_NODES:
            raise _NodeError(node.start_mark.line + 1,
                             f"more than {_MAX_NODES} values (an alias bomb?)")
        if node.id == "scalar":
            return self.scalar(node)
        if node.id == "mapping":
            if node.tag != _MAP:
                raise _NodeError(node.start_mark.line + 1, f"unsupported tag {node.tag!r}")
            return self.mapping(node, path)
        if node.tag != _SEQ:
            raise _NodeError(node.start_mark.line + 1, f"unsupported tag {node.tag!r}")
        items = []
        for i, item in enumerate(node.value):
            child = f"{path}[{i}]"
            self.lines[child] = item.start_mark.line + 1
            items.append(self.value(item, child))
        return items

    def mapping(self, node: Any, path: str) -> dict[Any, Any]:
        if any(key.tag == _MERGE for key, _ in node.value):
            # Merged keys may repeat explicit ones (that is what a merge is for); explicit
            # keys may not repeat each other.
            explicit = [(k, v) for k, v in node.value if k.tag != _MERGE]
            self._pairs(explicit, path, {})
            self.loader.flatten_mapping(node)
            return self._pairs(node.value, path, None)
        return self._pairs(node.value, path, {})

    def _pairs(self, pairs: list[Any], path: str, seen: dict[Any, int] | None) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        lines = self.lines
        for key_node, value_node in pairs:
            key = key_node.value if key_node.tag == _STR else plain(
                self.value(key_node, ""))
            if isinstance(key, dict | list):
                raise _NodeError(key_node.start_mark.line + 1, "a mapping key must be a scalar")
            line = key_node.start_mark.line + 1
            child = f"{path}.{key}" if path else str(key)
            if seen is not None:
                if key in seen:
                    raise _DuplicateKeyError(line, child, seen[key])
                seen[key] = line
            lines[child] = line
            if value_node.tag == _STR and value_node.id == "scalar" and self.count < _MAX_NODES:
                self.count += 1  # the most common value: text, as written
                result[key] = value_node.value
            else:
                result[key] = self.value(value_node, child)
        return result

    def scalar(self, node: Any) -> Any:
        tag, text = node.tag, node.value
        if tag in _AS_TEXT:
            return text
        if tag == _INT and text.isascii() and text.isdigit() and (text[0] != "0" or text == "0"):
            return int(text)  # a plain decimal: exactly what YAML reads, and its text back
        if tag not in _CORE_SCALARS:
            raise _NodeError(node.start_mark.line + 1, f"unsupported tag {tag!r}")
        line = node.start_mark.line + 1
        try:
            value = self.loader.construct_object(node, deep=True)
        except (ValueError, IndexError, KeyError) as error:  # 5,000 digits, !!int '', !!bool ''
            raise _NodeError(line, f"not a valid {tag.removeprefix(_TAG)}: {text!r}"
                             if not isinstance(error, ValueError) or not str(error)
                             else " ".join(str(error).split())) from None
        origin = f"{self.name}:{line}"
        if value is None or isinstance(value, bool):
            if text.lower() in ("true", "false"):
                return value
            self.lossy = True
            return LossyScalar(value, text, origin)
        if isinstance(value, int):
            if str(value) == text:
                return value
            self.lossy = True
            lossy_int = LossyInt(value)
            lossy_int.text, lossy_int.origin = text, origin
            return lossy_int
        if isinstance(value, float) and (not math.isfinite(value) or repr(value) != text):
            self.lossy = True
            lossy_float = LossyFloat(value)
            lossy_float.text, lossy_float.origin = text, origin
            return lossy_float
        return value


def _yaml_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)

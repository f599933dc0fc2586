"""The one YAML writer: deterministic block-style YAML for manifests.

Putting release files on disk is :mod:`blueprints.release.output` (crash-safe, locked).

The emitter handles exactly the values manifests hold (str, int, float, bool, None, list,
dict). A string is written plain only when no YAML 1.1 or 1.2 parser can read it as anything
else; otherwise it is double-quoted, or a literal block when it spans lines.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from blueprints._lazy import LazyPattern
from blueprints.release.output import OUTPUT_SUFFIX, commit, plan_output

__all__ = ["OUTPUT_SUFFIX", "dump_documents", "plan_output", "write_files", "write_output"]

_PLAIN = re.compile(r"[A-Za-z/][A-Za-z0-9._/@+-]*(?::[A-Za-z0-9._/@+-]+)*")
_PLAIN_KEY = re.compile(r"[A-Za-z][A-Za-z0-9._/@+-]*")
# YAML 1.1 booleans and nulls (1.2 is a subset); numbers cannot start with a letter.
_RESERVED = frozenset(
    word
    for base in ("y", "yes", "n", "no", "true", "false", "on", "off", "null")
    for word in (base, base.capitalize(), base.upper())
)
# Characters a YAML parser may not see raw in a double-quoted scalar, or would fold.
_ESCAPE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
# Safe in a literal block: printable, no carriage returns or line separators.
_BLOCK_UNSAFE = LazyPattern("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")


def dump_documents(documents: Iterable[Mapping[str, Any]]) -> str:
    """Serialize manifests as a multi-document YAML stream, ``---`` between documents."""
    writer = _Writer()
    parts = []
    for document in documents:
        lines: list[str] = []
        writer.mapping(document, 0, lines, "")
        lines.append("")
        parts.append("\n".join(lines))
    return "---\n".join(parts)


def write_output(directory: Path, files: Mapping[str, str]) -> None:
    """Replace the release files of ``directory`` with ``files`` in one atomic, locked commit.

    See :mod:`blueprints.release.output` for what survives a crash at each step.
    """
    commit(directory, files)


def write_files(directory: Path, files: Mapping[str, str]) -> list[Path]:
    """Write ``files`` (relative paths to text) under ``directory``: all staged first, then
    moved into place, so a failure leaves nothing half-written."""
    import tempfile  # only blueprint init writes files this way

    directory.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".blueprint-", dir=directory))
    written = []
    try:
        for name, text in files.items():
            staged = staging / name.replace("/", "__")
            staged.write_text(text, encoding="utf-8", newline="\n")
        for name in files:
            target = directory / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name.replace("/", "__"), target)
            written.append(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


class _Writer:
    """One serialization: caches the rendering of keys and strings, which repeat a lot."""

    def __init__(self) -> None:
        # lead -> key -> "<lead><key>:", one dict per lead (no (key, lead) tuple to build
        # and hash for every key of every object).
        self.heads: dict[str, dict[str, str]] = {}
        self.strings: dict[str, str | None] = {}  # None: write as a literal block

    def mapping(self, mapping: Mapping[str, Any], indent: int, lines: list[str], first: str) -> None:
        pad = " " * indent
        strings, append = self.strings, lines.append
        heads = self.heads.get(first or pad)
        if heads is None:
            heads = self.heads[first or pad] = {}
        for key, value in mapping.items():
            head = heads.get(key)  # only str keys are kept: an equal str subclass is the same text
            if head is None:
                head = f"{first or pad}{_key(key)}:"
                if type(key) is str:
                    heads[key] = head
            kind = type(value)
            if kind is str:
                text = strings.get(value)  # most strings repeat: the line at once
                if text:
                    append(f"{head} {text}")
                else:
                    self.string(head, value, indent, lines)
            elif kind is dict:
                if value:
                    append(head)
                    self.mapping(value, indent + 2, lines, "")
                else:
                    append(f"{head} {{}}")
            elif kind is int:
                append(f"{head} {value}")  # what _scalar writes for an int
            elif kind is list or kind is tuple:
                if value:
                    append(head)
                    self.sequence(value, indent + 2, lines)
                else:
                    append(f"{head} []")
            elif isinstance(value, Mapping):
                if value:
                    append(head)
                    self.mapping(value, indent + 2, lines, "")
                else:
                    append(f"{head} {{}}")
            else:
                append(f"{head} {_scalar(value)}")
            if first:  # the first key came after "- ": the others after the padding
                first = ""
                heads = self.heads.get(pad)
                if heads is None:
                    heads = self.heads[pad] = {}

    def sequence(self, items: Sequence[Any], indent: int, lines: list[str]) -> None:
        pad = " " * indent
        for item in items:
            kind = type(item)
            if kind is dict or (kind is not list and kind is not str and isinstance(item, Mapping)):
                if item:
                    self.mapping(item, indent + 2, lines, f"{pad}- ")
                else:
                    lines.append(f"{pad}- {{}}")
            elif kind is list or kind is tuple:
                if item:
                    lines.append(f"{pad}-")
                    self.sequence(item, indent + 2, lines)
                else:
                    lines.append(f"{pad}- []")
            elif kind is str:
                self.string(f"{pad}-", item, indent, lines)
            else:
                lines.append(f"{pad}- {_scalar(item)}")

    def string(self, head: str, value: str, indent: int, lines: list[str]) -> None:
        """A string after ``head``: a scalar on the line, or a literal block below it."""
        text = self.strings.get(value, "")  # "" is never a rendering: it marks "not cached"
        if text == "":
            text = self.strings[value] = _string(value)
        if text is None:
            _block(head, value, indent, lines)
        else:
            lines.append(f"{head} {text}")


def _block(head: str, value: str, indent: int, lines: list[str]) -> None:
    chomp = "" if value.endswith("\n") else "-"
    lines.append(f"{head} |{chomp}")
    pad = " " * (indent + 2)
    body = value[:-1] if value.endswith("\n") else value
    lines.extend(f"{pad}{line}" if line else "" for line in body.split("\n"))


def _string(value: str) -> str | None:
    """The scalar text of ``value``, or ``None`` when it is written as a literal block."""
    if "\n" in value and _block_safe(value):
        return None
    return _scalar(value)


def _block_safe(value: str) -> bool:
    if value.endswith("\n\n") or value[0] in " \n" or _BLOCK_UNSAFE.search(value):
        return False
    return all(line.strip(" ") or not line for line in value.split("\n"))


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        if _PLAIN.fullmatch(value) and value not in _RESERVED:
            return value
        return _quoted(value)
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, list | tuple):
        return "[]"
    raise TypeError(f"cannot write {type(value).__name__} to YAML: {value!r}")


def _key(key: object) -> str:
    if not isinstance(key, str):
        return _quoted(str(key))
    text = str.__str__(key)  # a str subclass (a str enum) is its text, as for json.dumps
    if _PLAIN_KEY.fullmatch(text) and text not in _RESERVED:
        return text
    return _quoted(text)


def _quoted(value: str) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return _ESCAPE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def _float(value: float) -> str:
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    if "e" in text and "." not in text.split("e")[0]:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"
    return text

"""``blueprint diff``: what the next synth changes against an output folder or a git ref.

Objects are matched across the release files by kind, namespace and name, so an object that
moves between files is a change, not a removal and an addition. Files whose text is equal are
not even parsed. Every change is checked by the immutable-field guard
(:mod:`blueprints.release.immutable`).
"""

from __future__ import annotations

import difflib
import json
import os
import re
import subprocess
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blueprints.errors import Problem, UnreadableInputError
from blueprints.release.immutable import check_change, check_removals
from blueprints.release.writer import OUTPUT_SUFFIX, dump_documents

__all__ = [
    "ObjectChange",
    "ReleaseDiff",
    "diff_files",
    "read_folder",
    "read_git",
    "render_json",
    "render_text",
    "summary_lines",
]

_SEPARATOR = re.compile(r"^---[ \t]*\n", re.MULTILINE)
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_COLOURS = {"+": "\x1b[32m", "-": "\x1b[31m", "@": "\x1b[36m", "h": "\x1b[1m"}
_RESET = "\x1b[0m"


@dataclass(frozen=True, slots=True)
class ObjectChange:
    """One object that is added, removed or changed.

    Attributes:
        file: The release file that holds it (the new one; the old one when removed).
        kind: Its kind.
        namespace: Its namespace, ``""`` for cluster-scoped objects.
        name: Its name.
        fields: The changed field paths (``spec.replicas``), for a changed object.
        old: The object before, or ``None`` when added.
        new: The object after, or ``None`` when removed.
    """

    file: str
    kind: str
    namespace: str
    name: str
    fields: tuple[str, ...] = ()
    old: Mapping[str, Any] | None = None
    new: Mapping[str, Any] | None = None

    @property
    def ref(self) -> str:
        """``Kind namespace/name`` (``Kind name`` when cluster-scoped)."""
        return f"{self.kind} {self.namespace}/{self.name}" if self.namespace else (
            f"{self.kind} {self.name}")

    def unified(self, colour: bool = False) -> str:
        """A unified diff of the object's YAML, coloured for a terminal when asked."""
        before = dump_documents([self.old]).splitlines(keepends=True) if self.old else []
        after = dump_documents([self.new]).splitlines(keepends=True) if self.new else []
        lines = list(difflib.unified_diff(before, after, f"a/{self.file} {self.ref}",
                                          f"b/{self.file} {self.ref}"))
        if not colour:
            return "".join(lines)
        painted = []
        for line in lines:
            key = "h" if line.startswith(("---", "+++")) else line[:1]
            start = _COLOURS.get(key)
            painted.append(f"{start}{line.rstrip(chr(10))}{_RESET}\n" if start else line)
        return "".join(painted)


@dataclass(frozen=True, slots=True)
class ReleaseDiff:
    """What changes between two sets of release files.

    Attributes:
        added: Objects only in the new files.
        removed: Objects only in the old files.
        changed: Objects in both whose content differs.
        problems: What the immutable-field guard refuses, one per field.
    """

    added: list[ObjectChange] = field(default_factory=list)
    removed: list[ObjectChange] = field(default_factory=list)
    changed: list[ObjectChange] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing changes."""
        return not (self.added or self.removed or self.changed)

    def refused_files(self) -> set[str]:
        """The release files that hold an object the guard flags."""
        flagged = {p.component for p in self.problems}
        return {c.file for c in (*self.changed, *self.removed)
                if f"{c.kind}/{c.name}" in flagged}


def diff_files(old: Mapping[str, str], new: Mapping[str, str]) -> ReleaseDiff:
    """Compare release files (name to YAML text), old against new.

    Raises:
        UnreadableInputError: An old file is not a YAML stream of objects.
    """
    names = sorted(n for n in set(old) | set(new) if old.get(n) != new.get(n))
    old_chunks = {n: _chunks(old[n]) for n in names if n in old}
    new_chunks = {n: _chunks(new[n]) for n in names if n in new}
    # The writer is deterministic: a document whose text is on both sides is one object that
    # did not change. Only the others are parsed (a 4,000-object release parses in seconds).
    same = Counter(c for chunks in old_chunks.values() for c in chunks) & Counter(
        c for chunks in new_chunks.values() for c in chunks)
    try:
        before = _objects(old_chunks, Counter(same), "old output")
        after = _objects(new_chunks, Counter(same), "synthesized output")
    except _UncutError:  # cut where YAML would not (a directive before a ---): read files whole
        before = _objects({n: [old[n]] for n in old_chunks}, None, "old output")
        after = _objects({n: [new[n]] for n in new_chunks}, None, "synthesized output")
    result = ReleaseDiff()
    for key, (file, manifest) in after.items():
        if key not in before:
            result.added.append(ObjectChange(file, *key, new=manifest))
            continue
        previous = before[key][1]
        if previous != manifest:
            paths: list[str] = []
            _paths(previous, manifest, "", paths)
            result.changed.append(ObjectChange(file, *key, fields=tuple(paths), old=previous,
                                               new=manifest))
            result.problems.extend(check_change(previous, manifest))
    for key, (file, manifest) in before.items():
        if key not in after:
            result.removed.append(ObjectChange(file, *key, old=manifest))
    result.problems.extend(check_removals([c.old for c in result.removed if c.old],
                                          [c.new for c in result.added if c.new]))
    return result


def read_folder(directory: Path, *, required: bool = False) -> dict[str, str]:
    """The ``*.k8s.yaml`` files of ``directory``: none when it does not exist, unless
    ``required`` (a folder the user named with ``--against``).

    Raises:
        UnreadableInputError: A required folder that is missing or not a folder, a folder that
            cannot be listed, or a file that cannot be read as UTF-8 text.
    """
    if not directory.is_dir():
        if not required:
            return {}
        what = "not a folder" if directory.exists() else "no such folder"
        raise UnreadableInputError(Problem("diff", "--against", str(directory), what,
                                           "pass the folder that holds the old release files "
                                           "(for example dist/)"))
    try:
        names = sorted(n for n in os.listdir(directory) if n.endswith(OUTPUT_SUFFIX))
    except OSError as error:
        raise UnreadableInputError(Problem("diff", "--against", str(directory),
                                           f"cannot list it: {error.strerror or error}",
                                           "pass a folder you can read")) from error
    files = {}
    for name in names:
        path = directory / name
        try:
            files[name] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise UnreadableInputError(Problem("diff", "--against", str(path), f"cannot read it: "
                                          f"{error}", "pass a folder of release files")) from error
    return files


def read_git(ref: str, directory: Path) -> dict[str, str]:
    """The ``*.k8s.yaml`` files that ``directory`` held at commit ``ref`` of its repository.

    Raises:
        UnreadableInputError: No git, no repository, or no such commit.
    """
    anchor = directory.resolve()
    while not anchor.is_dir():
        anchor = anchor.parent
    top = Path(_git(anchor, ["rev-parse", "--show-toplevel"], ref).strip())
    _git(anchor, ["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], ref)
    relative = directory.resolve().relative_to(top.resolve()).as_posix()
    prefix = "" if relative == "." else f"{relative}/"
    listing = _git(top, ["ls-tree", "-z", "--name-only", ref, "--", prefix or "."], ref)
    files = {}
    for path in sorted(p for p in listing.split("\0") if p.endswith(OUTPUT_SUFFIX)):
        name = path[len(prefix):]
        if "/" not in name:
            files[name] = _git(top, ["show", f"{ref}:{path}"], ref)
    return files


def summary_lines(diff: ReleaseDiff) -> list[str]:
    """One line per object (``+`` added, ``-`` removed, ``~`` changed with its fields), then a
    count."""
    lines = [f"+ {c.file}: {c.ref}" for c in diff.added]
    lines += [f"- {c.file}: {c.ref}" for c in diff.removed]
    lines += [f"~ {c.file}: {c.ref}: {', '.join(c.fields)}" for c in diff.changed]
    lines.append(f"{len(diff.added)} added, {len(diff.removed)} removed, "
                 f"{len(diff.changed)} changed" if not diff.empty else "no changes")
    if diff.problems:
        lines.append(f"{len(diff.problems)} of the changes the API server refuses or that lose "
                     "data: see the error: lines")
    return lines


def render_text(diff: ReleaseDiff, *, colour: bool = False) -> str:
    """The summary, then a unified diff of every added, removed and changed object."""
    parts = ["\n".join(summary_lines(diff)) + "\n"]
    parts += [c.unified(colour) for c in (*diff.changed, *diff.added, *diff.removed)]
    return "".join(parts)


def render_json(diff: ReleaseDiff) -> str:
    """The diff as JSON: ``added``, ``removed``, ``changed`` (with ``fields`` and ``diff``),
    ``errors`` (the guard's lines) and ``refused`` (the same, as fields: ``object``, ``field``,
    ``change``, ``what``, ``fix`` and ``practice``)."""
    def entry(change: ObjectChange, *, details: bool = False) -> dict[str, Any]:
        item: dict[str, Any] = {"file": change.file, "kind": change.kind,
                                "namespace": change.namespace, "name": change.name}
        if details:
            item["fields"] = list(change.fields)
            item["diff"] = change.unified()
        return item

    return json.dumps({
        "added": [entry(c) for c in diff.added],
        "removed": [entry(c) for c in diff.removed],
        "changed": [entry(c, details=True) for c in diff.changed],
        "errors": [p.line() for p in diff.problems],
        "refused": [{"object": p.component, "field": p.field, "change": p.value, "what": p.what,
                     "fix": p.fix, "practice": p.practice} for p in diff.problems],
    }, indent=2) + "\n"


def _chunks(text: str) -> list[str]:
    """``text`` cut at its document separators (a ``---`` line), which YAML forbids inside a
    document's content."""
    return [c for c in _SEPARATOR.split(text) if c]


class _UncutError(Exception):
    """A document cut at a ``---`` line does not parse on its own."""


def _objects(chunks: Mapping[str, list[str]], skip: Counter[str] | None,
             what: str) -> dict[tuple[str, str, str], tuple[str, dict[str, Any]]]:
    """The objects of each file's chunks but those in ``skip`` (``None``: whole files)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    objects: dict[tuple[str, str, str], tuple[str, dict[str, Any]]] = {}
    for name, parts in chunks.items():
        documents: list[Any] = []
        for chunk in parts:
            if skip is not None and skip[chunk] > 0:
                skip[chunk] -= 1
                continue
            try:
                documents += [d for d in yaml.load_all(chunk, Loader=loader) if d is not None]
            except yaml.YAMLError as error:
                if skip is not None:
                    raise _UncutError from error
                raise UnreadableInputError(Problem(
                    "diff", what, name, "not valid YAML: " + " ".join(str(error).split()),
                    "run blueprint synth to rewrite it")) from error
        for document in documents:
            metadata = document.get("metadata") if isinstance(document, dict) else None
            if not isinstance(metadata, dict):
                raise UnreadableInputError(Problem("diff", what, name, "holds a document that is not "
                                              "a Kubernetes object",
                                              "run blueprint synth to rewrite it"))
            key = (str(document.get("kind")), str(metadata.get("namespace") or ""),
                   str(metadata.get("name")))
            objects[key] = (name, _plain(document))
    return objects


def _plain(value: Any) -> Any:
    """``value`` with only the types a manifest holds: a hand-edited file may carry YAML
    timestamps or binary values, which are compared and shown as text."""
    if isinstance(value, dict):
        return {k if isinstance(k, str) else str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _paths(old: Any, new: Any, prefix: str, out: list[str]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            if key not in old or key not in new or old[key] != new[key]:
                _paths(old.get(key), new.get(key), _join(prefix, str(key)), out)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            if a != b:
                _paths(a, b, f"{prefix}[{index}]", out)
    else:
        out.append(prefix or "<object>")


def _join(prefix: str, key: str) -> str:
    if _PLAIN_KEY.fullmatch(key):
        return f"{prefix}.{key}" if prefix else key
    return f"{prefix}[{json.dumps(key)}]"


def _git(cwd: Path, args: list[str], ref: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              check=False)
    except OSError as error:
        raise UnreadableInputError(Problem("diff", "--against-git", ref, f"cannot run git: {error}",
                                      "install git, or pass --against DIR")) from error
    if done.returncode != 0:
        reason = " ".join(done.stderr.split()) or "no such commit"
        raise UnreadableInputError(Problem("diff", "--against-git", ref, reason,
                                      "pass a commit, branch or tag of the blueprint's "
                                      "repository"))
    return done.stdout

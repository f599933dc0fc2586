"""Lint configuration: ``[tool.blueprint.lint]`` in ``pyproject.toml``, or ``.blueprint-lint.yaml``.

Both hold the same keys::

    enable = ["BP001", "BP016"]       # run only these (default: every practice)
    disable = ["BP005"]               # skip these
    severity = {BP022 = "error"}      # error, warning or info, instead of the catalogue's
    ignore-paths = ["vendor/*", "*.generated.yaml"]   # fnmatch patterns, from the file's folder

The nearest folder (from the working directory up) that holds ``.blueprint-lint.yaml`` (or
``.yml``) or a ``pyproject.toml`` with the section is used; the YAML file wins in one folder.
"""

from __future__ import annotations

import contextlib
import fnmatch
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blueprints.errors import ConfigError, Problem
from blueprints.practices import PRACTICES, Severity

__all__ = ["CONFIG_FILES", "LintConfig", "find_config", "load_config"]

CONFIG_FILES = (".blueprint-lint.yaml", ".blueprint-lint.yml", "pyproject.toml")
_KEYS = ("enable", "disable", "severity", "ignore-paths")


@dataclass(frozen=True, slots=True)
class LintConfig:
    """What a configuration file asks of lint.

    Attributes:
        enable: The practices to run, or ``None`` for all of them.
        disable: Practices to skip.
        severity: A severity per practice, over the catalogue's.
        ignore_paths: fnmatch patterns of files not to read, relative to ``root``.
        root: The folder of the configuration file (``None``: no file, patterns match as given).
        source: The file it came from, for messages.
    """

    enable: tuple[str, ...] | None = None
    disable: tuple[str, ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict)
    ignore_paths: tuple[str, ...] = ()
    root: Path | None = None
    source: str | None = None

    def ignores(self, path: Path) -> bool:
        """Whether ``path`` matches one of the ignored patterns."""
        if not self.ignore_paths:
            return False
        candidates = [path.as_posix()]
        if self.root is not None:
            with contextlib.suppress(ValueError):  # outside the configuration's folder
                candidates.append(path.resolve().relative_to(self.root.resolve()).as_posix())
        return any(fnmatch.fnmatchcase(c, pattern) or fnmatch.fnmatchcase(c, pattern + "/*")
                   for c in candidates for pattern in self.ignore_paths)


def find_config(start: Path) -> LintConfig:
    """The configuration that applies in ``start`` (a folder), or the defaults."""
    for folder in (start.resolve(), *start.resolve().parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if not candidate.is_file():
                continue
            if name == "pyproject.toml":
                table = _pyproject_table(candidate)
                if table is None:
                    continue
                return _parse(table, candidate)
            return load_config(candidate)
    return LintConfig()


def load_config(path: Path) -> LintConfig:
    """Read a ``.blueprint-lint.yaml`` or a ``pyproject.toml``.

    Raises:
        ConfigError: The file cannot be read, or a key or value is wrong.
    """
    if path.name == "pyproject.toml" or path.suffix == ".toml":
        table = _pyproject_table(path)
        return _parse(table or {}, path)
    from blueprints.lint.documents import parse_documents

    text = _read(path)
    documents, problem = parse_documents(text)
    if problem is not None:
        raise _error(f"{path}:{problem.line}", "yaml", "<file>", f"not valid YAML: "
                     f"{problem.message}", "fix the file")
    value = documents[0].value if documents else {}
    if not isinstance(value, dict):
        raise _error(str(path), "document", type(value).__name__, "not a mapping",
                     "write the keys " + ", ".join(_KEYS))
    return _parse(value, path)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise _error(str(path), "config", "<file>", f"cannot read it: {error}",
                     "make it a readable UTF-8 file") from None


def _pyproject_table(path: Path) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(_read(path))
    except tomllib.TOMLDecodeError as error:
        raise _error(str(path), "toml", "<file>", f"not valid TOML: {error}",
                     "fix the file") from None
    table: Any = data
    for key in ("tool", "blueprint", "lint"):
        table = table.get(key) if isinstance(table, dict) else None
    if table is not None and not isinstance(table, dict):
        raise _error(str(path), "tool.blueprint.lint", table, "not a table",
                     "write [tool.blueprint.lint]")
    return table


def _parse(table: dict[str, Any], path: Path) -> LintConfig:
    where = str(path)
    for key, value in table.items():
        if key not in _KEYS:
            raise _error(where, str(key), value, "unknown key",
                         "use " + ", ".join(_KEYS))
    enable = table.get("enable")
    severity = table.get("severity", {})
    if not isinstance(severity, dict):
        raise _error(where, "severity", severity, "not a mapping",
                     'write severity = {BP022 = "error"}')
    levels = {level.value: level for level in Severity}
    for rule, level in severity.items():
        _rule_ids(where, "severity", [rule])
        if level not in levels:
            raise _error(where, f"severity.{rule}", level, "not a severity",
                         "use error, warning or info")
    return LintConfig(
        enable=None if enable is None else _rule_ids(where, "enable", enable),
        disable=_rule_ids(where, "disable", table.get("disable", [])),
        severity={str(rule): levels[level] for rule, level in severity.items()},
        ignore_paths=_strings(where, "ignore-paths", table.get("ignore-paths", [])),
        root=path.resolve().parent,
        source=where,
    )


def _rule_ids(where: str, key: str, value: object) -> tuple[str, ...]:
    ids = _strings(where, key, value)
    for rule in ids:
        if rule not in PRACTICES:
            raise _error(where, key, rule, "no such practice",
                         "run blueprint explain for the list")
    return ids


def _strings(where: str, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _error(where, key, value, "not a list of strings", f'write {key} = ["..."]')
    return tuple(value)


def _error(where: str, key: str, value: object, what: str, fix: str) -> ConfigError:
    return ConfigError(Problem(where, key, value, what, fix))

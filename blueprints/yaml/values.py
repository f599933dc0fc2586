"""Typed values of a YAML blueprint: declarations, overlays, ``--set`` and secret redaction.

``values:`` declares every value and its type, inferred from the default (``tag: "1.27.3"`` is
a string, ``replicas: 2`` an integer, ``{}`` an open mapping, ``~`` any scalar), or given by an
optional ``values.schema.json`` next to the blueprint, as Helm's. Overlays (``values/<env>.yaml``,
``--values FILE``, ``--set``, ``--set-string``) may only set declared values, with the declared
type: a typo is an error with "did you mean", never a silent extra value. They may only set a
value that a template reads: YAML aliases and merge keys (``<<: *java``) are resolved when the file
is read, before values apply, so a value used only through one would silently change nothing.

``--set`` follows Helm's syntax (``a=1,b=2`` sets two values, ``\\,`` is a literal comma,
``list={a,b}`` sets a list) but coerces to the declared type instead of guessing from the text:
``--set tag=3.10`` gives the string ``3.10`` when ``tag`` is a string.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from blueprints._lazy import LazyPattern
from blueprints.errors import BlueprintError, ConfigError, Problem, UnreadableInputError
from blueprints.yaml.loading import (
    Loaded,
    LossyFloat,
    LossyInt,
    LossyScalar,
    is_lossy,
    load_yaml,
    plain,
    read_text,
)

__all__ = [
    "Declared",
    "FileValues",
    "SetValues",
    "apply_overlays",
    "command_line_overlays",
    "declare",
    "load_schema",
    "load_values_file",
    "parse_sets",
    "redact",
    "redacting",
    "secret_texts",
]

SCHEMA_FILE = "values.schema.json"
INT64 = 2**63 - 1
_SECRET_WORDS = frozenset({"password", "passwd", "pwd", "pass", "secret", "secrets", "token",
                           "key", "apikey", "credential", "credentials", "auth", "private",
                           "cert", "certificate", "salt", "dsn", "signature", "passphrase"})
_WORDS = LazyPattern(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")
_INTEGER = LazyPattern(r"[-+]?(0|[1-9][0-9]*)")
_NUMBER = LazyPattern(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?")
# Text that a YAML reading would turn into structure, a comment or a document marker.
_STRUCTURE = LazyPattern(r"^[\[\]{}&*!|>%@`'\"#]|^---|^\.\.\.|:\s|:$|\s#|^-\s|^-$")
REDACTED = "<redacted>"


@dataclass(frozen=True, slots=True)
class Declared:
    """The declared type of a value.

    Attributes:
        kind: ``string``, ``integer``, ``number``, ``boolean``, ``list``, ``mapping`` or ``any``.
        origin: Where it was declared (``blueprint.yaml:5``).
        children: For a mapping, its declared keys; ``None`` for an open mapping.
        item: For a list, the type of its items.
        minimum: The smallest allowed number (schema ``minimum``), if any.
        maximum: The largest allowed number (schema ``maximum``), if any.
        enum: The allowed values (schema ``enum``), if any.
    """

    kind: str
    origin: str
    children: dict[str, Declared] | None = None
    item: Declared | None = None
    minimum: float | None = None
    maximum: float | None = None
    enum: tuple[Any, ...] | None = None

    def leaves(self, prefix: str = "") -> list[str]:
        """Every declared dotted path under this one."""
        paths = []
        for key, child in (self.children or {}).items():
            path = f"{prefix}.{key}" if prefix else key
            paths.append(path)
            if child.kind == "mapping":
                paths.extend(child.leaves(path))
        return paths

    def describe(self) -> str:
        """``an integer (declared at blueprint.yaml:5)``."""
        article = {"integer": "an integer", "any": "any scalar", "list": "a list",
                   "mapping": "a mapping", "string": "a string", "number": "a number",
                   "boolean": "a boolean (true or false)"}[self.kind]
        return f"{article} (declared at {self.origin})"


class FileValues(dict[str, Any]):
    """A values file: its data plus its lines, for messages."""

    def __init__(self, loaded: Loaded) -> None:
        super().__init__(loaded.value)
        self.loaded = loaded


@dataclass(frozen=True, slots=True)
class _RawSet:
    path: tuple[str, ...]
    text: str
    forced_string: bool
    option: str


class SetValues(dict[str, Any]):
    """``--set`` and ``--set-string`` items, coerced once the declarations are known."""

    def __init__(self, items: Sequence[_RawSet]) -> None:
        super().__init__()
        self.sets = list(items)


def load_values_file(path: Path, name: str) -> FileValues:
    """A values file: one YAML mapping.

    Raises:
        ConfigError: Not YAML, not a mapping, a duplicate key. UnreadableInputError: not text.
    """
    loaded = load_yaml(read_text(path, name), name)
    if plain(loaded.value) is None:
        loaded = Loaded(name, {}, loaded.lines)
    if not isinstance(loaded.value, dict):
        raise ConfigError(Problem(f"{name}:1", "values", type(plain(loaded.value)).__name__,
                                  "a values file is a mapping", "write key: value pairs"))
    return FileValues(loaded)


def parse_sets(items: Iterable[str], *, forced_string: bool = False) -> SetValues:
    """Split ``--set`` items as Helm does: ``a=1,b=2`` is two values; ``\\,`` a literal comma.

    Raises:
        ConfigError: An item that is not ``key=value``.
    """
    option = "--set-string" if forced_string else "--set"
    parsed: list[_RawSet] = []
    for item in items:
        for part in _split(item, ","):
            key, sep, text = part.partition("=")
            path = tuple(_split(key.strip(), "."))
            if not sep or not key.strip() or not all(path):
                raise ConfigError(Problem("synth", option, part, "not key=value",
                                          f"write {option} replicas=3 or {option} image.tag=1.2.3"))
            parsed.append(_RawSet(path, text, forced_string, option))
    return SetValues(parsed)


def declare(loaded: Loaded, values: object, schema: Mapping[str, Any] | None,
            schema_name: str = SCHEMA_FILE) -> Declared:
    """The declared values: from ``schema`` when given, else inferred from the defaults.

    Raises:
        ConfigError: A schema this reader does not understand.
    """
    if schema is not None:
        return _from_schema(schema, schema_name, "")
    return _infer(loaded, values, "values")


def load_schema(blueprint: Path) -> tuple[Mapping[str, Any] | None, str]:
    """``values.schema.json`` next to ``blueprint``, if there is one.

    Raises:
        ConfigError: Not JSON, or not an object. UnreadableInputError: not text.
    """
    path = blueprint.parent / SCHEMA_FILE
    name = _display(path)
    if not path.exists():
        return None, name
    try:
        schema = json.loads(read_text(path, name))
    except json.JSONDecodeError as error:
        raise ConfigError(Problem(f"{name}:{error.lineno}", "schema", "<file>",
                                  f"not valid JSON: {error.msg}", "fix the file")) from None
    if not isinstance(schema, dict):
        raise ConfigError(Problem(f"{name}:1", "schema", type(schema).__name__,
                                  "a values schema is a JSON object", 'start with {"type": '
                                  '"object", "properties": {...}}'))
    return schema, name


def apply_overlays(defaults: dict[str, Any], declared: Declared,
                   overlays: Sequence[Mapping[str, Any]],
                   reads: Collection[tuple[str, ...]] | None = None) -> dict[str, Any]:
    """Check each overlay against ``declared`` and merge it over ``defaults``, in order.

    ``reads`` are the value paths the blueprint's templates read (see
    :func:`blueprints.yaml.templates.reads`); when given, "did you mean" names only values
    that are read, and an overlay value that no template reads is an error: a value used only
    through a YAML alias or merge key (``<<: *java``) was copied when the file was read, so
    setting it would silently change nothing.

    Raises:
        ConfigError: An undeclared key (with "did you mean"), a value of the wrong type or a
            value that reaches nothing, naming the file and line (or the ``--set`` item).
    """
    merged = defaults
    unread: list[Problem] = []
    for overlay in overlays:
        if isinstance(overlay, SetValues):
            for item in overlay.sets:
                merged = _merge(merged, _nested(item.path, _coerce_set(item, declared, reads)))
                if reads is not None and not _reached(reads, item.path):
                    key = ".".join(item.path)
                    unread.append(_unread(item.option, key, _shown(key, item.text)))
            continue
        loaded = overlay.loaded if isinstance(overlay, FileValues) else Loaded(
            "values", dict(overlay))
        _check(loaded, "", overlay, declared, reads)
        merged = _merge(merged, overlay)
        if reads is not None:
            for path, value in _leaves(overlay, ()):
                if not _reached(reads, path):
                    key = ".".join(path)
                    shown = REDACTED if _looks_secret(path[-1]) else _brief(value)
                    unread.append(_unread(loaded.where(key), key, shown))
    if unread:  # one line: the first value that reaches nothing
        raise ConfigError(unread[0])
    return merged


def _reached(reads: Collection[tuple[str, ...]], path: tuple[str, ...]) -> bool:
    """A template reads ``path``, something under it, or all of something above it."""
    return any(path[:len(read)] == read or read[:len(path)] == path for read in reads)


def _leaves(value: Mapping[str, Any], path: tuple[str, ...]) -> Iterator[
        tuple[tuple[str, ...], Any]]:
    for key, item in value.items():
        if isinstance(item, Mapping) and item:
            yield from _leaves(item, (*path, str(key)))
        else:
            yield (*path, str(key)), item


def _brief(value: Any) -> str:
    text = json.dumps(plain(value), default=str) if isinstance(value, Mapping | list) else str(
        plain(value))
    return text if len(text) <= 40 else text[:37] + "..."


def _unread(where: str, key: str, shown: str) -> Problem:
    head = key.split(".", 1)[0]
    return Problem(where, key, shown, f"no template reads values.{key}: setting it changes nothing",
                   f"YAML aliases and merge keys (<<: *{head}) copy values when the file is "
                   "read, before --values and --set apply; read it with a template where it is "
                   f'used ("{{{{ values.{key} }}}}"), or change the blueprint itself')


def secret_texts(values: object, path: tuple[str, ...] = (), secret: bool = False) -> set[str]:
    """The texts of every value under a key that looks secret (``dbPassword``, ``api_key``)."""
    if isinstance(values, Mapping):
        return {text for key, value in values.items()
                for text in secret_texts(value, (*path, str(key)),
                                         secret or _looks_secret(str(key)))}
    if isinstance(values, list):
        return {text for item in values for text in secret_texts(item, path, secret)}
    if not secret or values is None or isinstance(values, bool):
        return set()
    text = values.text if is_lossy(values) else str(values)  # type: ignore[attr-defined]
    return {text, str(plain(values))} - {""}


@contextmanager
def redacting(overlays: Sequence[Mapping[str, Any]]) -> Iterator[None]:
    """Redact, in any error raised inside, the values that ``overlays`` give to secret-looking
    keys (for the checks that run after the blueprint is rendered)."""
    try:
        yield
    except BlueprintError as error:
        secrets: set[str] = set()
        for overlay in overlays:
            secrets |= secret_texts(overlay)
            for item in getattr(overlay, "sets", ()):
                if any(_looks_secret(part) for part in item.path):
                    secrets.add(item.text)
        raise redact(error, secrets) from None


def redact(error: BlueprintError, secrets: set[str]) -> BlueprintError:
    """``error`` with every secret text replaced by ``<redacted>`` (the same class)."""
    if not secrets or not isinstance(error, ConfigError):
        return error
    ordered = sorted(secrets, key=len, reverse=True)

    def clean(value: object) -> object:
        if not isinstance(value, str):
            if value is None or isinstance(value, bool | int | float):
                return REDACTED if str(value) in secrets else value
            value = repr(value)
        if value in secrets:
            return REDACTED
        for secret in ordered:
            if len(secret) >= 4:
                value = value.replace(secret, REDACTED)
        return value

    problems = [dataclasses.replace(p, component=str(clean(p.component)),
                                    field=str(clean(p.field)), value=clean(p.value),
                                    what=str(clean(p.what)), fix=str(clean(p.fix)))
                for p in error.problems]
    redacted = type(error)(problems)
    return redacted


# -- declarations -----------------------------------------------------------------------------


def _infer(loaded: Loaded, value: object, path: str) -> Declared:
    origin = loaded.where(path)
    if isinstance(value, dict):
        if not value:
            return Declared("mapping", origin, None)
        return Declared("mapping", origin, {str(k): _infer(loaded, v, f"{path}.{k}")
                                            for k, v in value.items()})
    if isinstance(value, list):
        kinds = {_infer(loaded, item, f"{path}[{i}]").kind for i, item in enumerate(value)}
        item_kind = kinds.pop() if len(kinds) == 1 else "any"
        if item_kind in ("list", "mapping"):
            item_kind = "any"
        return Declared("list", origin, item=Declared(item_kind, origin))
    return Declared(_scalar_kind(plain(value)), origin)


def _scalar_kind(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "any"


_SCHEMA_KINDS = {"string": "string", "integer": "integer", "number": "number",
                 "boolean": "boolean", "array": "list", "object": "mapping"}


def _from_schema(schema: Mapping[str, Any], name: str, path: str) -> Declared:
    """A subset of JSON Schema: type, properties, additionalProperties, items, enum, minimum,
    maximum. Anything that names no type declares any scalar."""
    origin = f"{name} {path or '/'}"
    kind = schema.get("type", "object" if "properties" in schema else None)
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if len(kinds) == 1 else None
    if kind is not None and kind not in _SCHEMA_KINDS:
        raise ConfigError(Problem(name, f"{path or '/'}.type", kind, "not a JSON Schema type",
                                  "use string, integer, number, boolean, array or object"))
    declared_kind = _SCHEMA_KINDS.get(kind, "any") if kind else "any"
    enum = schema.get("enum")
    bounds = {k: schema[k] for k in ("minimum", "maximum")
              if isinstance(schema.get(k), int | float) and not isinstance(schema[k], bool)}
    if declared_kind == "mapping":
        properties = schema.get("properties")
        if not isinstance(properties, dict) or schema.get("additionalProperties") not in (
            None, False
        ):
            return Declared("mapping", origin, None)
        return Declared("mapping", origin, {
            str(k): _from_schema(v if isinstance(v, dict) else {}, name, f"{path}/{k}")
            for k, v in properties.items()})
    if declared_kind == "list":
        items = schema.get("items")
        item = _from_schema(items, name, f"{path}/items") if isinstance(items, dict) else None
        return Declared("list", origin, item=item or Declared("any", origin))
    return Declared(declared_kind, origin, enum=tuple(enum) if isinstance(enum, list) else None,
                    **bounds)


# -- overlays ---------------------------------------------------------------------------------


def _check(loaded: Loaded, path: str, value: Any, declared: Declared,
           reads: Collection[tuple[str, ...]] | None = None) -> None:
    if declared.kind == "any" and not isinstance(value, dict | list):
        return
    if declared.kind == "mapping":
        if not isinstance(value, dict):
            raise _wrong(loaded.where(path), path, value, declared)
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if declared.children is None:
                continue
            if str(key) not in declared.children:
                raise _undeclared(loaded.where(child), child, declared, path, reads)
            _check(loaded, child, item, declared.children[str(key)], reads)
        return
    if declared.kind == "list":
        if not isinstance(value, list):
            raise _wrong(loaded.where(path), path, value, declared)
        for i, item in enumerate(value):
            _check(loaded, f"{path}[{i}]", item, declared.item or Declared("any", ""))
        return
    if not _fits(value, declared):
        raise _wrong(loaded.where(path), path, value, declared)


def _fits(value: Any, declared: Declared) -> bool:
    bare = plain(value)
    kind = declared.kind
    if kind == "string":
        ok = isinstance(value, str)
    elif kind == "boolean":
        ok = isinstance(bare, bool)
    elif kind == "integer":
        ok = isinstance(bare, int) and not isinstance(bare, bool) and not _octal(value)
    elif kind == "number":
        ok = isinstance(bare, int | float) and not isinstance(bare, bool) and not _octal(value)
    else:
        ok = not isinstance(value, dict | list)
    if ok and declared.enum is not None and bare not in declared.enum:
        return False
    if ok and isinstance(bare, int | float) and not isinstance(bare, bool):
        if declared.minimum is not None and bare < declared.minimum:
            return False
        if declared.maximum is not None and bare > declared.maximum:
            return False
    return ok


def _octal(value: object) -> bool:
    """``0777``: YAML 1.1 (PyYAML) reads it as octal 511, YAML 1.2 as decimal 777."""
    return isinstance(value, LossyInt) and bool(re.fullmatch(r"[-+]?0[0-7_]+", value.text))


def _wrong(where: str, path: str, value: Any, declared: Declared) -> ConfigError:
    key = path or "values"
    if declared.kind == "string" and is_lossy(value):
        return ConfigError(Problem(where, key, value.describe(), f"{key} is {declared.describe()}"
                                   ", and YAML does not keep this text", f'quote it: "{value.text}"'))
    if _octal(value):
        return ConfigError(Problem(where, key, value.text, "YAML 1.1 reads a leading 0 as octal "
                                   f"({int(value)}), YAML 1.2 as decimal",
                                   "write the number without the leading 0"))
    shown = value.text if is_lossy(value) else value
    if isinstance(value, dict | list):
        shown = f"<{type(value).__name__}>"
    elif declared.kind == "string" and declared.enum is None:
        return ConfigError(Problem(where, key, shown, f"{key} is {declared.describe()}",
                                   f'quote it: "{shown}"'))
    rule = declared.describe()
    if declared.enum is not None:
        rule += f", one of {', '.join(map(str, declared.enum))}"
    if declared.minimum is not None or declared.maximum is not None:
        rule += f", from {declared.minimum if declared.minimum is not None else '-inf'} to " \
                f"{declared.maximum if declared.maximum is not None else 'inf'}"
    return ConfigError(Problem(where, key, shown, f"{key} is {rule}",
                               "give a value of that type"))


def _undeclared(where: str, key: str, declared: Declared, parent: str,
                reads: Collection[tuple[str, ...]] | None = None) -> ConfigError:
    known = declared.leaves(parent)
    if reads is not None:  # never suggest a value that would change nothing
        known = [k for k in known if _reached(reads, tuple(k.split(".")))]
    near = difflib.get_close_matches(key, known, n=1)
    return ConfigError(Problem(where, key, "<key>", "not a declared value",
                               f"did you mean {near[0]}?" if near else
                               "declare it under values: in the blueprint"))


def _coerce_set(item: _RawSet, root: Declared,
                reads: Collection[tuple[str, ...]] | None = None) -> Any:
    key = ".".join(item.path)
    where = item.option
    declared: Declared | None = root
    for depth, part in enumerate(item.path):
        if declared is None or declared.kind != "mapping":
            parent = ".".join(item.path[:depth])
            raise ConfigError(Problem(where, key, _shown(key, item.text),
                                      f"{parent} is {declared.describe() if declared else '?'}"
                                      ", it has no keys", f"set {parent} itself"))
        if declared.children is None:
            declared = Declared("any", declared.origin)
            continue
        child = declared.children.get(part)
        if child is None:
            raise _undeclared(where, key, root, "", reads)
        declared = child
    assert declared is not None
    text = item.text
    shown = _shown(key, text)
    if declared.kind == "mapping":
        raise ConfigError(Problem(where, key, shown, f"{key} is {declared.describe()}",
                                  f"set its keys, e.g. {key}.name=value"))
    if any(ord(c) < 32 and c != "\t" for c in text) and not item.forced_string:
        raise ConfigError(Problem(where, key, shown, "holds a newline or a control character",
                                  "pass multi-line text in a --values file, or use --set-string"))
    if item.forced_string:
        if declared.kind not in ("string", "any"):
            raise ConfigError(Problem(where, key, shown, f"{key} is {declared.describe()}, and "
                                      "--set-string gives text", "use --set"))
        return text
    if declared.kind == "list":
        if not (text.startswith("{") and text.endswith("}")):
            raise ConfigError(Problem(where, key, shown, f"{key} is {declared.describe()}",
                                      f"write {key}={{a,b}}"))
        inner = text[1:-1]
        item_decl = declared.item or Declared("any", declared.origin)
        return [_coerce_scalar(where, f"{key}[{i}]", part, item_decl)
                for i, part in enumerate(inner.split(",") if inner else [])]
    return _coerce_scalar(where, key, text, declared)


def _coerce_scalar(where: str, key: str, text: str, declared: Declared) -> Any:
    shown = _shown(key, text)
    kind = declared.kind
    value: Any
    if kind == "string":
        value = text
    elif kind in ("integer", "number") and re.fullmatch(r"[-+]?0[0-9_]+", text.strip()):
        raise ConfigError(Problem(where, key, shown, "a leading 0 is octal in YAML 1.1 and "
                                  "decimal in YAML 1.2", "write the number without it"))
    elif kind == "integer" and _INTEGER.fullmatch(text.strip()):
        value = int(text.strip())
        if abs(value) > INT64:
            raise ConfigError(Problem(where, key, shown, f"beyond {INT64}, the largest number "
                                      "the Kubernetes API takes (int64)", "pass a smaller number"))
    elif kind == "number" and _NUMBER.fullmatch(text.strip()):
        value = float(text.strip())
        if int(value) == value and _INTEGER.fullmatch(text.strip()):
            value = int(text.strip())
        elif repr(value) != text:
            value = LossyFloat(value)
            value.text, value.origin = text, where
    elif kind == "boolean" and text.strip().lower() in ("true", "false"):
        value = text.strip().lower() == "true"
    elif kind == "any":
        value = _any_scalar(where, key, text)
    else:
        raise ConfigError(Problem(where, key, shown, f"{key} is {declared.describe()}",
                                  "give a value of that type"))
    if not _fits(value, declared):
        raise _wrong(where, key, value, declared)
    return value


def _any_scalar(where: str, key: str, text: str) -> Any:
    """A value of undeclared type: read as one YAML scalar, never as structure."""
    if _STRUCTURE.search(text):
        raise ConfigError(Problem(where, key, _shown(key, text), "reads as YAML structure "
                                  "(a list, mapping, comment, anchor or quote)",
                                  "use --set-string to pass it as text"))
    if not text.strip():
        return text
    loaded = load_yaml(text, where)
    value = loaded.value
    if isinstance(value, dict | list):
        raise ConfigError(Problem(where, key, _shown(key, text), "reads as YAML structure",
                                  "use --set-string to pass it as text"))
    if isinstance(value, LossyScalar | LossyInt | LossyFloat):
        value.origin = f"{where} {key}"
    return value


def _shown(key: str, text: str) -> str:
    return REDACTED if _looks_secret(key.rsplit(".", 1)[-1]) else text


def _looks_secret(key: str) -> bool:
    words = [w.lower() for w in _WORDS.findall(key)]
    return any(w in _SECRET_WORDS for w in words) or "password" in key.lower()


def _nested(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    cursor = nested
    for part in path[:-1]:
        cursor = cursor.setdefault(part, {})
    cursor[path[-1]] = value
    return nested


def _merge(base: dict[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _split(text: str, separator: str) -> list[str]:
    """Split on ``separator``, except an escaped one (``\\,``, which stays literal) or one inside
    ``{}`` (Helm's list syntax). Other backslashes stay as they are."""
    parts: list[str] = []
    current: list[str] = []
    depth, index = 0, 0
    while index < len(text):
        char = text[index]
        if char == "\\" and text[index + 1:index + 2] == separator:
            current.append(separator)
            index += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(0, depth - 1)
        if char == separator and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current))
    return parts


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)



def command_line_overlays(blueprint: Path, env: str | None, files: Sequence[Path],
                          sets: Sequence[str], set_strings: Sequence[str]
                          ) -> list[Mapping[str, Any]]:
    """The overlays of ``synth``'s options, in Helm's order: ``values/<env>.yaml``, each
    ``--values FILE``, then ``--set``, then ``--set-string``.

    Raises:
        ConfigError: A missing file, a malformed item. UnreadableInputError: bytes that are
            not UTF-8 (in a file or in an argument).
    """
    overlays: list[Mapping[str, Any]] = []
    if env is not None:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", env) or ".." in env:
            raise ConfigError(Problem("synth", "--env", env, "not an environment name",
                                      "use letters, digits, '-', '_' and '.', e.g. --env prod"))
        env_file = blueprint.parent / "values" / f"{env}.yaml"
        if not env_file.is_file():
            raise ConfigError(Problem("synth", "--env", env, f"no {_display(env_file)}",
                                      "create it, or pass another environment"))
        overlays.append(load_values_file(env_file, _display(env_file)))
    for file in files:
        if not file.exists():
            raise ConfigError(Problem("synth", "--values", str(file), "no such file",
                                      "pass a YAML values file"))
        overlays.append(load_values_file(file, str(file)))
    for option, items in (("--set", sets), ("--set-string", set_strings)):
        for item in items:
            bad = next((c for c in item if "\udc80" <= c <= "\udcff"), None)
            if bad is not None:
                raise UnreadableInputError(Problem(
                    option, "value", f"byte {ord(bad) - 0xDC00:#04x}", "not UTF-8 text",
                    "pass the value as UTF-8"))
        if items:
            overlays.append(parse_sets(items, forced_string=option == "--set-string"))
    return overlays

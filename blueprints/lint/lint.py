"""``blueprint lint``: the practices, checked on any manifest, with the rule registry of synth."""

from __future__ import annotations

import dataclasses
import errno
import functools
import gc
import os
import stat
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blueprints.errors import ConfigError, Problem
from blueprints.kube import DEFAULT, KubeVersion
from blueprints.lint.config import LintConfig
from blueprints.lint.documents import Document, parse_stream
from blueprints.lint.shape import REQUIRED, shape_problems
from blueprints.practices import IGNORE_ANNOTATION, PRACTICES, Severity
from blueprints.rules import Context, Finding, check, malformed_suppressions
from blueprints.rules._objects import TEMPLATE_PATHS
from blueprints.rules.apis import REMOVED_KINDS, is_builtin_api

__all__ = [
    "BUILTIN_KINDS",
    "MANIFEST_RULE",
    "MAX_BYTES",
    "SUPPRESSION_RULE",
    "LintFinding",
    "LintReport",
    "lint",
    "read_stdin",
]

STDIN = "-"
#: Kinds that Kubernetes serves itself; any other kind is a custom resource, checked only when
#: it carries a pod template (``spec.template.spec``, ``spec.jobTemplate.spec.template.spec``).
BUILTIN_KINDS = frozenset({
    "Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController",
    "Job", "CronJob", "Service", "Endpoints", "EndpointSlice", "ConfigMap", "Secret",
    "ServiceAccount", "PersistentVolumeClaim", "PersistentVolume", "StorageClass", "Namespace",
    "Ingress", "IngressClass", "NetworkPolicy", "PodDisruptionBudget", "HorizontalPodAutoscaler",
    "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding", "LimitRange", "ResourceQuota",
    "PriorityClass", "RuntimeClass", "PodTemplate", "CustomResourceDefinition", "Lease",
    "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "APIService",
    "CSIDriver", "CSINode", "VolumeAttachment", "CertificateSigningRequest", "Event",
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "FlowSchema",
    "PriorityLevelConfiguration", "DeviceClass", "ResourceClaim", "ResourceClaimTemplate",
    "ResourceSlice", "ControllerRevision", "Node",
}) | REMOVED_KINDS  # kinds Kubernetes served once, such as PodSecurityPolicy (BP007)
#: The pseudo-rule of what is not a readable Kubernetes object: YAML errors, duplicate keys,
#: fields of the wrong type, text that is not UTF-8.
MANIFEST_RULE = "manifest"
#: The pseudo-rule of ``blueprint.dev/ignore`` entries that suppress nothing.
SUPPRESSION_RULE = "suppression"
#: Larger inputs are refused (lint holds a few times its input in memory).
MAX_BYTES = 64 * 1024 * 1024

# Files of other tools, recognised by name and skipped: why, for notes and the summary.
_OTHER_FILES = {
    "kustomization.yaml": "kustomization.yaml", "kustomization.yml": "kustomization.yaml",
    "Kustomization": "kustomization.yaml", "Chart.yaml": "Chart.yaml",
    "blueprint.yaml": "blueprint file", "blueprint.yml": "blueprint file",
}
_BLUEPRINT_API = "blueprint.dev/v1"
_KUSTOMIZE_GROUP = "kustomize.config.k8s.io/"


@dataclass(frozen=True, slots=True)
class LintFinding:
    """A finding with its place: file, document index in the file, and line."""

    finding: Finding
    file: str
    index: int
    line: int

    def to_json(self) -> dict[str, Any]:
        """The JSON form of DESIGN.md: rule, severity, file, line, index, kind, name, field,
        message (the fix follows the message after ``; ``)."""
        f = self.finding
        return {
            "rule": f.rule,
            "severity": f.severity.value,
            "file": self.file,
            "line": self.line,
            "index": self.index,
            "kind": f.kind,
            "name": f.name,
            "field": f.field,
            "message": f"{f.message}; {f.fix}",
        }

    def text(self) -> str:
        """``file:line: severity: Kind/name: field=value: what (ID); fix``."""
        line = f"{self.file}:{self.line}: {self.finding.line()}"
        if self.finding.suppressed is not None:
            line += f" [suppressed: {self.finding.suppressed}]"
        return line


@dataclass(slots=True)
class LintReport:
    """Everything lint found.

    Attributes:
        findings: Unsuppressed findings (and suppressed ones when asked), in file order. Text
            that is not YAML, not UTF-8 or not typed as the API wants is a finding of the
            ``manifest`` rule, at its line.
        problems: Inputs that could not be read at all (unreadable, too large, not a regular
            file), one line each (exit 2).
        notes: What was skipped and why (shown with --verbose).
        hints: Advice shown always, such as rendering a Helm chart first.
        charts: The Helm charts skipped (folders holding a Chart.yaml).
        skipped: How many inputs were skipped, by reason.
        files: How many files were read. objects: how many Kubernetes objects were checked.
    """

    findings: list[LintFinding] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    files: int = 0
    objects: int = 0

    def failed(self, *, strict: bool) -> bool:
        """True when a finding fails the run: an error, or a warning under ``strict``."""
        bad = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
        return any(f.finding.severity in bad and f.finding.suppressed is None
                   for f in self.findings)

    @property
    def only_charts(self) -> bool:
        """True when nothing was linted and a Helm chart was skipped: CI must not pass an
        unrendered chart as clean."""
        return not (self.objects or self.findings or self.problems) and bool(self.charts)

    def exit_code(self, *, strict: bool) -> int:
        """2 when an input could not be read or only unrendered Helm charts were given, 1 on
        failing findings, else 0."""
        if self.problems or self.only_charts:
            return 2
        return 1 if self.failed(strict=strict) else 0

    def skip(self, reason: str, note: str) -> None:
        """Count a skipped input under ``reason`` and note why."""
        self.skipped[reason] += 1
        self.notes.append(note)


@dataclass(frozen=True, slots=True)
class _Placed:
    file: str
    document: Document
    prefix: str  # "items[3]." for an item of a List


def lint(
    paths: Sequence[str],
    *,
    kube_version: KubeVersion = DEFAULT,
    enable: Iterable[str] | None = None,
    disable: Iterable[str] = (),
    show_suppressed: bool = False,
    stdin_text: str | None = None,
    stdin_bytes: bytes | None = None,
    config: LintConfig | None = None,
) -> LintReport:
    """Lint files, directories (``*.yaml``, ``*.yml``, recursively) and ``-`` (stdin).

    Rules that need several objects (BP011, BP022, BP025, BP042) see every document given.
    ``enable`` replaces the configuration's list; ``disable`` adds to it.

    Raises:
        ConfigError: A path does not exist, or a rule ID is unknown.
    """
    # Lint makes no reference cycles worth collecting, and every collection would walk all the
    # documents read so far: with the collector on, lint time grows with the square of its input.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _lint(paths, kube_version=kube_version, enable=enable, disable=disable,
                     show_suppressed=show_suppressed, stdin_text=stdin_text,
                     stdin_bytes=stdin_bytes, config=config)
    finally:
        if collecting:
            gc.enable()


def _lint(
    paths: Sequence[str],
    *,
    kube_version: KubeVersion,
    enable: Iterable[str] | None,
    disable: Iterable[str],
    show_suppressed: bool,
    stdin_text: str | None,
    stdin_bytes: bytes | None,
    config: LintConfig | None,
) -> LintReport:
    config = config or LintConfig()
    selected = _selection(config.enable if enable is None else enable,
                          [*config.disable, *disable])
    report = LintReport()
    placed: list[_Placed] = []
    for name, read, walked in _inputs(paths, stdin_text, stdin_bytes, report, config):
        data = read()  # one file at a time, and its bytes dropped once decoded
        if data is None:
            continue
        report.files += 1
        text = _decode(name, data, report)
        del data
        if text is None:
            continue
        documents, syntax = parse_stream(text)
        del text
        for problem in syntax:
            report.findings.append(_manifest_finding(name, -1, problem.line, "<yaml>", None,
                                                     f"not valid YAML: {problem.message}",
                                                     "fix the YAML"))
        for document in documents:
            value = document.value
            kind = value.get("kind") if isinstance(value, dict) else None
            for problem in document.problems:
                report.findings.append(_manifest_finding(
                    name, document.index, problem.line, "<yaml>", None, problem.message,
                    "fix the value; quote it if it is text", **(
                        {"kind": kind, "object_name": _name(value)} if isinstance(kind, str)
                        else {})))
            if walked and isinstance(value, dict) and not ({"apiVersion", "kind"} & value.keys()):
                # Found in a folder and neither names its kind: another tool's YAML
                # (docker-compose.yml, action.yml, mkdocs.yml), not a broken manifest.
                report.skip("other YAML", f"{name}:{document.line}: no apiVersion or kind, "
                            "not a Kubernetes manifest, skipped")
                continue
            placed.extend(_objects(name, document, report))
    report.objects = len(placed)
    manifests = [p.document.value for p in placed]
    for item in placed:
        _check_shape(item, report)
        _check_suppressions(item, report)
    context = Context(kube_version=kube_version, mode="lint")
    severities = config.severity
    for found in check(manifests, context=context, select=selected,
                       keep_suppressed=show_suppressed):
        item = placed[found.index]
        line = item.document.line_of(found.field)
        if found.rule in severities:
            found = dataclasses.replace(found, severity=severities[found.rule])  # noqa: PLW2901
        if item.prefix:
            found = dataclasses.replace(found, field=item.prefix + found.field)  # noqa: PLW2901
        report.findings.append(LintFinding(found, item.file, item.document.index, line))
    report.findings.sort(key=lambda f: (f.file, f.line, f.finding.rule))
    return report


def read_stdin(stream: Any) -> bytes:
    """Standard input (its binary ``stream``) as bytes, at most :data:`MAX_BYTES` (one byte
    more marks it too large).

    Raises:
        ConfigError: There is no standard input, or it cannot be read (a folder).
    """
    try:
        if stream is None:
            raise OSError(errno.EBADF, "closed")
        return bytes(stream.read(MAX_BYTES + 1))
    except OSError as error:
        raise ConfigError(Problem("lint", "PATH", STDIN, f"cannot read standard input: "
                                  f"{_reason(error)}", "pipe manifests in, or pass files")
                          ) from None


def _selection(enable: Iterable[str] | None, disable: Iterable[str]) -> set[str]:
    enabled = set(PRACTICES) if enable is None else {r.strip().upper() for r in enable}
    disabled = {r.strip().upper() for r in disable}
    for rule in sorted((enabled | disabled) - set(PRACTICES)):
        raise ConfigError(Problem("lint", "--enable/--disable", rule, "no such practice",
                                  "run blueprint explain for the list"))
    return enabled - disabled


def _inputs(
    paths: Sequence[str], stdin_text: str | None, stdin_bytes: bytes | None,
    report: LintReport, config: LintConfig,
) -> Iterator[tuple[str, Callable[[], bytes | str | None], bool]]:
    """Each input's name, how to read it (``None``: it cannot be read, see the report), and
    whether it was found in a folder (rather than named)."""
    for raw in paths:
        if raw == STDIN:
            data: bytes | str = stdin_bytes if stdin_bytes is not None else (stdin_text or "")
            if len(data) > MAX_BYTES:
                report.problems.append(f"lint: <stdin>: larger than {MAX_BYTES // 2**20} MiB; "
                                       "split the input")
                continue
            yield "<stdin>", functools.partial(_given, data), False
            continue
        path = Path(raw)
        if not path.exists():
            kind = "a broken symbolic link" if path.is_symlink() else "no such file or directory"
            raise ConfigError(Problem("lint", "PATH", raw, kind,
                                      "pass YAML files, folders or - for stdin"))
        if path.is_dir():
            files = list(_walk(path, report, config))
        elif _skipped_by_name(path, report):
            continue
        elif config.ignores(path):
            report.skip("ignored by the configuration", f"{path}: ignored by {config.source}")
            continue
        else:
            files = [path]
        for file in files:
            yield str(file), functools.partial(_read_file, file, report,
                                               explicit=file is path), file is not path


def _given(data: bytes | str) -> bytes | str:
    return data


def _walk(root: Path, report: LintReport, config: LintConfig) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        if "Chart.yaml" in files:
            report.skip("Helm chart", f"{here}: a Helm chart, skipped")
            report.charts.append(str(here))
            report.hints.append(f"{here} is a Helm chart: render it first, "
                                f"helm template RELEASE {here} | blueprint lint -")
            dirs[:] = []
            continue
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or not name.endswith((".yaml", ".yml")):
                continue
            path = here / name
            if config.ignores(path):
                report.skip("ignored by the configuration", f"{path}: ignored by "
                            f"{config.source}")
                continue
            if _skipped_by_name(path, report):
                continue
            if here.name == "values" and _is_blueprint_project(here.parent):
                report.skip("blueprint file", f"{path}: values of a YAML blueprint, skipped")
                continue
            yield path


def _is_blueprint_project(folder: Path) -> bool:
    return (folder / "blueprint.yaml").is_file() or (folder / "blueprint.yml").is_file()


def _skipped_by_name(path: Path, report: LintReport) -> bool:
    reason = _OTHER_FILES.get(path.name)
    if reason is None:
        return False
    report.skip(reason, f"{path}: {reason}, not a manifest, skipped")
    if reason == "Chart.yaml":
        report.charts.append(str(path.parent))
        report.hints.append(f"{path.parent} is a Helm chart: render it first, "
                            f"helm template RELEASE {path.parent} | blueprint lint -")
    return True


def _read_file(path: Path, report: LintReport, *, explicit: bool) -> bytes | None:
    """The bytes of a regular file; anything else is skipped (a FIFO would block, a device
    never ends) and a file that cannot be read is a problem, without a traceback."""
    try:
        info = path.stat()
    except OSError as error:
        if path.is_symlink():
            report.skip("broken symbolic link", f"{path}: a broken symbolic link, skipped")
        else:
            report.problems.append(f"lint: {path}: cannot read it: {_reason(error)}")
        return None
    if not stat.S_ISREG(info.st_mode):
        what = _file_type(info.st_mode)
        if explicit:
            report.problems.append(f"lint: {path}: {what}, not a regular file; "
                                   "pass files, folders or - for stdin")
        else:
            report.skip("special file", f"{path}: {what}, skipped")
        return None
    if info.st_size > MAX_BYTES:
        report.problems.append(f"lint: {path}: {info.st_size // 2**20} MiB, larger than "
                               f"{MAX_BYTES // 2**20} MiB; split the file")
        return None
    try:
        # O_NONBLOCK: were it swapped for a FIFO since the stat, opening does not wait.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                report.skip("special file", f"{path}: not a regular file, skipped")
                return None
            with os.fdopen(fd, "rb", closefd=False) as stream:
                return stream.read(MAX_BYTES + 1)
        finally:
            os.close(fd)
    except OSError as error:
        report.problems.append(f"lint: {path}: cannot read it: {_reason(error)}")
        return None


def _reason(error: OSError) -> str:
    return os.strerror(error.errno).lower() if error.errno else str(error)


def _file_type(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32-le"),
         (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe", "utf-16-le"),
         (b"\xfe\xff", "utf-16-be"))


def _decode(name: str, data: bytes | str, report: LintReport) -> str | bytes | None:
    """Text of a file: UTF-8, or UTF-16/32 with a byte-order mark (YAML allows both). Other
    bytes are a finding at the line of the first one, and the text is read with them
    replaced, so that the rest of the file is still checked."""
    if isinstance(data, str):
        return data
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(codec.removesuffix("-sig"))
            except UnicodeDecodeError as error:
                report.findings.append(_manifest_finding(
                    name, -1, 1, "<file>", None, f"starts with a {codec} byte-order mark but "
                    f"is not {codec} ({error.reason})", "save it as UTF-8"))
                return None
    if b"\0" in data[:8192]:
        report.skip("binary file", f"{name}: binary file, skipped")
        return None
    try:
        data.decode("utf-8")  # checked, then parsed as bytes: one copy less in memory
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        byte = data[error.start:error.start + 1].hex()
        report.findings.append(_manifest_finding(
            name, -1, line, "<file>", f"0x{byte}", "not UTF-8 (Latin-1?): the API server "
            "reads manifests as UTF-8", "save the file as UTF-8"))
        return data.decode("utf-8", errors="replace")
    return data


def _objects(name: str, document: Document, report: LintReport) -> Iterator[_Placed]:
    """The Kubernetes objects of a document: itself, or each item of a ``List``."""
    value = document.value
    if not isinstance(value, dict) or not all(
        isinstance(value.get(key), str) and value[key] for key in ("apiVersion", "kind")
    ):
        missing = "a mapping" if not isinstance(value, dict) else " and ".join(
            f"{key} as a string" for key in ("apiVersion", "kind")
            if not (isinstance(value.get(key), str) and value[key]))
        report.findings.append(_manifest_finding(
            name, document.index, document.line,
            "apiVersion" if isinstance(value, dict) else "<root>", None,
            f"not a Kubernetes object: needs {missing}", "give every document apiVersion and kind",
            kind="<document>", object_name=f"#{document.index}"))
        return
    kind, api = value["kind"], value["apiVersion"]
    if kind.endswith("List") and isinstance(value.get("items"), list):
        for i in range(len(value["items"])):
            item = document.part(f"items[{i}]", document.index)
            for placed in _objects(name, item, report):
                yield _Placed(placed.file, placed.document, f"items[{i}]." + placed.prefix)
        return
    if api == _BLUEPRINT_API:
        report.skip("blueprint file", f"{name}:{document.line}: a YAML blueprint, skipped "
                    "(lint what blueprint synth writes)")
        return
    if api.startswith(_KUSTOMIZE_GROUP):
        report.skip("kustomization.yaml", f"{name}:{document.line}: {kind} ({api}) is "
                    "kustomize's, skipped")
        return
    if kind not in BUILTIN_KINDS and not is_builtin_api(api) and not any(
        isinstance(_get(value, path), dict) and "containers" in _get(value, path)  # type: ignore[operator]
        for path in TEMPLATE_PATHS
    ):
        report.skip("custom resource", f"{name}:{document.line}: {kind} ({api}) is not a "
                    "built-in kind and has no pod template, skipped")
        return
    yield _Placed(name, document, "")


def _get(obj: object, path: tuple[str, ...]) -> object:
    for key in path:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


def _check_shape(item: _Placed, report: LintReport) -> None:
    manifest = item.document.value
    for path, value, what in shape_problems(manifest):
        fix = ("set it" if what == REQUIRED or what.startswith("must not be empty")
               else "give the field the type the API expects")
        report.findings.append(LintFinding(
            Finding(MANIFEST_RULE, Severity.ERROR, -1, str(manifest.get("kind")),
                    _name(manifest), None, item.prefix + path, _printable(value), what, fix),
            item.file, item.document.index, item.document.line_of(path)))


def _check_suppressions(item: _Placed, report: LintReport) -> None:
    manifest = item.document.value
    field = f"metadata.annotations[{IGNORE_ANNOTATION!r}]"
    for entry, what in malformed_suppressions(manifest):
        report.findings.append(LintFinding(
            Finding(SUPPRESSION_RULE, Severity.WARNING, -1, str(manifest.get("kind")),
                    _name(manifest), None, item.prefix + field, entry, what,
                    'write "BPxxx: why", e.g. "BP022: drained by the mesh"'),
            item.file, item.document.index, item.document.line_of(field)))


def _name(manifest: dict[str, Any]) -> str:
    metadata = manifest.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return name if isinstance(name, str) else "<no name>"


def _printable(value: object) -> object:
    if isinstance(value, dict | list):
        return f"<{'mapping' if isinstance(value, dict) else 'list'}>"
    return value


def _manifest_finding(
    file: str, index: int, line: int, field: str, value: object, message: str, fix: str,
    *, kind: str = "<file>", object_name: str = "",
) -> LintFinding:
    return LintFinding(Finding(MANIFEST_RULE, Severity.ERROR, index, kind,
                               object_name or Path(file).name, None, field, value, message, fix),
                       file, max(index, 0), line)


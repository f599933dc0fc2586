"""``blueprint lint``: the practices, checked on any manifest, with the rule registry of synth."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blueprints.errors import ConfigError, Problem
from blueprints.kube import DEFAULT, KubeVersion
from blueprints.lint.documents import Document, parse_documents
from blueprints.practices import PRACTICES, Severity
from blueprints.rules import Context, Finding, check
from blueprints.rules.apis import REMOVED_KINDS

__all__ = ["BUILTIN_KINDS", "LintFinding", "LintReport", "lint"]

STDIN = "-"
#: Kinds that Kubernetes serves itself; anything else (a CRD) is skipped.
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
#: The pseudo-rule of documents that are not Kubernetes objects at all.
MANIFEST_RULE = "manifest"


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
        findings: Unsuppressed findings (and suppressed ones when asked), in file order.
        problems: Files that could not be read or parsed, one line each (exit 1).
        notes: Things skipped, such as binary files and custom resources (shown with --verbose).
        files: How many files were read. objects: how many Kubernetes objects were checked.
    """

    findings: list[LintFinding] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: int = 0
    objects: int = 0

    def failed(self, *, strict: bool) -> bool:
        """True when lint should exit 1: an error, a warning under ``strict``, or a bad file."""
        bad = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
        return bool(self.problems) or any(
            f.finding.severity in bad and f.finding.suppressed is None for f in self.findings)


def lint(
    paths: Sequence[str],
    *,
    kube_version: KubeVersion = DEFAULT,
    enable: Iterable[str] | None = None,
    disable: Iterable[str] = (),
    show_suppressed: bool = False,
    stdin_text: str | None = None,
) -> LintReport:
    """Lint files, directories (``*.yaml``, ``*.yml``, recursively) and ``-`` (stdin).

    Rules that need several objects (BP011, BP022, BP025, BP042) see every document given.

    Raises:
        ConfigError: A path does not exist, or a rule ID is unknown.
    """
    selected = _selection(enable, disable)
    report = LintReport()
    placed: list[tuple[str, Document]] = []
    for name, text in _read(paths, stdin_text, report):
        report.files += 1
        documents, problem = parse_documents(text)
        if problem is not None:
            report.problems.append(f"{name}:{problem.line}: not valid YAML: {problem.message}")
        for document in documents:
            if _is_object(document, name, report):
                placed.append((name, document))
    manifests = [document.value for _, document in placed]
    report.objects = len(manifests)
    context = Context(kube_version=kube_version, mode="lint")
    for finding in check(manifests, context=context, select=selected,
                         keep_suppressed=show_suppressed):
        name, document = placed[finding.index]
        report.findings.append(LintFinding(finding, name, document.index,
                                           document.line_of(finding.field)))
    report.findings.sort(key=lambda f: (f.file, f.line, f.finding.rule))
    return report


def _selection(enable: Iterable[str] | None, disable: Iterable[str]) -> set[str]:
    enabled = set(PRACTICES) if enable is None else {r.strip().upper() for r in enable}
    disabled = {r.strip().upper() for r in disable}
    for rule in sorted((enabled | disabled) - set(PRACTICES)):
        raise ConfigError(Problem("lint", "--enable/--disable", rule, "no such practice",
                                  "run blueprint explain for the list"))
    return enabled - disabled


def _read(paths: Sequence[str], stdin_text: str | None,
          report: LintReport) -> Iterable[tuple[str, str]]:
    for raw in paths:
        if raw == STDIN:
            yield "<stdin>", stdin_text or ""
            continue
        path = Path(raw)
        if not path.exists():
            raise ConfigError(Problem("lint", "PATH", raw, "no such file or directory",
                                      "pass YAML files, folders or - for stdin"))
        files = sorted(_walk(path)) if path.is_dir() else [path]
        for file in files:
            data = file.read_bytes()
            if b"\0" in data[:8192]:
                report.notes.append(f"{file}: binary file, skipped")
                continue
            try:
                yield str(file), data.decode("utf-8-sig")
            except UnicodeDecodeError as error:
                report.notes.append(f"{file}: not UTF-8 text ({error.reason}), skipped")


def _walk(root: Path) -> Iterable[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            if name.endswith((".yaml", ".yml")):
                yield Path(folder) / name


def _is_object(document: Document, name: str, report: LintReport) -> bool:
    value = document.value
    if not isinstance(value, dict) or not all(
        isinstance(value.get(key), str) and value[key] for key in ("apiVersion", "kind")
    ):
        missing = "a mapping" if not isinstance(value, dict) else " and ".join(
            f"{key} as a string" for key in ("apiVersion", "kind")
            if not (isinstance(value.get(key), str) and value[key]))
        finding = Finding(MANIFEST_RULE, Severity.ERROR, document.index, "<document>",
                          f"#{document.index}", None, "apiVersion" if isinstance(value, dict)
                          else "<root>", None, f"not a Kubernetes object: needs {missing}",
                          "give every document apiVersion and kind")
        report.findings.append(LintFinding(finding, name, document.index, document.line))
        return False
    if value["kind"] not in BUILTIN_KINDS:
        report.notes.append(f"{name}:{document.line}: {value['kind']} ({value['apiVersion']}) "
                            "is not a built-in kind, skipped")
        return False
    return True

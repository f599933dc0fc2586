"""Lint reports as text, JSON (the DESIGN.md fields) and SARIF 2.1.0 (GitHub code scanning)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from blueprints import __version__
from blueprints.lint.lint import MANIFEST_RULE, SUPPRESSION_RULE, LintReport
from blueprints.practices import PRACTICES, Severity

__all__ = ["HELP_URI", "to_json", "to_sarif", "to_text"]

HELP_URI = "https://blueprint.dev/explain/{id}"
_PLURALS = {"custom resource": "custom resources", "blueprint file": "blueprint files",
            "Helm chart": "Helm charts", "binary file": "binary files",
            "broken symbolic link": "broken symbolic links", "special file": "special files",
            "other YAML": "other YAML documents"}
_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def to_text(report: LintReport) -> str:
    """One line per finding, then a summary line: the counts by severity (YAML and type errors
    included), the objects and files read, and what was skipped, by reason."""
    lines = [finding.text() for finding in report.findings]
    counts = {s: 0 for s in Severity}
    for f in report.findings:
        if f.finding.suppressed is None:
            counts[f.finding.severity] += 1
    summary = (f"{counts[Severity.ERROR]} errors, {counts[Severity.WARNING]} warnings, "
               f"{counts[Severity.INFO]} info in {report.objects} objects from "
               f"{report.files} files")
    if report.skipped:
        summary += "; skipped: " + ", ".join(
            f"{count} {_PLURALS.get(reason, reason) if count > 1 else reason}"
            for reason, count in sorted(report.skipped.items()))
    lines.append(summary)
    return "\n".join(lines) + "\n"


def to_json(report: LintReport) -> str:
    """A JSON array of findings, one per line (suppressed ones carry a ``suppressed``
    reason). One line each keeps json's C encoder (``indent`` would not) and grep working."""
    items = []
    encode = json.JSONEncoder(ensure_ascii=False).encode
    for f in report.findings:
        item = f.to_json()
        if f.finding.suppressed is not None:
            item["suppressed"] = f.finding.suppressed
        items.append("  " + encode(item))
    return "[\n" + ",\n".join(items) + "\n]\n" if items else "[]\n"


def to_sarif(report: LintReport) -> str:
    """A SARIF 2.1.0 log with one run; rules carry help URIs, results a file and a line."""
    rule_ids = [*sorted(PRACTICES), MANIFEST_RULE, SUPPRESSION_RULE]
    rules = [_rule(rule_id) for rule_id in rule_ids]
    results = []
    for f in report.findings:
        result: dict[str, Any] = {
            "ruleId": f.finding.rule,
            "ruleIndex": rule_ids.index(f.finding.rule),
            "level": _SARIF_LEVEL[f.finding.severity],
            "message": {"text": f"{f.finding.component}: {f.finding.message}; {f.finding.fix}"},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": _uri(f.file)},
                "region": {"startLine": f.line},
            }}],
        }
        if f.finding.suppressed is not None:
            result["suppressions"] = [{"kind": "inSource",
                                       "justification": f.finding.suppressed}]
        results.append(result)
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "blueprint",
                "version": __version__,
                "informationUri": "https://blueprint.dev",
                "rules": rules,
            }},
            "results": results,
            # Inputs that could not be read (exit 2) are the tool's notifications, not results.
            "invocations": [{
                "executionSuccessful": not report.problems,
                "toolExecutionNotifications": [
                    {"level": "error", "message": {"text": problem}}
                    for problem in report.problems],
            }],
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _rule(rule_id: str) -> dict[str, Any]:
    if rule_id == MANIFEST_RULE:
        return {
            "id": MANIFEST_RULE,
            "name": "KubernetesObject",
            "shortDescription": {"text": "every document is a readable Kubernetes object"},
            "fullDescription": {"text": "Every YAML document is valid YAML in UTF-8, names its "
                                        "apiVersion and kind, has no duplicate keys, and its "
                                        "fields have the types the API expects."},
            "help": {"text": "Give every document apiVersion and kind, valid YAML in UTF-8, "
                             "and every field the type the API expects."},
            "defaultConfiguration": {"level": "error"},
        }
    if rule_id == SUPPRESSION_RULE:
        return {
            "id": SUPPRESSION_RULE,
            "name": "WellFormedSuppression",
            "shortDescription": {"text": "every suppression names a practice and a reason"},
            "fullDescription": {"text": "An entry of blueprint.dev/ignore without a reason, or "
                                        "with an ID that is not a practice, suppresses nothing."},
            "help": {"text": 'Write "BPxxx: why".'},
            "defaultConfiguration": {"level": "warning"},
        }
    practice = PRACTICES[rule_id]
    return {
        "id": rule_id,
        "name": "".join(word.capitalize() for word in practice.title.split()[:6]
                        if word.isalnum()),
        "shortDescription": {"text": practice.title},
        "fullDescription": {"text": practice.description},
        "helpUri": HELP_URI.format(id=rule_id),
        "help": {"text": f"Run `blueprint explain {rule_id}`: {practice.title}."},
        "defaultConfiguration": {"level": _SARIF_LEVEL[practice.lint]},
    }


def _uri(file: str) -> str:
    if file == "<stdin>":
        return "stdin"
    path = Path(file)
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.resolve().as_uri()

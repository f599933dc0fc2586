"""The rule registry: rules keyed by practice ID, run over manifests, producing findings."""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from blueprints.core.labels import MANAGED_BY
from blueprints.core.secrets import REDACTED
from blueprints.errors import Problem, ValidationError, format_value
from blueprints.kube import DEFAULT, KubeVersion
from blueprints.practices import IGNORE_ANNOTATION, PRACTICES, Severity, practice
from blueprints.rules._objects import kind_index, memo, pod_spec, provide, readable

__all__ = [
    "IGNORE_ANNOTATION",
    "RULES",
    "Context",
    "Finding",
    "Rule",
    "Violation",
    "check",
    "malformed_suppressions",
    "object_rule",
    "raise_errors",
    "set_rule",
    "suppressions",
]

Manifest = Mapping[str, Any]
Mode = Literal["build", "lint"]


@dataclass(frozen=True, slots=True)
class Violation:
    """What a rule function reports: where, the value found, what is wrong and the fix."""

    field: str
    value: object
    message: str
    fix: str
    severity: Severity | None = None  # overrides the practice's, for a sharper case of it


@dataclass(frozen=True, slots=True)
class Context:
    """What rules may depend on besides the manifests: the Kubernetes target and the mode."""

    kube_version: KubeVersion = DEFAULT
    mode: Mode = "lint"


@dataclass(frozen=True, slots=True)
class Finding:
    """A violation of a practice by one object.

    Attributes:
        rule: The practice ID, e.g. ``BP001``.
        severity: ``error``, ``warning`` or ``info``.
        index: Which of the checked manifests (0-based).
        kind: The object's kind. name, namespace: its metadata.
        field: A path such as ``spec.template.spec.containers[0].image``.
        value: The offending value (``None`` when the field is missing).
        message: What is wrong. fix: how to fix it.
    """

    rule: str
    severity: Severity
    index: int
    kind: str
    name: str
    namespace: str | None
    field: str
    value: object
    message: str
    fix: str
    suppressed: str | None = None

    @property
    def component(self) -> str:
        """``<Kind>/<name>``, the object the finding is about."""
        return f"{self.kind}/{self.name}"

    def line(self) -> str:
        """The house format: ``<severity>: <Kind>/<name>: <field>=<value>: <what> (<ID>); <fix>``."""
        value = self.value
        if isinstance(value, str):  # a script's lines read as one in a finding
            value = " ".join(value.splitlines())
        value = "<missing>" if value is None else format_value(value, limit=80)
        return (f"{self.severity.value}: {self.component}: {self.field}={value}: "
                f"{self.message} ({self.rule}); {self.fix}")


ObjectCheck = Callable[[Manifest, Context], Iterable[Violation]]
SetCheck = Callable[[Sequence[Manifest], Context], Iterable[tuple[int, Violation]]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A check of one practice. Object rules see one manifest; set rules see all of them."""

    id: str
    name: str
    object_check: ObjectCheck | None = None
    set_check: SetCheck | None = None
    pods_only: bool = False
    kinds: frozenset[str] | None = None


RULES: dict[str, list[Rule]] = {}


def object_rule(
    practice_id: str, *, pods_only: bool = False, kinds: Iterable[str] | None = None
) -> Callable[[ObjectCheck], ObjectCheck]:
    """Register a check over single manifests under ``practice_id``; with ``pods_only`` it
    only sees the kinds that carry a pod spec, with ``kinds`` only objects of those kinds (with
    both, either); the others are skipped without a call. ``kinds`` is for a check that finds
    nothing in any other object."""
    practice(practice_id)

    def register(fn: ObjectCheck) -> ObjectCheck:
        RULES.setdefault(practice_id, []).append(
            Rule(practice_id, fn.__name__, object_check=fn, pods_only=pods_only,
                 kinds=None if kinds is None else frozenset(kinds)))
        return fn

    return register


def set_rule(
    practice_id: str, *, kinds: Iterable[str] | None = None
) -> Callable[[SetCheck], SetCheck]:
    """Register a check over the whole set of manifests under ``practice_id``; with ``kinds``
    it runs only when some object is of one of those kinds (it reports on nothing else)."""
    practice(practice_id)

    def register(fn: SetCheck) -> SetCheck:
        RULES.setdefault(practice_id, []).append(
            Rule(practice_id, fn.__name__, set_check=fn,
                 kinds=None if kinds is None else frozenset(kinds)))
        return fn

    return register


def check(
    manifests: Sequence[Manifest],
    *,
    context: Context | None = None,
    select: Iterable[str] | None = None,
    keep_suppressed: bool = False,
    info: bool = True,
) -> list[Finding]:
    """Run the registered rules (or those in ``select``) over ``manifests``.

    Severity follows the practice: in ``build`` mode, objects labelled
    ``app.kubernetes.io/managed-by: blueprint`` get the build-time severity (constructs are
    stricter than lint); everything else gets the lint severity. Findings suppressed by a
    ``blueprint.dev/ignore: "BPxxx: reason"`` annotation are dropped, or with
    ``keep_suppressed`` kept with their reason in :attr:`Finding.suppressed`. Order: by
    manifest, then practice ID. With ``info=False`` findings of *info* severity are not made
    (for a caller that only acts on errors and warnings).
    """
    context = context or Context()
    wanted = sorted(RULES if select is None else set(select) & set(RULES))
    findings: list[Finding] = []
    # Found once for all rules: the objects with a pod spec (most object rules look only at
    # those), and the manifests as set rules see them (anything that is not a mapping as {}).
    objects = [readable(m) for m in manifests]
    with memo():  # the caller holds the manifests, so their ids stay unique meanwhile
        pods = [i for i, m in enumerate(objects) if pod_spec(m) is not None]
        by_kind = kind_index(objects)  # for rules that look at some kinds only
        provide("pods", objects, pods)
        provide("kinds", objects, by_kind)
        for rule_id in wanted:
            for rule in RULES[rule_id]:
                for index, violation in _run(rule, manifests, objects, pods, by_kind, context):
                    manifest = manifests[index]
                    severity = _severity(rule_id, manifest, violation, context)
                    if info or severity is not Severity.INFO:
                        findings.append(_finding(rule_id, manifest, index, violation, severity))
    kept = []
    noted: dict[int, dict[str, str]] = {}  # an object's opt-outs, read once for its findings
    for f in findings:
        reasons = noted.get(f.index)
        if reasons is None:
            reasons = noted[f.index] = suppressions(manifests[f.index])
        reason = reasons.get(f.rule)
        if reason is None or (context.mode == "build" and f.rule == "BP044"
                              and f.kind == "Secret"):
            # No annotation lets synth write a secret value.
            kept.append(f)
        elif keep_suppressed:
            kept.append(dataclasses.replace(f, suppressed=reason))
    findings = kept
    findings.sort(key=_ORDER)
    return findings


_ORDER = operator.attrgetter("index", "rule")


def malformed_suppressions(manifest: Manifest) -> list[tuple[str, str]]:
    """The entries of the object's ``blueprint.dev/ignore`` annotation that suppress nothing,
    each with what is wrong: no reason (``"BP041"``), or not a practice ID (``"bp041: x"``)."""
    text = _ignore_annotation(manifest)
    if text is None:
        return []
    problems = []
    for entry in text.replace("\n", ";").split(";"):
        if not entry.strip():
            continue
        ids, colon, reason = entry.partition(":")
        if not colon or not reason.strip():
            problems.append((entry.strip(), "no reason after the ID: it suppresses nothing"))
        for rule_id in (r.strip() for r in ids.split(",")):
            if rule_id and rule_id not in PRACTICES:
                known = rule_id.upper() in PRACTICES
                problems.append((rule_id, f"not a practice ID (IDs are upper case: "
                                 f"{rule_id.upper()})" if known else "not a practice ID"))
    return problems


def _ignore_annotation(manifest: Manifest) -> str | None:
    metadata = manifest.get("metadata") if isinstance(manifest, dict) else None
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    text = annotations.get(IGNORE_ANNOTATION) if isinstance(annotations, dict) else None
    return text if isinstance(text, str) else None


def suppressions(manifest: Manifest) -> dict[str, str]:
    """Practices that the object opts out of, with their reasons.

    The annotation holds entries separated by ``;`` or newlines, each a comma-separated ID list
    and a reason: ``"BP022,BP040: drained by the mesh; BP041: legacy image"``. An entry without
    a reason suppresses nothing: every opt-out must say why.
    """
    text = _ignore_annotation(manifest)
    if text is None:
        return {}
    result = {}
    for entry in text.replace("\n", ";").split(";"):
        ids, _, reason = entry.partition(":")
        if reason.strip():
            for rule_id in ids.split(","):
                if rule_id.strip():
                    result[rule_id.strip()] = reason.strip()
    return result


def _run(
    rule: Rule,
    manifests: Sequence[Manifest],
    objects: Sequence[Manifest],
    pods: Sequence[int],
    by_kind: Mapping[str, Sequence[int]],
    context: Context,
) -> Iterator[tuple[int, Violation]]:
    indices: Iterable[int] = pods if rule.pods_only else range(len(manifests))
    if rule.kinds is not None:
        of_kinds = [i for kind in rule.kinds for i in by_kind.get(kind, ())]
        if not of_kinds and (rule.set_check is not None or not rule.pods_only):
            return  # nothing of those kinds: the rule has nothing to say
        indices = sorted({*of_kinds, *pods}) if rule.pods_only else sorted(of_kinds)
    check = rule.object_check
    if check is not None:
        for index in indices:
            manifest = objects[index]
            if manifest:
                try:
                    found = [*check(manifest, context)]  # most objects: none
                except Exception as error:  # a value of a type the rule missed
                    found = [_crashed(rule, error)]
                for violation in found:
                    yield index, violation
    if rule.set_check is not None:
        try:
            found_set = list(rule.set_check(objects, context))
        except Exception as error:  # a value of a type the rule missed
            found_set = [(_culprit(rule, objects, context), _crashed(rule, error))] if objects \
                else []
        yield from found_set


def _culprit(rule: Rule, objects: Sequence[Manifest], context: Context) -> int:
    """The first object that makes a set rule crash on its own, so the finding lands on it
    rather than on an unrelated first object (only after a crash: one run per object)."""
    assert rule.set_check is not None
    for index, manifest in enumerate(objects):
        try:
            list(rule.set_check([manifest], context))
        except Exception:  # looking for the object that raises
            return index
    return 0  # only the combination crashes: the first object stands for the input


def _crashed(rule: Rule, error: Exception) -> Violation:
    """A finding in place of a rule that could not read an object: never a traceback."""
    what = " ".join(str(error).split())[:100]
    return Violation("<object>", type(error).__name__,
                     f"{rule.name} could not check this object ({type(error).__name__}: "
                     f"{what})", "fix the fields whose types are reported for it",
                     Severity.ERROR)


def _severity(rule_id: str, manifest: Manifest, violation: Violation, context: Context
              ) -> Severity:
    if violation.severity is not None:
        return violation.severity
    entry = practice(rule_id)
    if context.mode != "build":
        return entry.lint
    metadata = manifest.get("metadata") if isinstance(manifest, dict) else None
    labels = metadata.get("labels") if isinstance(metadata, dict) else None
    managed = isinstance(labels, dict) and labels.get(
        "app.kubernetes.io/managed-by") == MANAGED_BY
    return entry.build if managed else entry.lint


def _finding(
    rule_id: str, manifest: Manifest, index: int, violation: Violation, severity: Severity
) -> Finding:
    metadata = manifest.get("metadata") if isinstance(manifest, dict) else None
    metadata = metadata if isinstance(metadata, dict) else {}
    namespace = metadata.get("namespace")
    value = violation.value
    if manifest.get("kind") == "Secret" and violation.field.startswith(("data", "stringData")) \
            and not (isinstance(value, str) and value.startswith(REDACTED)):
        value = REDACTED  # whatever the rule, no message shows a secret value (BP044)
    return Finding(
        rule=rule_id,
        severity=severity,
        index=index,
        kind=str(manifest.get("kind", "<no kind>")),
        name=str(metadata.get("name", "<no name>")),
        namespace=namespace if isinstance(namespace, str) else None,
        field=violation.field,
        value=value,
        message=violation.message,
        fix=violation.fix,
    )


def raise_errors(manifests: Sequence[Manifest], kube_version: KubeVersion, *,
                 info: bool = True) -> list[Finding]:
    """Check ``manifests`` in build mode; raise on errors, return the other findings (without
    the *info* ones when ``info`` is false: synth reports warnings only).

    Raises:
        ValidationError: Every error, one line each.
    """
    findings = check(manifests, context=Context(kube_version=kube_version, mode="build"),
                     info=info)
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if errors:
        raise ValidationError([
            Problem(f.component, f.field, f.value, f.message, f.fix, f.rule) for f in errors])
    return findings

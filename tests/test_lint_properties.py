"""No manifest makes ``blueprint lint`` crash: generated hostile input through the CLI.

Real manifests, with values of any type put at any place rules read (and any other place),
odd YAML tags and broken syntax written into the text, and the text in other encodings or
with stray bytes. Whatever comes in, lint answers with a valid document in the format asked
for, exit 0, 1 or 2 as documented, and never a traceback.
"""

from __future__ import annotations

import contextlib
import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from blueprints.cli.main import app

CORPUS = Path(__file__).parent / "lint_corpus"
SARIF_SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-2.1.0-rtm.5.json").read_text())
BASES: list[Any] = [
    *yaml.safe_load_all((CORPUS / "hardened" / "hello.yaml").read_text()),
    *(doc for path in [*sorted((CORPUS / "bad").glob("BP0*.yaml")),
                       *sorted((CORPUS / "security").glob("*.yaml"))]
      for doc in yaml.safe_load_all(path.read_text()) if isinstance(doc, dict)),
]
runner = CliRunner()


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*prefix, i))
    return found


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        value = value[key]
    return value


def _holds_fields(value: Any) -> bool:
    """An object, its metadata, a pod spec or a container: where rules read fields."""
    return isinstance(value, dict) and bool(
        {"kind", "name", "containers", "image"} & value.keys())


def _set(value: Any, path: tuple[Any, ...], new: Any) -> None:
    for key in path[:-1]:
        value = value[key]
    value[path[-1]] = new


# The fields that rules read (rules/*.py) and their parents.
READ = ("apiVersion", "kind", "metadata", "name", "namespace", "labels", "annotations", "spec",
        "template", "jobTemplate", "selector", "matchLabels", "podSelector", "replicas",
        "serviceName", "clusterIP", "ports", "port", "targetPort", "containerPort",
        "containers", "initContainers", "ephemeralContainers", "image", "imagePullPolicy",
        "command", "args", "env", "value", "envFrom", "volumeMounts", "readOnly", "volumes",
        "hostPath", "path", "type", "gitRepo", "lifecycle", "preStop", "postStart", "sleep",
        "seconds", "exec", "httpGet", "host", "readinessProbe", "livenessProbe", "startupProbe",
        "resources", "requests", "limits", "cpu", "memory", "securityContext", "runAsNonRoot",
        "runAsUser", "allowPrivilegeEscalation", "capabilities", "drop", "add",
        "seccompProfile", "readOnlyRootFilesystem", "automountServiceAccountToken",
        "terminationGracePeriodSeconds", "terminationMessagePolicy", "dnsPolicy", "items",
        "blueprint.dev/ignore",
        # Pod Security (rules/pod_security.py), NetworkPolicies (rules/network.py), RBAC.
        "hostNetwork", "hostPID", "hostIPC", "hostPort", "privileged", "procMount", "sysctls",
        "seLinuxOptions", "appArmorProfile", "windowsOptions", "hostUsers", "hostProcess",
        "localhostProfile", "ingress", "egress", "from", "to", "namespaceSelector", "ipBlock",
        "policyTypes", "subjects", "roleRef", "serviceAccountName", "rules", "verbs",
        "resources", "automountServiceAccountToken")
hostile_values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=2**63, max_value=10**400),
    st.floats(), st.text(max_size=12), st.sampled_from(["1e99999999999", "0.15", "-1", "∞",
                                                        "ALL", "sh", "-c", "sleep 5"]),
    st.lists(st.one_of(st.integers(), st.text(max_size=4), st.none()), max_size=3),
    st.dictionaries(st.text(max_size=4), st.one_of(st.integers(), st.text(max_size=4)),
                    max_size=2),
)
ODD_TAGS = ["!!int ''", "!!float ''", "!!bool ''", "!!timestamp 'tuesday'", "!!binary '@@'",
            "!!python/object:os.system x", "!!set {a: null}", "&a x", "*nowhere", "[unclosed",
            "!!int " + "9" * 5000, "{a: 1, a: 2}", "!custom x", "'unterminated"]


@st.composite
def manifests(draw: st.DrawFn) -> bytes:
    documents = []
    for _ in range(draw(st.integers(1, 3))):
        document = copy.deepcopy(draw(st.sampled_from(BASES)))
        paths = _paths(document)
        # Mostly the fields rules read, present or not; sometimes anything at all.
        hot = [p for p in paths if p[-1] in READ] + [
            (*p, key) for p in [(), *paths] if _holds_fields(_get(document, p)) for key in READ]
        for path in draw(st.lists(st.sampled_from(hot), max_size=4)) + draw(
                st.lists(st.sampled_from(paths), max_size=1)):
            value = draw(hostile_values)
            with contextlib.suppress(KeyError, IndexError, TypeError):  # a parent was replaced
                _set(document, path, value)
        if draw(st.booleans()):
            document = {"apiVersion": "v1", "kind": "List", "items": [document]}
        documents.append(document)
    text = yaml.safe_dump_all(documents, sort_keys=False)
    lines = text.splitlines()
    for _ in range(draw(st.integers(0, 2))):
        i = draw(st.integers(0, len(lines) - 1))
        key, colon, _ = lines[i].partition(": ")
        if colon:
            lines[i] = f"{key}: {draw(st.sampled_from(ODD_TAGS))}"
    text = "\n".join(lines) + "\n"
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-16", "latin-1", "bytes"]))
    if encoding == "bytes":
        data = text.encode()
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
    return text.encode(encoding, errors="replace")


@settings(max_examples=150, deadline=None)
@given(manifests(), st.sampled_from(["text", "json", "sarif"]), st.booleans())
def test_lint_never_crashes(data: bytes, output_format: str, strict: bool) -> None:
    args = ["lint", "-", "--format", output_format, *(["--strict"] if strict else [])]
    result = runner.invoke(app, args, input=data)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception))
    assert result.exit_code in (0, 1, 2)
    assert "Traceback" not in result.stderr
    for line in result.stderr.splitlines():
        assert line.startswith(("error: ", "hint: ", "no Kubernetes objects found")), line
    if output_format == "json":
        found = json.loads(result.stdout)
        assert isinstance(found, list)
        # The rules read typed values only: none had to be stopped by the registry's guard.
        assert [f["message"] for f in found if f["field"] == "<object>"] == []
        failing = {"error", "warning"} if strict else {"error"}
        assert result.exit_code == (1 if any(f["severity"] in failing for f in found) else 0)
    elif output_format == "sarif":
        jsonschema.validate(json.loads(result.stdout), SARIF_SCHEMA)
    else:
        assert " objects from 1 files" in result.stdout.splitlines()[-1]

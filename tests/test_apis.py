"""BP007: removed and deprecated API versions for the target, with the replacement.

One row per entry of the table (``blueprints/rules/apis.py``, from the upstream Deprecated API
Migration Guide, ``kubernetes/website`` ``content/en/docs/reference/using-api/
deprecation-guide.md``), and a cross-check of the table against the Kubernetes OpenAPI schemas
that kubernetes-validate ships for every supported release.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
from typer.testing import CliRunner

from blueprints.cli.main import app
from blueprints.kube import SUPPORTED
from blueprints.practices import Severity
from blueprints.release.output import MARKER
from blueprints.rules import Context, check
from blueprints.rules.apis import REMOVED_APIS, removed_api, served_api

ROWS = [(entry.api_version, kind, entry.removed_in, entry.replacement)
        for entry in REMOVED_APIS for kind in entry.kinds]
SINCE = {(entry.api_version, kind): entry.replacement_since
         for entry in REMOVED_APIS for kind in entry.kinds}
SCHEMAS = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
runner = CliRunner()


def obj(api_version: str, kind: str) -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": kind,
            "metadata": {"name": "x", "namespace": "shop"}}


def bp007(api_version: str, kind: str, version: tuple[int, int]) -> list[Any]:
    return check([obj(api_version, kind)], context=Context(kube_version=version),
                 select=["BP007"])


@pytest.mark.parametrize(("api_version", "kind", "removed_in", "replacement"), ROWS,
                         ids=[f"{a}-{k}" for a, k, _, _ in ROWS])
class TestEachEntry:
    def test_error_on_every_target_that_no_longer_serves_it(
        self, api_version: str, kind: str, removed_in: int, replacement: str
    ) -> None:
        for version in SUPPORTED:
            findings = bp007(api_version, kind, version)
            if version[1] < SINCE[(api_version, kind)]:
                assert findings == []  # not deprecated before its replacement exists
                continue
            (f,) = findings
            assert (f.field, f.value) == ("apiVersion", api_version)
            assert replacement in f.fix
            if version[1] >= removed_in:
                assert f.severity is Severity.ERROR
                assert f"not served from Kubernetes 1.{removed_in}" in f.message
            else:
                assert f.severity is Severity.WARNING
                assert "deprecated" in f.message

    def test_the_replacement_is_clean(self, api_version: str, kind: str, removed_in: int,
                                      replacement: str) -> None:
        if " " in replacement:  # PodSecurityPolicy: replaced by Pod Security Admission, no API
            assert "Pod Security Admission" in replacement
            return
        for version in SUPPORTED:
            findings = bp007(replacement, kind, version)
            if version[1] >= SINCE[(api_version, kind)]:
                assert findings == []
            else:  # the replacement is not served yet: the API server refuses it too
                (f,) = findings
                assert f.severity is Severity.ERROR
                assert f"served only from Kubernetes 1.{SINCE[(api_version, kind)]}" in f.message


def test_deprecated_but_served_is_a_warning_then_an_error() -> None:
    """flowcontrol v1beta3 is served by 1.30 and 1.31 and gone in 1.32 (the guide's v1.32)."""
    levels = {v: bp007("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", v)[0].severity
              for v in SUPPORTED}
    assert levels[(1, 31)] is Severity.WARNING
    assert levels[(1, 32)] is Severity.ERROR
    assert served_api("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", 31)
    assert not served_api("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", 32)


def test_a_version_is_judged_with_its_kind() -> None:
    """storage.k8s.io/v1beta1 lost CSIStorageCapacity in 1.27 but serves VolumeAttributesClass
    until 1.37; a kind of a group that is not built in (a CRD's) is not judged."""
    assert removed_api("storage.k8s.io/v1beta1", "CSIStorageCapacity") is not None
    assert bp007("storage.k8s.io/v1beta1", "VolumeAttributesClass", (1, 35))[0].severity is (
        Severity.WARNING)
    assert bp007("example.com/v1beta1", "Widget", (1, 35)) == []
    # A kind no release serves in a built-in group is refused too (the group is not a CRD's).
    (f,) = bp007("extensions/v1beta1", "Widget", (1, 35))
    assert f.severity is Severity.ERROR


def _schema_kinds(version: tuple[int, int]) -> set[tuple[str, str]]:
    found = set()
    for path in (SCHEMAS / f"v{version[0]}.{version[1]}.0-local").glob("*.json"):
        if path.name.startswith("_") or path.name == "all.json":
            continue
        props = json.loads(path.read_text()).get("properties", {})
        api_versions = props.get("apiVersion", {}).get("enum")
        kinds = props.get("kind", {}).get("enum")
        if api_versions and kinds and not kinds[0].endswith("List"):
            found.add((api_versions[0], kinds[0]))
    return found


def test_the_table_agrees_with_the_schemas_of_every_release() -> None:
    """For each supported release: no entry's version is in its schemas once removed, every
    replacement is there exactly from the release the table says, and every beta or GA version
    that the schemas drop between two releases is in the table (alpha versions are off by
    default, not deprecated)."""
    schemas = {v: _schema_kinds(v) for v in SUPPORTED}
    for api_version, kind, removed_in, replacement in ROWS:
        since = SINCE[(api_version, kind)]
        for version, kinds in schemas.items():
            if version[1] >= removed_in:
                assert (api_version, kind) not in kinds, (api_version, kind, version)
            if version[1] >= since and version[1] < removed_in:
                assert (api_version, kind) in kinds, (api_version, kind, version)
            if " " not in replacement:
                assert ((replacement, kind) in kinds) == (version[1] >= since), (
                    replacement, kind, version)
    for before, after in itertools.pairwise(SUPPORTED):
        for api_version, kind in schemas[before] - schemas[after]:
            if "alpha" not in api_version:
                entry = removed_api(api_version, kind)
                assert entry is not None and entry.removed_in == after[1], (api_version, kind)


class TestThroughTheCli:
    def test_removed_workload_and_policy(self, tmp_path: Path) -> None:
        """A fragment as old charts still ship it (kubernetes/examples before apps/v1)."""
        path = tmp_path / "old.yaml"
        path.write_text(
            "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata:\n  name: web\n"
            "  namespace: shop\nspec:\n  replicas: 1\n  template:\n    metadata:\n"
            "      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n"
            "          image: nginx:1.27.3\n---\n"
            "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata:\n  name: psp\n"
            "spec:\n  privileged: false\n")
        result = runner.invoke(app, ["lint", str(path), "--kube-version", "1.30",
                                     "--enable", "BP007"])
        assert result.exit_code == 1
        assert result.stdout.splitlines()[:2] == [
            f"{path}:1: error: Deployment/web: apiVersion=extensions/v1beta1: Deployment "
            "extensions/v1beta1 is not served from Kubernetes 1.16 (target 1.30): the API "
            "server refuses the object (BP007); use apiVersion: apps/v1 (spec.selector is "
            "required; spec.rollbackTo is gone)",
            f"{path}:16: error: PodSecurityPolicy/psp: apiVersion=policy/v1beta1: "
            "PodSecurityPolicy policy/v1beta1 is not served from Kubernetes 1.25 (target "
            "1.30): the API server refuses the object (BP007); move to Pod Security Admission "
            "(pod-security.kubernetes.io/* labels on the Namespace)"]

    def test_the_target_decides(self, tmp_path: Path) -> None:
        path = tmp_path / "vap.yaml"
        path.write_text("apiVersion: admissionregistration.k8s.io/v1beta1\n"
                        "kind: ValidatingAdmissionPolicy\nmetadata:\n  name: p\n")
        old = runner.invoke(app, ["lint", str(path), "--kube-version", "1.33", "--enable", "BP007"])
        new = runner.invoke(app, ["lint", str(path), "--kube-version", "1.34", "--enable", "BP007"])
        assert ": warning: " in old.stdout and old.exit_code == 0
        assert ": error: " in new.stdout and new.exit_code == 1


def test_synth_refuses_a_removed_api_version(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """An escape hatch that puts back policy/v1beta1 is refused, one line, nothing written."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "svc"
    (folder / "dist").mkdir(parents=True)
    (folder / "dist" / "shop.k8s.yaml").write_text(f"{MARKER}previous output\n")
    (folder / "blueprint.py").write_text(
        "import cdk8s\nfrom blueprints import App, Release, WebApp\napp = App()\n"
        "shop = Release(app, 'shop', version='1.0.0')\n"
        "web = WebApp(shop, 'web', image='nginx:1.27.3')\n"
        "web.api_object('PodDisruptionBudget').add_json_patch(\n"
        "    cdk8s.JsonPatch.replace('/apiVersion', 'policy/v1beta1'))\napp.synth()\n")
    result = runner.invoke(app, ["synth", str(folder)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: PodDisruptionBudget/web: apiVersion=policy/v1beta1: PodDisruptionBudget "
        "policy/v1beta1 is not served from Kubernetes 1.25 (target 1.35): the API server "
        "refuses the object (BP007); use apiVersion: policy/v1 (an empty spec.selector ({}) now "
        "selects every pod of the namespace)"]
    assert (folder / "dist" / "shop.k8s.yaml").read_text() == f"{MARKER}previous output\n"

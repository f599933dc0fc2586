"""The escape hatch checks what it patches (blueprints/core/patches.py, blueprints/cdk/_patching.py).

JSON patch semantics are RFC 6902's (section 4: ``add`` needs the target's parent, ``remove``,
``replace`` and ``test`` need the target, an array index may be at most the array's length, ``-``
appends). Field names are the Kubernetes API's, from the schemas of kubernetes-validate.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from blueprints.cli.main import app
from blueprints.core.patches import (
    FIELDS_FILE,
    Operation,
    apply_operation,
    generate_fields,
    validate_patch,
)
from blueprints.core.release import ReleaseContext
from blueprints.core.web_app import WebAppCore, WebAppProps
from blueprints.kube import SUPPORTED
from blueprints.release.output import MARKER
from tests.conftest import assert_valid

runner = CliRunner()
DEPLOYMENT = next(m for m in WebAppCore(
    "web", WebAppProps(image="nginx:1.27.3"),
    ReleaseContext(name="shop", namespace="shop", part_of="shop")).render()
    if m["kind"] == "Deployment")
CONTAINER = "/spec/template/spec/containers/0"


def _check(op: str, path: str, value: Any = None, from_: str | None = None) -> str | None:
    problem = validate_patch(DEPLOYMENT, Operation(op, path, value, from_), component="shop/web")
    return None if problem is None else problem.line()


class TestValidatePatch:
    @pytest.mark.parametrize(("op", "path", "value"), [
        ("replace", "/spec/replicas", 5),
        ("add", f"{CONTAINER}/ports/-", {"name": "metrics", "containerPort": 9090}),
        ("add", f"{CONTAINER}/ports/1", {"name": "metrics", "containerPort": 9090}),
        ("add", f"{CONTAINER}/workingDir", "/app"),
        ("add", "/metadata/labels/team", "shop"),
        ("add", "/metadata/labels/example.com~1owner", "shop"),
        ("remove", f"{CONTAINER}/lifecycle", None),
        ("add", "/spec/template/spec/tolerations", [{"key": "a", "operator": "Exists"}]),
        ("test", "/spec/replicas", 2),
    ])
    def test_what_the_object_can_take_passes(self, op: str, path: str, value: Any) -> None:
        assert _check(op, path, value) is None
        patched = apply_operation(DEPLOYMENT, Operation(op, path, value))
        assert_valid([patched])

    @pytest.mark.parametrize(("op", "path", "value", "line"), [
        ("add", f"{CONTAINER}/portt", [], "error: shop/web: Deployment/web patch=add "
         f"{CONTAINER}/portt: Container has no field 'portt'; did you mean ports?"),
        ("replace", "/spec/template/spec/containers/3/image", "x:1", "error: shop/web: "
         "Deployment/web patch=replace /spec/template/spec/containers/3/image: "
         "/spec/template/spec/containers/3: index 3 is out of range: the array has 1 item; "
         "use 0"),
        ("add", f"{CONTAINER}/ports/5", {}, "error: shop/web: Deployment/web patch=add "
         f"{CONTAINER}/ports/5: {CONTAINER}/ports/5: index 5 is out of range: the array has 1 "
         "item; use 0 to 1, or - to append"),
        ("remove", "/spec/replicass", None, "error: shop/web: Deployment/web patch=remove "
         "/spec/replicass: /spec/replicass does not exist in the object; did you mean "
         "/spec/replicas?"),
        ("add", "/spec/strategy/rollingUpdate/maxSurge/x", 1, "error: shop/web: Deployment/web "
         "patch=add /spec/strategy/rollingUpdate/maxSurge/x: /spec/strategy/rollingUpdate/"
         "maxSurge is a value (number), it has no fields; patch the value itself"),
        ("add", f"{CONTAINER}/securityContext/seLinuxOptions/level", "s0", "error: shop/web: "
         f"Deployment/web patch=add {CONTAINER}/securityContext/seLinuxOptions/level: "
         f"{CONTAINER}/securityContext/seLinuxOptions does not exist in the object; patch a "
         "path that exists; add creates only the last field"),
        ("add", f"{CONTAINER}/resources", {"requets": {}}, "error: shop/web: Deployment/web "
         f"patch=add {CONTAINER}/resources: ResourceRequirements has no field 'requets' (at "
         f"{CONTAINER}/resources/requets); did you mean requests?"),
        ("add", "spec/replicas", 3, "error: shop/web: Deployment/web patch=add spec/replicas: "
         "a JSON pointer starts with /; write /spec/replicas"),
        ("replace", "", {}, "error: shop/web: Deployment/web patch=replace : the path names "
         "the whole object; patch a field of it, e.g. /spec/replicas"),
        ("remove", f"{CONTAINER}/ports/x", None, "error: shop/web: Deployment/web patch=remove "
         f"{CONTAINER}/ports/x: {CONTAINER}/ports/x: 'x' is not an array index; use 0, 1, ... "
         "or - to append"),
    ])
    def test_what_it_cannot_take_is_one_line(self, op: str, path: str, value: Any,
                                             line: str) -> None:
        assert _check(op, path, value) == line

    def test_move_needs_its_from(self) -> None:
        assert _check("move", "/spec/x", from_="/spec/nope") == (
            "error: shop/web: Deployment/web patch=move /spec/nope -> /spec/x: from: /spec/nope "
            "does not exist in the object; patch a path that exists; add creates only the last "
            "field")
        assert _check("copy", "/spec/template/metadata/labels/copy",
                      from_="/metadata/labels/app.kubernetes.io~1name") is None

    def test_a_kind_outside_the_index_gets_the_structural_checks(self) -> None:
        crd = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
               "spec": {"size": 1}}
        assert validate_patch(crd, Operation("add", "/spec/colour", "red"),
                              component="c") is None
        problem = validate_patch(crd, Operation("add", "/spec/a/b", 1), component="c")
        assert problem is not None and "/spec/a does not exist" in problem.what


@settings(max_examples=300, deadline=None)
@given(op=st.sampled_from(["add", "remove", "replace", "test", "move", "copy"]),
       tokens=st.lists(st.sampled_from(["spec", "template", "containers", "0", "1", "-", "5",
                                        "ports", "image", "portt", "metadata", "labels",
                                        "replicas", "x~1y", ""]), max_size=7),
       value=st.one_of(st.none(), st.integers(), st.text(max_size=3),
                       st.dictionaries(st.sampled_from(["name", "nme", "containerPort"]),
                                       st.integers(0, 3), max_size=2)))
def test_a_refused_patch_is_one_line_and_an_accepted_one_applies(
        op: str, tokens: list[str], value: Any) -> None:
    path = "".join(f"/{t}" for t in tokens)
    operation = Operation(op, path, value, "/spec/replicas" if op in ("move", "copy") else None)
    problem = validate_patch(DEPLOYMENT, operation, component="shop/web")
    if problem is not None:
        assert "\n" not in problem.line() and problem.line().startswith("error: shop/web: ")
    else:
        apply_operation(DEPLOYMENT, operation)  # RFC 6902 semantics: no KeyError, no IndexError


def test_the_field_index_is_generated_from_the_kubernetes_schemas() -> None:
    generated = generate_fields([f"{a}.{b}" for a, b in SUPPORTED])
    assert json.loads(FIELDS_FILE.read_text()) == generated, (
        "blueprints/core/kube_fields.json is out of date: run `python -m blueprints.core.patches`")


# -- through the CLI: api_object(...).add_json_patch ------------------------------------------

BLUEPRINT = textwrap.dedent("""\
    import cdk8s
    from blueprints import App, Release, WebApp

    app = App()
    shop = Release(app, "shop")
    web = WebApp(shop, "web", image="nginx:1.27.3")
    web.api_object("Deployment").add_json_patch({patch})
    app.synth()
    """)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    monkeypatch.chdir(tmp_path)

    def make(patch: str) -> Path:
        folder = tmp_path / "svc"
        folder.mkdir(exist_ok=True)
        (folder / "blueprint.py").write_text(BLUEPRINT.replace("{patch}", patch))
        (folder / "dist").mkdir(exist_ok=True)
        (folder / "dist" / "shop.k8s.yaml").write_text(f"{MARKER}previous output\n")
        return folder

    return make


class TestEscapeHatch:
    @pytest.mark.parametrize(("patch", "line"), [
        (f'cdk8s.JsonPatch.add("{CONTAINER}/portt", 8080)',
         f"error: shop/web: Deployment/web patch=add {CONTAINER}/portt: Container has no field "
         "'portt'; did you mean ports?"),
        ('cdk8s.JsonPatch.replace("/spec/template/spec/containers/3/image", "x:1")',
         "error: shop/web: Deployment/web patch=replace /spec/template/spec/containers/3/image: "
         "/spec/template/spec/containers/3: index 3 is out of range: the array has 1 item; "
         "use 0"),
        ('cdk8s.JsonPatch.replace("/spec/replicas", 3), '
         'cdk8s.JsonPatch.remove("/spec/replicas"), cdk8s.JsonPatch.remove("/spec/replicas")',
         "error: shop/web: Deployment/web patch=remove /spec/replicas: /spec/replicas does not "
         "exist in the object; patch a path that exists; add creates only the last field"),
    ])
    def test_a_bad_patch_is_one_line_exit_1_nothing_written(
            self, project: Callable[[str], Path], patch: str, line: str) -> None:
        folder = project(patch)
        result = runner.invoke(app, ["synth", str(folder)])
        assert (result.exit_code, result.stderr) == (1, line + "\n")
        assert (folder / "dist" / "shop.k8s.yaml").read_text() == f"{MARKER}previous output\n"

    def test_a_good_patch_still_applies(self, project: Callable[[str], Path]) -> None:
        folder = project(f'cdk8s.JsonPatch.replace("/spec/replicas", 5), '
                         f'cdk8s.JsonPatch.add("{CONTAINER}/workingDir", "/app")')
        result = runner.invoke(app, ["synth", str(folder)])
        assert result.exit_code == 0, result.output
        text = (folder / "dist" / "shop.k8s.yaml").read_text()
        assert "  replicas: 5\n" in text and "workingDir: /app" in text


def test_a_patch_made_before_the_first_api_object_is_checked(tmp_path: Path) -> None:
    """``from blueprints import JsonPatch``: its factories record from the start, so a patch
    made before any ``api_object()`` is checked too (a fresh process: nothing loaded before)."""
    import subprocess

    from tests.conftest import blueprint_exe

    (tmp_path / "blueprint.py").write_text(
        "from blueprints import App, JsonPatch, Release, WebApp\n"
        "early = JsonPatch.add('/spec/template/spec/priorityClassNamee', 'high')\n"
        "app = App()\nweb = WebApp(Release(app, 'shop'), 'web', image='nginx:1.27.3')\n"
        "web.api_object('Deployment').add_json_patch(early)\napp.synth()\n")
    done = subprocess.run([blueprint_exe(), "synth", str(tmp_path), "-o", "-"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert (done.returncode, done.stderr) == (1, (
        "error: shop/web: Deployment/web patch=add /spec/template/spec/priorityClassNamee: "
        "PodSpec has no field 'priorityClassNamee'; did you mean priorityClassName?\n"))

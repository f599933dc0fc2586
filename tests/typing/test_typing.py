"""The constructs' signatures, as type checkers, IDEs, ``help()`` and ``inspect`` see them.

The props live once, as the fields of the core props dataclasses; the TypedDicts that type
checkers read are generated from them (``python -m blueprints.cdk._signatures``), and the run-time
signatures are built from them at import.
"""

from __future__ import annotations

import dataclasses
import inspect
import pydoc
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from blueprints.cdk._signatures import GENERATED, REGENERATE, constructs, generate, prop_docs

ROOT = Path(__file__).resolve().parents[2]
CALLS = Path(__file__).with_name("calls.py")
# What a user would get wrong, and what each checker says about it.
WRONG = 'WebApp(shop, "typo", image="nginx:1.27.3", replcas=3)\n'
NEEDLESS = 'WebApp(shop, "fine", image="nginx:1.27.3")  # type: ignore[call-arg]\n'


def _construct(name: str) -> Any:
    import blueprints

    return getattr(blueprints, name)


class TestOneSourceOfTruth:
    def test_the_generated_typeddicts_match_the_dataclasses(self) -> None:
        assert GENERATED.read_text() == generate(constructs()), (
            f"{GENERATED.name} is out of date with the props dataclasses: run `{REGENERATE}`")

    @pytest.mark.parametrize("name", sorted(constructs()))
    def test_every_prop_is_documented(self, name: str) -> None:
        props_class, _ = constructs()[name]
        docs = prop_docs(props_class)
        assert [f.name for f in dataclasses.fields(props_class) if not docs.get(f.name)] == []

    def test_a_new_field_changes_the_generated_module(self) -> None:
        from blueprints.core.web_app import WebAppProps

        @dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
        class Grown(WebAppProps):
            """WebAppProps with one more field.

            Attributes:
                service_port: The Service's port. Default: the container port.
            """

            service_port: int | None = None

        source = generate({"WebApp": (Grown, frozenset())})
        assert "    service_port: int | None\n    \"\"\"The Service's port. Default: the " \
               "container port.\"\"\"\n" in source
        assert source != generate({"WebApp": (WebAppProps, frozenset())})


class TestRunTimeSignatures:
    @pytest.mark.parametrize("name", sorted(constructs()))
    def test_inspect_shows_every_prop_with_its_default(self, name: str) -> None:
        construct = _construct(name)
        props_class, construct_props = constructs()[name]
        signature = inspect.signature(construct)
        fields = {f.name: f for f in dataclasses.fields(props_class)}
        leading = ["scope", "id", *(["stateful"] if name == "DataMigration" else [])]
        assert list(signature.parameters) == [*leading, *fields]
        for field in fields.values():
            parameter = signature.parameters[field.name]
            assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
            if field.default is not dataclasses.MISSING:
                assert parameter.default == field.default
            elif field.default_factory is not dataclasses.MISSING:
                assert parameter.default == field.default_factory()
            else:
                assert parameter.default is inspect.Parameter.empty
            widened = str(field.type).removesuffix("]") + " | Component" + (
                "]" if str(field.type).endswith("]") else "")
            if field.name == "calls":  # narrower for type checkers than the run-time Any
                assert str(field.type) == "Sequence[Any] | Mapping[str, Any]"
                assert parameter.annotation == ("Sequence[Component | str | Call] | "
                                                "Mapping[str, Component | str | Call]")
                continue
            assert parameter.annotation == (
                widened if field.name in construct_props else str(field.type))

    @pytest.mark.parametrize("name", sorted(constructs()))
    def test_the_props_classes_show_their_fields_too(self, name: str) -> None:
        props_class, _ = constructs()[name]
        parameters = inspect.signature(props_class).parameters
        assert list(parameters) == [f.name for f in dataclasses.fields(props_class)]
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters.values())

    def test_help_lists_the_props_and_their_documentation(self) -> None:
        text = pydoc.render_doc(_construct("WebApp"), renderer=pydoc.plaintext)
        assert "replicas: 'int' = 2" in text
        assert "replicas: Pods to run; a PodDisruptionBudget is added when more than one." in text
        assert "image: 'str', " in text  # required: no default

    def test_the_signature_does_not_change_what_a_construct_accepts(self) -> None:
        from blueprints import App, Release, WebApp

        web = WebApp(Release(App(), "shop"), "web", image="nginx:1.27.3", replicas=3)
        assert web.core.props.replicas == 3


def _mypy(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--warn-unused-ignores", "--no-error-summary",
         "--cache-dir", str(ROOT / ".mypy_cache"), str(path)],
        cwd=ROOT, capture_output=True, text=True, check=False)


def _pyright(path: Path, config_dir: Path) -> subprocess.CompletedProcess[str]:
    config = config_dir / "pyrightconfig.json"
    config.write_text(
        '{"typeCheckingMode": "strict", "reportUnnecessaryTypeIgnoreComment": "error", '
        f'"enableTypeIgnoreComments": true, "pythonVersion": "3.11", "extraPaths": ["{ROOT}"]}}')
    pyright = shutil.which("pyright", path=str(Path(sys.executable).parent))
    assert pyright is not None
    return subprocess.run([pyright, "-p", str(config), "--pythonpath", sys.executable, str(path)],
                          cwd=ROOT, capture_output=True, text=True, check=False, timeout=300)


def _pyright_or_skip() -> None:
    pyright = shutil.which("pyright", path=str(Path(sys.executable).parent))
    if pyright is None:
        pytest.skip("pyright is not installed (pip install 'pyright[nodejs]')")
    try:
        probe = subprocess.run([pyright, "--version"], capture_output=True, text=True,
                               check=False, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.skip("pyright could not start (it fetches its npm package on first use)")
    if probe.returncode != 0:
        said = (probe.stderr or probe.stdout).strip().splitlines() or [str(probe.returncode)]
        pytest.skip(f"pyright could not fetch its npm package (offline?): {said[-1]}")


class TestTypeCheckers:
    def test_mypy_accepts_and_rejects_as_marked(self) -> None:
        result = _mypy(CALLS)
        assert (result.returncode, result.stdout) == (0, "")

    def test_mypy_fails_on_a_wrong_call_and_a_needless_mark(self, tmp_path: Path) -> None:
        broken = tmp_path / "calls.py"
        broken.write_text(CALLS.read_text() + WRONG + NEEDLESS)
        lines = len(CALLS.read_text().splitlines())
        result = _mypy(broken)
        assert result.returncode == 1
        assert f"calls.py:{lines + 1}: error: Unexpected keyword argument \"replcas\" for " \
               f"\"WebApp\"; did you mean \"replicas\"?  [call-arg]" in result.stdout
        assert f"calls.py:{lines + 2}: error: Unused \"type: ignore\" comment" in result.stdout

    def test_pyright_accepts_and_rejects_as_marked(self, tmp_path: Path) -> None:
        _pyright_or_skip()
        result = _pyright(CALLS, tmp_path)
        assert result.returncode == 0, result.stdout

    def test_pyright_fails_on_a_wrong_call_and_a_needless_mark(self, tmp_path: Path) -> None:
        _pyright_or_skip()
        broken = tmp_path / "calls.py"
        broken.write_text(CALLS.read_text() + WRONG + NEEDLESS)
        lines = len(CALLS.read_text().splitlines())
        result = _pyright(broken, tmp_path)
        assert result.returncode == 1
        assert f"calls.py:{lines + 1}:" in result.stdout and "replcas" in result.stdout
        assert f"calls.py:{lines + 2}:" in result.stdout
        assert "Unnecessary \"# type: ignore\" comment" in result.stdout

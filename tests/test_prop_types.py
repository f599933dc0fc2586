"""Run-time prop types: honest messages on the Python and the YAML path, one line each, never a
traceback (blueprints/core/prop_types.py)."""

from __future__ import annotations

import keyword
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from blueprints.cli.main import app
from blueprints.core.prop_types import build_props, describe, mismatch, safe_repr
from blueprints.core.web_app import WebAppProps
from blueprints.core.workload import Resources
from blueprints.errors import ConfigError
from blueprints.release.output import MARKER

runner = CliRunner()

HEADER = textwrap.dedent("""\
    from blueprints import (App, ConfigFiles, ConfigMapKeyRef, CronJobApp, LoggingStack, Mount, Probe,
                            Release, Resources, StatefulWebApp, Storage, Volume, WebApp,
                            WorkerWithInit)


    class Evil:
        def __str__(self):
            raise RuntimeError("str() of a user's object")

        __repr__ = __format__ = __str__


    app = App()
    shop = Release(app, "shop")
    """)

# case -> (construct call, the exact stderr line)
MESSAGES: dict[str, tuple[str, str]] = {
    "port as a string": (
        'WebApp(shop, "web", image="nginx:1.27.3", port="8080")',
        "error: shop/web: port=\"8080\": must be an int, got str '8080'; write it without quotes: "
        "port=8080"),
    "a string where a list belongs": (
        'WebApp(shop, "web", image="nginx:1.27.3", writable_paths="/tmp")',
        "error: shop/web: writable_paths=\"/tmp\": must be a list of str, got str '/tmp'; pass "
        "writable_paths=['/tmp']"),
    "a dict where Resources belongs": (
        'WebApp(shop, "web", image="nginx:1.27.3", resources={"requests": {"cpu": "1"}})',
        "error: shop/web: resources={'requests': {'cpu': '1'}}: must be a Resources, got dict; "
        "pass resources=Resources(cpu=..., memory=..., memory_limit=..., cpu_limit=...)"),
    "a dict of Resources' own keys": (
        'WebApp(shop, "web", image="nginx:1.27.3", resources={"cpu": "1"})',
        "error: shop/web: resources={'cpu': '1'}: must be a Resources, got dict; pass "
        "resources=Resources(cpu=...)"),
    "a wrong type inside Resources": (
        'WebApp(shop, "web", image="nginx:1.27.3", resources=Resources(cpu=1))',
        "error: shop/web: resources.cpu=1: must be a str, got int 1; quote it: "
        'resources.cpu="1"'),
    "an image as a number": (
        'WebApp(shop, "web", image=123)',
        "error: shop/web: image=123: must be a str, got int 123; quote it: image=\"123\""),
    "an unknown prop": (
        'WebApp(shop, "web", image="nginx:1.27.3", replcas=3)',
        "error: shop/web: replcas=3: WebApp has no such prop; did you mean replicas?"),
    "a missing image": (
        'WebApp(shop, "web", port=8080)',
        "error: shop/web: image=None: required (BP001); pass image=\"registry/repository:tag\""),
    "a missing schedule": (
        'CronJobApp(shop, "report", image="busybox:1.36.1")',
        "error: shop/report: schedule=None: required; pass schedule=..."),
    "a missing credentials secret": (
        'LoggingStack(shop, "logs")',
        "error: shop/logs: credentials_secret=None: required; name the Secret with the elastic "
        "and kibana_system passwords (BP031)"),
    "a dict where a Probe belongs": (
        'WebApp(shop, "web", image="nginx:1.27.3", readiness={"http": "/"})',
        "error: shop/web: readiness={'http': '/'}: must be a Probe or None, got dict; pass "
        "readiness=Probe.http(...) or another of Probe.tcp, .exec, .grpc"),
    "a probe port as a string": (
        'WebApp(shop, "web", image="nginx:1.27.3", readiness=Probe.http("/", port="80"))',
        "error: shop/web: readiness.port=\"80\": must be an int or None, got str '80'; write it "
        "without quotes: readiness.port=80"),
    "a number in env": (
        'WebApp(shop, "web", image="nginx:1.27.3", env={"WORKERS": 4})',
        "error: shop/web: env['WORKERS']=4: must be a str or a SecretKeyRef or a "
        "ConfigMapKeyRef, got int 4; quote it: env['WORKERS']=\"4\""),
    "a yes for a bool": (
        'WebApp(shop, "web", image="nginx:1.27.3", allow_root="yes")',
        "error: shop/web: allow_root=\"yes\": must be a bool, got str 'yes'; pass True or False"),
    "a volume by name": (
        'WebApp(shop, "web", image="nginx:1.27.3", mounts=[Mount("config", "/etc/app")])',
        "error: shop/web: mounts[0].volume=\"config\": must be a Volume, got str 'config'; pass "
        "mounts[0].volume=Volume.for_data(...) or another of Volume.empty_dir, .host_path, "
        ".claim, .new_claim, .config_map, .secret, .git_clone"),
    "a storage size as a number": (
        'StatefulWebApp(shop, "db", image="postgres:16.4", storage=Storage(size=10, '
        'mount_path="/data"))',
        "error: shop/db: storage.size=10: must be a str, got int 10; quote it: "
        'storage.size="10"'),
    "a string where wait_for's list belongs": (
        'WorkerWithInit(shop, "w", image="busybox:1.36.1", wait_for="db")',
        "error: shop/w: wait_for=db: must be a list, got str 'db'; pass wait_for=['db']"),
    "an object whose str() raises": (
        'WebApp(shop, "web", image="nginx:1.27.3", labels=Evil())',
        "error: shop/web: labels=<Evil object>: must be a mapping of str to str, got Evil "
        "<Evil object>; pass labels={...}"),
    "release annotations as a string": (
        'Release(app, "other", annotations="owner=me")',
        "error: other: annotations=owner=me: must be a mapping of str to str, got str "
        "'owner=me' (BP005); pass annotations={...}"),
    "a ConfigFiles description as a number": (
        'ConfigFiles(shop, "conf", data={"a.conf": "x"}, description=3)',
        "error: shop/conf: description=3: must be a str, got int 3; quote it: "
        'description="3"'),
    "a string where a ConfigMap volume's items belong": (
        'WebApp(shop, "web", image="nginx:1.27.3", mounts=[Mount(Volume.config_map("conf", '
        '"app", items="app.conf"), "/etc/app")])',
        "error: volume/conf: items=\"app.conf\": must be a mapping of str to str or None, got str "
        "'app.conf'; pass items={...}"),
    "a number where access modes belong": (
        'Volume.new_claim("data", size="1Gi", access_modes=1)',
        "error: volume/data: access_modes=1: must be a list of str, got int 1; pass "
        "access_modes=[...]"),
    "a ConfigMapKeyRef with a number": (
        'WebApp(shop, "web", image="nginx:1.27.3", env={"A": ConfigMapKeyRef("c", 1)})',
        "error: shop/web: env['A'].key=1: must be a str, got int 1; quote it: "
        "env['A'].key=\"1\""),
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """A blueprint folder whose dist/ already holds a release and a file of the user's."""
    monkeypatch.chdir(tmp_path)

    def make(call: str) -> Path:
        folder = tmp_path / "svc"
        folder.mkdir(exist_ok=True)
        (folder / "blueprint.py").write_text(f"{HEADER}{call}\napp.synth()\n")
        dist = folder / "dist"
        dist.mkdir(exist_ok=True)
        (dist / "shop.k8s.yaml").write_text(f"{MARKER}previous output\n")
        (dist / "notes.txt").write_text("mine\n")
        return folder

    return make


def _dist(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "dist").iterdir())}


class TestMessages:
    @pytest.mark.parametrize("case", sorted(MESSAGES))
    def test_one_line_exit_1_nothing_written(self, case: str,
                                             project: Callable[[str], Path]) -> None:
        call, expected = MESSAGES[case]
        folder = project(call)
        before = _dist(folder)
        result = runner.invoke(app, ["synth", str(folder)])
        assert (result.exit_code, result.stderr, result.stdout) == (1, expected + "\n", "")
        assert _dist(folder) == before

    def test_yaml_path_uses_the_same_check(self, tmp_path: Path) -> None:
        (tmp_path / "blueprint.yaml").write_text(textwrap.dedent("""\
            apiVersion: blueprint.dev/v1
            release: shop
            components:
              - kind: WebApp
                name: web
                image: nginx:1.27.3
                port: "8080"
            """))
        result = runner.invoke(app, ["synth", str(tmp_path)])
        assert (result.exit_code, result.stderr) == (1, (
            f'error: {tmp_path}/blueprint.yaml:7: components[0].port="8080": must be an int, got '
            "str '8080'; write it without quotes: port: 8080\n"))

    def test_yaml_missing_image(self, tmp_path: Path) -> None:
        (tmp_path / "blueprint.yaml").write_text(
            "apiVersion: blueprint.dev/v1\nrelease: shop\ncomponents:\n  - kind: WebApp\n"
            "    name: web\n    port: 8080\n")
        result = runner.invoke(app, ["synth", str(tmp_path)])
        assert (result.exit_code, result.stderr) == (1, (
            f"error: {tmp_path}/blueprint.yaml:4: components[0].image=None: required (BP001); "
            'add image: "registry/repository:tag"\n'))


class TestBuildProps:
    def test_builds_the_dataclass_when_everything_fits(self) -> None:
        props = build_props(WebAppProps, {"image": "nginx:1.27.3", "port": 80,
                                          "resources": Resources(cpu="1")}, component="c")
        assert (props.port, props.resources.cpu) == (80, "1")

    def test_bool_is_not_an_int(self) -> None:
        with pytest.raises(ConfigError) as raised:
            build_props(WebAppProps, {"image": "nginx:1.27.3", "replicas": True}, component="c")
        assert raised.value.lines() == [
            "error: c: replicas=True: must be an int, got bool True; pass a whole number"]

    def test_int_subclasses_are_ints(self) -> None:
        class Lossy(int):
            pass

        assert build_props(WebAppProps, {"image": "a:1", "port": Lossy(81)},
                           component="c").port == 81

    @pytest.mark.parametrize(("hint", "text"), [
        (int, "an int"), (WebAppProps.__annotations__["port"], "an int"),
        (list[str], "a list of str"), (dict[str, int], "a mapping of str to int"),
        (int | None, "an int or None"), (Resources, "a Resources"),
    ])
    def test_describe(self, hint: Any, text: str) -> None:
        assert describe(hint) == text

    def test_mismatch_for_callers_with_their_own_location(self) -> None:
        assert mismatch("x", int, "port") == ("must be an int, got str 'x'", "pass a whole number")
        assert mismatch(3, int, "port") is None

    def test_every_construct_props_class_resolves_at_run_time(self) -> None:
        """Each field's annotation, resolved lazily (field_hints), is what get_type_hints
        gives once the lazily loaded names are there: none is left unresolved (unchecked)."""
        import typing

        from blueprints.cdk._signatures import constructs
        from blueprints.core import web_app
        from blueprints.core.hooks import Hook
        from blueprints.core.identity import Permission
        from blueprints.core.prop_types import FieldHints

        lazy = {"Hook": Hook, "Permission": Permission, "Exposable": web_app.Exposable}
        for props_class, _ in constructs().values():
            for cls in (props_class, Resources):
                expected = typing.get_type_hints(cls, localns=lazy)
                assert set(expected) == set(cls.__dataclass_fields__)
                fresh = FieldHints(cls)  # not the shared one: each field resolved here
                assert {name: fresh[name] for name in expected} == expected, cls

    def test_lazy_hints_resolve_as_get_type_hints_does(self, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
        """A name of the class body, a quoted name inside a generic, None: as typing does."""
        import importlib
        import typing

        from blueprints.core.prop_types import FieldHints

        (tmp_path / "scratch_props.py").write_text(
            "from __future__ import annotations\nimport dataclasses\n"
            "@dataclasses.dataclass(frozen=True, kw_only=True)\nclass P:\n"
            "    Alias = int\n    a: Alias = 0\n"
            "    b: list['int'] = dataclasses.field(default_factory=list)\n    c: None = None\n")
        monkeypatch.syspath_prepend(str(tmp_path))
        cls = importlib.import_module("scratch_props").P
        hints = FieldHints(cls)
        assert {name: hints[name] for name in hints} == typing.get_type_hints(cls)
        for props in ({"a": "x"}, {"b": ["x"]}):
            with pytest.raises(ConfigError, match="must be an int"):
                build_props(cls, props, component="c")

    def test_an_unresolvable_annotation_is_left_unchecked(self) -> None:
        import dataclasses

        @dataclasses.dataclass(frozen=True, kw_only=True)
        class Odd:
            known: int = 0
            unknown: NotImportedAnywhere | None = None  # type: ignore[name-defined]  # noqa: F821

        built = build_props(Odd, {"unknown": "anything"}, component="c")
        assert built.unknown == "anything"
        with pytest.raises(ConfigError):
            build_props(Odd, {"known": "1"}, component="c")

    def test_safe_repr_survives_a_raising_repr(self) -> None:
        class Broken:
            def __repr__(self) -> str:
                raise ValueError

        assert safe_repr(Broken()) == "<Broken object>"
        assert safe_repr("x" * 100, 10) == "'xxxxxx..."


# -- property: generated bad props through the CLI ---------------------------------------------

_FIELDS = {  # a WebApp prop -> what a right value looks like (a deliberately simple oracle)
    "port": lambda v: type(v) is int, "replicas": lambda v: type(v) is int,
    "run_as_user": lambda v: type(v) is int, "image": lambda v: isinstance(v, str),
    "allow_root": lambda v: isinstance(v, bool), "description": lambda v: v is None or
    isinstance(v, str), "writable_paths": lambda v: isinstance(v, list) and all(
        isinstance(x, str) for x in v), "command": lambda v: isinstance(v, list) and all(
        isinstance(x, str) for x in v), "labels": lambda v: isinstance(v, dict) and all(
        isinstance(k, str) and isinstance(x, str) for k, x in v.items()),
    "env": lambda v: isinstance(v, dict) and all(
        isinstance(k, str) and isinstance(x, str) for k, x in v.items()),
    "resources": lambda v: False, "readiness": lambda v: v is None,
    "extra_ports": lambda v: isinstance(v, dict) and all(
        isinstance(k, str) and type(x) is int for k, x in v.items()),
}
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 70000),
                     st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8),
                     st.just("EVIL"))
_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=2), st.dictionaries(st.text(max_size=4), inner, max_size=2)),
    max_leaves=4)
_unknown = st.from_regex(r"[a-z][a-z_]{0,10}", fullmatch=True).filter(
    lambda name: name not in WebAppProps.__dataclass_fields__ and not keyword.iskeyword(name))


def _source(value: Any) -> str:
    """A value as Python source; the marker EVIL becomes an object whose str() raises."""
    if value == "EVIL":
        return "Evil()"
    if isinstance(value, list):
        return "[" + ", ".join(_source(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_source(v)}" for k, v in value.items()) + "}"
    return repr(value)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(field=st.one_of(st.sampled_from(sorted(_FIELDS)), _unknown), value=_values)
def test_bad_props_give_one_line_and_touch_nothing(field: str, value: Any, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "svc"
    folder.mkdir(exist_ok=True)
    props = {"image": '"nginx:1.27.3"', field: _source(value)}
    call = f'WebApp(shop, "web", {", ".join(f"{k}={v}" for k, v in props.items())})'
    (folder / "blueprint.py").write_text(f"{HEADER}{call}\napp.synth()\n")
    dist = folder / "dist"
    dist.mkdir(exist_ok=True)
    (dist / "shop.k8s.yaml").write_text(f"{MARKER}previous output\n")
    before = _dist(folder)
    result = runner.invoke(app, ["synth", str(folder)])
    surely_wrong = field not in _FIELDS or not _FIELDS[field](value) or "EVIL" in _source(value)
    if surely_wrong or result.exit_code != 0:
        assert result.exit_code == 1, (call, result.output)
        assert len(result.stderr.splitlines()) == 1, (call, result.stderr)
        assert result.stderr.startswith("error: shop/web: "), (call, result.stderr)
        assert "Traceback" not in result.output
        assert _dist(folder) == before

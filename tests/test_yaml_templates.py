"""Templates in YAML blueprints: runtime errors and limits are one line with the file, the line
and the key; hostile input never gives a traceback or touches the output folder."""

from __future__ import annotations

import json
import time
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from blueprints.cli.main import app
from blueprints.release.output import MARKER
from blueprints.yaml import templates

runner = CliRunner()

HEAD = """apiVersion: blueprint.dev/v1
release: shop
values:
  tag: "1.27.3"
  n: 3
  mixed: {1: a, b: c}
  f: "nan"
  mode: 0777
components:
  - kind: WebApp
    name: web
    image: "nginx:1.27.3"
    port: 8080
    description: %s
"""
WHERE = "error: svc/blueprint.yaml:14: components[0].description="
FIX = "; fix the {{ }} expression"
LIMIT_FIX = "; templates read values; keep loops and generated data out of the blueprint"
BEFORE = {"shop.k8s.yaml": f"{MARKER}old: release\n", "notes.txt": "mine\n"}


def run(tmp_path: Path, template: str, *args: str) -> tuple[int, str]:
    """Synthesize a blueprint whose description is ``template``; on failure, the output folder
    must be exactly as it was."""
    folder = tmp_path / "svc"
    folder.mkdir(exist_ok=True)
    (folder / "blueprint.yaml").write_text(HEAD % json.dumps(template))
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    for name, text in BEFORE.items():
        (out / name).write_text(text)
    result = runner.invoke(app, ["synth", str(folder), "-o", str(out), *args])
    assert "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if result.exit_code != 0:
        assert {p.name: p.read_text() for p in out.iterdir()} == BEFORE
    return result.exit_code, result.stderr


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


RUNTIME = {
    "range over the sandbox limit": (
        "{{ range(10**6)|list }}",
        "template error: OverflowError: Range too big. The sandbox blocks ranges larger than "
        "MAX_RANGE (100000)."),
    "a 5,000-digit integer": (
        "x{{ 10**5000 }}",
        "the template would compute a number of more than 4096 bits (10 ** 5000)"),
    "a 5,000-digit literal": (
        "x{{ " + "9" * 5000 + " }}", "template error: ValueError: Exceeds the limit (4300 "),
    "recursion in macros": (
        "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(1) }}",
        "template error: RecursionError: maximum recursion depth exceeded"),
    "division by zero": ("{{ values.n / 0 }}",
                         "template error: ZeroDivisionError: division by zero"),
    "a % error": ("{{ '%d' % 'x' }}",
                  "template error: TypeError: %d format: a real number is required, not str"),
    "a format error": ("{{ '{0} {1}'.format(1) }}",
                       "template error: IndexError: tuple index out of range"),
    "include": ("{% include 'x' %}",
                "template error: TypeError: no loader for this environment specified"),
    "import": ("{% import 'x' as y %}",
               "template error: TypeError: no loader for this environment specified"),
    "extends": ("{% extends 'x' %}",
                "template error: TypeError: no loader for this environment specified"),
    "truncate misuse": ("{{ 'abc'|truncate(-1) }}",
                        "template error: AssertionError: expected length >= 3, got -1"),
    "wordwrap misuse": ("{{ 'abc'|wordwrap(0) }}",
                        "template error: ValueError: invalid width 0 (must be > 0)"),
    "dictsort over mixed types": (
        "{{ values.mixed|dictsort }}",
        "template error: TypeError: '<' not supported between instances of 'str' and 'int'"),
    "nan in text": ("x{{ values.f|float }}",
                    "puts nan, which is not a number a manifest can hold into text"),
    "nan as a value": ("{{ values.f|float }}", "must be a str, got float nan"),
    "tojson of a lossy number": (
        "{{ {'n': values.mode}|tojson }}",
        "needs text, but YAML reads 0777 (svc/blueprint.yaml:8) as 511, not as that text"),
    "a syntax error": ("{{ values.n + }}",
                       "template syntax error: unexpected 'end of template'"),
    "null in text": ("x{{ none }}", "puts null, which has no text (Python would write None) "
                     "into text"),
    "a boolean in text": ("x{{ values.n > 1 }}",
                          "puts the boolean true (Python would write True) into text"),
}


@pytest.mark.parametrize("case", sorted(RUNTIME))
def test_runtime_error_is_one_line_with_file_line_and_key(case: str, tmp_path: Path) -> None:
    template, what = RUNTIME[case]
    code, stderr = run(tmp_path, template)
    assert code == 1
    assert stderr.count("\n") == 1
    assert stderr.startswith(WHERE)
    assert what in stderr, stderr


LIMITS = {
    "nested loops that make text": (
        "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
        "the template makes more than 1048576 characters"),
    "lipsum": ("{{ lipsum(10**6) }}", "the template would make more than 1048576 characters"),
    "string repetition": ("{{ 'a' * 10**9 }}",
                          "the template would make more than 1048576 characters"),
    "list repetition": ("{{ [1] * 10**8 }}",
                        "the template would make more than 1048576 characters"),
    "a power": ("{{ 2 ** (10 ** 9) }}", "the template would compute a number of more than 4096 bits"),
    "center": ("{{ 'x'|center(10**9) }}",
               "the template would make more than 1048576 characters"),
    "a str method": ("{{ 'x'.ljust(10**9) }}",
                     "the template would make more than 1048576 characters"),
    "replace that multiplies": ("{{ ('a' * 100000).replace('a', 'a' * 100000) }}",
                                "the template would make more than 1048576 characters"),
    "join that multiplies": ("{{ range(100000)|join('a' * 1000) }}",
                             "the template would make more than 1048576 characters"),
    "a wide %": ("{{ '%1000000000d' % 1 }}",
                 "the template would make more than 1048576 characters (a width in "
                 "'%1000000000d')"),
    "a wide format": ("{{ '{:>1000000000}'.format(1) }}",
                      "the template would make more than 1048576 characters (a width in "
                      "'{:>1000000000}')"),
    "indent": ("{{ 'a'|indent(10**9, true) }}",
               "the template would make more than 1048576 characters"),
}


@pytest.mark.parametrize("case", sorted(LIMITS))
def test_size_limits(case: str, tmp_path: Path) -> None:
    template, what = LIMITS[case]
    started = time.monotonic()
    code, stderr = run(tmp_path, template)
    assert time.monotonic() - started < 5
    assert (code, stderr.count("\n")) == (1, 1)
    assert stderr.startswith(WHERE + template + ": " + what), stderr
    assert stderr.endswith(LIMIT_FIX + "\n") or stderr.endswith(FIX + "\n")


@pytest.mark.parametrize("template", [
    # Loops that make nothing and call nothing: stopped by the clock, not by size.
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    # Loops over a list: no counted range, no call; the interval timer stops them.
    "{% set big = range(100000)|list %}{% for i in big %}{% for j in big %}{% endfor %}"
    "{% endfor %}",
    # Exponential macro calls.
    "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(40) }}",
    # A string that grows on every iteration.
    "{% set ns = namespace(s='') %}{% for i in range(100000) %}{% set ns.s = ns.s ~ ('a' * "
    "100000) %}{% endfor %}{{ ns.s|length }}",
])
def test_time_limit(template: str, tmp_path: Path) -> None:
    started = time.monotonic()
    with mock.patch.object(templates, "TEMPLATE_SECONDS", 0.5):
        code, stderr = run(tmp_path, template)
    assert time.monotonic() - started < 10
    assert (code, stderr.count("\n")) == (1, 1), stderr
    assert stderr.startswith(WHERE), stderr
    assert ("ran past its time limit (0.5 s per template, 20 s per blueprint)" in stderr
            or "more than 1048576 characters" in stderr), stderr


def test_a_template_under_the_limits_renders(tmp_path: Path) -> None:
    code, stderr = run(tmp_path, "{{ range(3)|join(',') }}-{{ 'x'|center(5) }}-{{ values.n * 2 }}")
    assert (code, stderr) == (0, "")
    assert 'description: "0,1,2-  x  -6"' in (tmp_path / "out" / "shop.k8s.yaml").read_text()


# -- property: hostile templates, values and --set strings --------------------------------------

FRAGMENTS = [
    "values.n", "values.tag", "values.mixed", "values.f", "values.nope", "values", "none", "true",
    "1", "0", "-1", "10**20", "10**5000", "'a'", "'a' * 10**7", "[1, 2]", "{'a': 1}",
    "range(5)", "range(10**6)", "lipsum(10**5)", "values.__class__", "values.items()",
    "'{0}'.format", "cycler", "joiner()", "namespace()", "1.5", "'nan'|float", "'%s'",
]
FILTERS = ["", "|int", "|float", "|string", "|list", "|length", "|join(',')", "|dictsort",
           "|tojson", "|center(10**8)", "|truncate(-1)", "|wordwrap(0)", "|first", "|sum",
           "|reverse", "|attr('__class__')", "|indent(10**8)", "|replace('a', 'bb')", "|upper"]
OPERATORS = [" + ", " - ", " * ", " / ", " // ", " % ", " ** ", " ~ ", " and ", " < "]

expressions = st.builds(
    lambda a, f, op, b, g: f"{a}{f}{op}{b}{g}",
    st.sampled_from(FRAGMENTS), st.sampled_from(FILTERS), st.sampled_from(OPERATORS),
    st.sampled_from(FRAGMENTS), st.sampled_from(FILTERS))
hostile_templates = st.one_of(
    expressions.map(lambda e: "{{ " + e + " }}"),
    expressions.map(lambda e: "x-{{ " + e + " }}"),
    st.tuples(expressions, expressions).map(
        lambda p: "{% for i in " + p[0] + " %}{{ " + p[1] + " }}{% endfor %}"),
    st.text(alphabet="{}%#()'\"|.~ abnv0123456789", max_size=30),
)
set_values = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["~", "no", "yes", ".inf", "-.nan", "0777", "0x1F", "1.10", "1e3", "{a,b}",
                     "a: b", "[1]", "&x", "*x", "!!python/name:os.system", "---", "a #b",
                     "1_000", "99999999999999999999", "caf\udce9", "x\ny", ""]))
set_keys = st.sampled_from(["tag", "n", "f", "mixed.b", "mixed", "nope", "tag.x", ""])


values_files = st.one_of(
    st.none(),
    st.binary(max_size=40),
    st.sampled_from([
        b"n: 0777\n", b"tag: 1.20\n", b"tag: x\ntag: y\n", b"\xff\xfetag: x", b"- 1\n",
        "tag: '1.2.3'\n".encode("utf-16"), b"mixed: {b: !!binary aGk=}\n", b"n: !!int ''\n",
        b"n: " + b"9" * 5000 + b"\n", b"a: &a [*a]\n", b"nope: 1\n", b"f: .nan\n",
        b"mixed: {b: [1, 2]}\n", b"n: 3000000000000000000000\n"]),
    st.builds(lambda k, v: f"{k}: {v}\n".encode(), st.sampled_from(["tag", "n", "f", "mixed"]),
              set_values.filter(lambda v: "\udce9" not in v)))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(template=hostile_templates, key=set_keys, value=set_values,
       string=st.booleans(), values_file=values_files)
@example(template="", key="tag", value="", string=False, values_file=b"!!int ''")  # found once
@example(template="", key="tag", value="", string=False, values_file=b"!!bool ''")
def test_hostile_input_never_gives_a_traceback(template: str, key: str, value: str,
                                               string: bool, values_file: bytes | None) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as directory, mock.patch.object(
        templates, "TEMPLATE_SECONDS", 1.0
    ):
        root = Path(directory)
        option = "--set-string" if string else "--set"
        args = [option, f"{key}={value}"]
        if values_file is not None:
            (root / "values.yaml").write_bytes(values_file)
            args += ["--values", str(root / "values.yaml")]
        code, stderr = run(root, template, *args)
    assert code in (0, 1, 2)
    if code:
        assert stderr.count("\n") == 1 and stderr.startswith("error: "), stderr
    else:
        assert stderr == ""


def test_an_earlier_interval_timer_survives_a_render(tmp_path: Path) -> None:
    import signal

    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 30)
        code, _ = run(tmp_path, "{{ values.n }}-{{ values.tag }}")
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert code == 0
        assert 0 < remaining <= 30
        assert signal.getsignal(signal.SIGALRM) is not templates._on_alarm
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert fired == []


def test_the_blueprint_wide_time_limit(tmp_path: Path) -> None:
    with mock.patch.object(templates, "BLUEPRINT_SECONDS", -1.0):
        code, stderr = run(tmp_path, "{{ values.n }}")
    assert (code, stderr) == (1, (
        WHERE + "{{ values.n }}: the template ran past its time limit (2 s per template, -1 s "
        "per blueprint)" + LIMIT_FIX + "\n"))


PROP_KEYS = ["port", "replicas", "runAsUser", "env", "resources", "readiness", "mounts",
             "preStop", "postStart", "sidecars", "envFrom", "writablePaths", "storage",
             "allowFrom", "calls", "expose", "command", "args", "description", "servicePort",
             "extraPorts", "shutdownSeconds", "labels", "version", "nope"]
YAML_VALUES = st.one_of(
    st.sampled_from([
        "5", "-1", "0777", "1.20", "no", "~", "''", "[]", "{}", "[1, 'a']", "{a: 1}",
        "99999999999999999999", "{http: /x}", "{tcp: 8080, periodSeconds: -1}",
        "{exec: []}", "{sleep: 10**9}", "{sleep: 99999999999}", "[{volume: 5, path: /x}]",
        "[{volume: {name: a, hostPath: {path: 5}}, path: /a}]",
        "[{volume: {name: a, emptyDir: {sizeLimit: [1]}}, path: /a}]",
        "[{volume: {name: a, gitClone: {repository: 5}}, path: /a}]",
        "[{volume: {name: a, newClaim: {size: x, accessModes: 5}}, path: /a}]",
        "[{volume: {name: a, forData: {survives: 5}}, path: /a}]",
        "[{volume: {name: a, configFiles: nope}, path: /a}]",
        "[{name: s, image: 'busybox:1.36.1', resources: 5}]", "[{secretRef: 5}]",
        "{cpu: 5, memory: [1]}", "{A: {secretKeyRef: {name: 1, key: [2]}}}",
        "[{ingress: {host: 5}}]", "{ingress: 5}", "{x: '{{ values.n / 0 }}'}",
        "'{{ values.nope }}'", "'{{ values.mixed }}'", "{name: s, size: 5, mountPath: 5}",
        "!!binary aGk=", "!!timestamp 2001-12-14", "&a [*a]", "2001-12-14",
    ]),
    st.text(alphabet="{}[]:,'\"-#&*!|> abc0123456789.\n", max_size=25))


BASES = {
    "WebApp": "    image: 'nginx:1.27.3'\n    port: 8080\n",
    "StatefulWebApp": "    image: 'nginx:1.27.3'\n    port: 8080\n"
                      "    storage: {name: data, size: 1Gi, mountPath: /data}\n",
    "WorkerWithInit": "    image: 'busybox:1.36.1'\n    waitFor: [db]\n",
    "DaemonApp": "    image: 'busybox:1.36.1'\n",
    "CronJobApp": "    image: 'busybox:1.36.1'\n    schedule: '0 * * * *'\n",
}


def props_blueprint(kind: str, props: dict[str, str]) -> str:
    given = "".join(f"    {key}: {value}\n" for key, value in props.items() if "\n" not in value)
    base = "".join(line + "\n" for line in BASES[kind].splitlines()
                   if line.split(":")[0].strip() not in props)
    head = HEAD.split("components:", maxsplit=1)[0]
    return f"{head}components:\n  - kind: {kind}\n    name: web\n{base}{given}"


@pytest.mark.parametrize("kind", sorted(BASES))
def test_each_base_synthesizes(kind: str, tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "blueprint.yaml").write_text(props_blueprint(kind, {}))
    result = runner.invoke(app, ["synth", str(tmp_path / "svc"), "-o", str(tmp_path / "out")])
    assert (result.exit_code, result.stderr) == (0, "")


@settings(max_examples=250, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(BASES)),
       props=st.dictionaries(st.sampled_from(PROP_KEYS), YAML_VALUES, max_size=3))
@example(kind="CronJobApp", props={"resources": "'{{ values.mixed }}'"})  # an int key: found once
@example(kind="CronJobApp", props={"version": "''"})  # two rule errors, two lines: found once
def test_hostile_props_never_give_a_traceback(kind: str, props: dict[str, str]) -> None:
    import tempfile

    text = props_blueprint(kind, props)
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        (root / "svc").mkdir()
        (root / "svc" / "blueprint.yaml").write_text(text)
        out = root / "out"
        out.mkdir()
        (out / "shop.k8s.yaml").write_text(f"{MARKER}old: release\n")
        result = runner.invoke(app, ["synth", str(root / "svc"), "-o", str(out)])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            text, result.exception)
        assert result.exit_code in (0, 1, 2)
        if result.exit_code:
            # One line per error: the rule registry reports every object it refuses (an empty
            # component version leaves the version label off each object: one line each).
            lines = result.stderr.splitlines()
            assert lines and all(line.startswith("error: ") for line in lines), (
                text, result.stderr)
            assert result.stderr.count("\n") == len(lines)
            assert [p.name for p in out.iterdir()] == ["shop.k8s.yaml"]
            assert (out / "shop.k8s.yaml").read_text() == f"{MARKER}old: release\n"

"""YAML blueprints: byte-identical to Python, no Node, values overlays, bad input with lines."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from blueprints.cli.main import app
from blueprints.kube import DEFAULT
from blueprints.release.synth import synthesize
from tests.conftest import EXAMPLES, load_all

runner = CliRunner()
TWINS = sorted(p.name for p in (EXAMPLES / "yaml").iterdir())
SNAPSHOTS = Path(__file__).parent / "snapshots" / "test_examples"


@pytest.mark.parametrize("name", TWINS)
def test_yaml_twin_is_byte_identical_to_python(name: str) -> None:
    result = synthesize(EXAMPLES / "yaml" / name, kube_version=DEFAULT)
    (text,) = result.files.values()
    assert text == (SNAPSHOTS / f"TestExamples.test_snapshot[{name}].yaml").read_text()


def test_yaml_path_never_starts_node(tmp_path: Path) -> None:
    code = ("import sys\nfrom pathlib import Path\nfrom blueprints.release.synth import synthesize\n"
            "from blueprints.kube import DEFAULT\n"
            f"synthesize(Path({str(EXAMPLES / 'yaml' / 'nginx')!r}), kube_version=DEFAULT)\n"
            "print(sorted(m for m in ('cdk8s', 'jsii') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.strip() == "[]"


BASE = """apiVersion: blueprint.dev/v1
release: shop
values:
  tag: "1.27.3"
  replicas: 2
  web: {port: 8080}
components:
  - kind: WebApp
    name: web
    image: "nginx:{{ values.tag }}"
    replicas: "{{ values.replicas }}"
    port: "{{ values.web.port }}"
"""


@pytest.fixture
def blueprint_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    monkeypatch.chdir(tmp_path)

    def write(text: str) -> Path:
        folder = tmp_path / "svc"
        folder.mkdir(exist_ok=True)
        (folder / "blueprint.yaml").write_text(text)
        return folder

    return write


def deployment(folder: Path, *args: str) -> dict[str, object]:
    result = runner.invoke(app, ["synth", str(folder), "-o", str(folder / "out"), *args])
    assert result.exit_code == 0, result.stderr
    docs = load_all((folder / "out" / "shop.k8s.yaml").read_text())
    return next(d for d in docs if d["kind"] == "Deployment")


class TestValues:
    def test_single_expression_keeps_its_type(self, blueprint_yaml: Callable[[str], Path]
                                              ) -> None:
        deploy = deployment(blueprint_yaml(BASE))
        assert deploy["spec"]["replicas"] == 2  # type: ignore[index]

    def test_overlays_in_order(self, blueprint_yaml: Callable[[str], Path],
                               tmp_path: Path) -> None:
        folder = blueprint_yaml(BASE)
        (folder / "values").mkdir()
        (folder / "values" / "prod.yaml").write_text("replicas: 4\ntag: '1.27.4'\n")
        extra = tmp_path / "extra.yaml"
        extra.write_text("replicas: 5\n")
        deploy = deployment(folder, "--env", "prod", "--values", str(extra), "--set",
                            "replicas=6")
        assert deploy["spec"]["replicas"] == 6  # type: ignore[index]
        container = deploy["spec"]["template"]["spec"]["containers"][0]  # type: ignore[index]
        assert container["image"] == "nginx:1.27.4"


BAD: dict[str, tuple[str, list[str], str]] = {
    "unknown key": (BASE + "    replica: 3\n", [],
                    "error: svc/blueprint.yaml:13: components[0].replica=3: unknown key "
                    "for WebApp; did you mean replicas?"),
    "wrong type": (BASE.replace('"{{ values.replicas }}"', "two"), [],
                   "error: svc/blueprint.yaml:11: components[0].replicas=\"two\": must be an int, "
                   "got str 'two'; pass a whole number"),
    "undefined variable": (BASE.replace("values.tag", "values.nope"), [],
                           "error: svc/blueprint.yaml:10: components[0].image=nginx:{{ "
                           "values.nope }}: undefined template variable: 'dict object' has no "
                           "attribute 'nope'; define it under values:, in --values or with "
                           "--set"),
    "sandbox escape": (BASE.replace("values.tag", "values.__class__.__mro__"), [],
                       "error: svc/blueprint.yaml:10: components[0].image=nginx:{{ "
                       "values.__class__.__mro__ }}: the template sandbox refuses it: access "
                       "to attribute '__class__' of 'dict' object is unsafe.; templates read "
                       "values; they cannot reach Python"),
    "duplicate names": (BASE + "  - kind: WebApp\n    name: web\n    image: nginx:1.27.3\n", [],
                        "error: svc/blueprint.yaml:14: components[1].name=web: two components "
                        "share the name (BP006); give each component its own name"),
    "set without =": (BASE, ["--set", "replicas"],
                      "error: synth: --set=replicas: not key=value; write --set replicas=3 or "
                      "--set image.tag=1.2.3"),
    "unknown kind": (BASE.replace("kind: WebApp", "kind: WebAp"), [],
                     "error: svc/blueprint.yaml:8: components[0].kind=WebAp: unknown kind; did "
                     "you mean WebApp?"),
    "unsupported apiVersion": (BASE.replace("blueprint.dev/v1", "blueprint.dev/v9"), [],
                               "error: svc/blueprint.yaml:1: apiVersion=blueprint.dev/v9: "
                               "unsupported apiVersion; use blueprint.dev/v1"),
    "python tag": (BASE + "extra: !!python/object/apply:os.system [echo hi]\n", [],
                   "error: svc/blueprint.yaml:13: yaml=<file>: not valid YAML: "
                   "unsupported tag 'tag:yaml.org,2002:python/object/apply:os.system'; fix the "
                   "YAML; only plain data is allowed, no Python tags"),
    "python tag on a scalar": (BASE + "extra: !!python/name:os.system ''\n", [],
                               "error: svc/blueprint.yaml:13: yaml=<file>: not valid YAML: "
                               "unsupported tag "
                               "'tag:yaml.org,2002:python/name:os.system'; fix the YAML; only "
                               "plain data is allowed, no Python tags"),
    # The YAML path's hints in YAML (a newcomer copies them into blueprint.yaml).
    "quoted port": (BASE.replace('port: "{{ values.web.port }}"', 'port: "3306"'), [],
                    "error: svc/blueprint.yaml:12: components[0].port=\"3306\": must be an int, got "
                    "str '3306'; write it without quotes: port: 3306"),
    "literal credential": (BASE + "    env: {DB_PASSWORD: hunter2hunter2}\n", [],
                           "error: svc/blueprint.yaml:13: components[0].env.DB_PASSWORD="
                           "<redacted>: a credential written as a literal value (BP044); use "
                           "{secretKeyRef: {name: <secret>, key: <key>}}, or pass envNotSecret: "
                           '{"DB_PASSWORD": "<why it is not a secret>"}'),
    "root": (BASE + "    runAsUser: 0\n", [],
             "error: svc/blueprint.yaml:13: components[0].runAsUser=0: runs as root (BP041); "
             "pick a non-root user ID, or pass allowRoot: true to opt out on the record"),
    "not a boolean": (BASE + "    readOnlyRootFilesystem: maybe\n", [],
                      "error: svc/blueprint.yaml:13: components[0].readOnlyRootFilesystem=\"maybe\": "
                      "must be a bool, got str 'maybe'; pass true or false"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input(case: str, blueprint_yaml: Callable[[str], Path]) -> None:
    text, args, expected = BAD[case]
    folder = blueprint_yaml(text)
    result = runner.invoke(app, ["synth", str(folder), *args])
    assert (result.exit_code, result.stderr) == (1, expected + "\n")
    assert not (folder / "dist").exists()


def test_values_file_not_a_mapping(blueprint_yaml: Callable[[str], Path],
                                   tmp_path: Path) -> None:
    folder = blueprint_yaml(BASE)
    bad = tmp_path / "bad.yaml"
    bad.write_text("- 1\n- 2\n")
    result = runner.invoke(app, ["synth", str(folder), "--values", str(bad)])
    assert (result.exit_code, result.stderr) == (1, (
        f"error: {bad}:1: values=list: a values file is a mapping; write key: value pairs\n"))


class TestSchema:
    def test_shipped_schema_is_the_generated_one(self) -> None:
        from blueprints.yaml.schema import schema_text

        shipped = Path(__file__).parent.parent / "templates" / "blueprint.schema.json"
        assert shipped.read_text() == schema_text()
        result = runner.invoke(app, ["schema"])
        assert (result.exit_code, result.stdout) == (0, schema_text())

    def test_examples_validate_and_typos_do_not(self) -> None:
        import json

        import jsonschema
        import yaml

        from blueprints.yaml.schema import schema_text

        schema = json.loads(schema_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        for name in TWINS:
            jsonschema.validate(yaml.safe_load(
                (EXAMPLES / "yaml" / name / "blueprint.yaml").read_text()), schema)
        typo = yaml.safe_load(BASE + "    replica: 3\n")
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(typo, schema)


KIND_NAMES = ["CronJobApp", "DaemonApp", "StatefulWebApp", "WebApp", "WorkerWithInit"]


class TestInit:
    @pytest.mark.parametrize("kind", KIND_NAMES)
    @pytest.mark.parametrize("output_format", ["yaml", "python"])
    def test_init_then_synth_then_lint(self, kind: str, output_format: str, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
        folder = tmp_path / "orders"
        folder.mkdir()
        monkeypatch.chdir(folder)
        made = runner.invoke(app, ["init", "--kind", kind, "--format", output_format])
        assert made.exit_code == 0, made.stderr
        synth = runner.invoke(app, ["synth"])
        assert synth.exit_code == 0, synth.stderr
        assert synth.stderr == ""
        linted = runner.invoke(app, ["lint", "dist", "--strict"])
        assert linted.exit_code == 0, linted.stdout
        expected = {".gitignore", "dist", f"blueprint.{'yaml' if output_format == 'yaml' else 'py'}"}
        if output_format == "yaml":
            expected.add("values")
        assert {p.name for p in folder.iterdir()} == expected

    def test_refuses_to_overwrite(self, tmp_path: Path) -> None:
        (tmp_path / "blueprint.yaml").write_text("mine\n")
        result = runner.invoke(app, ["init", str(tmp_path)])
        assert (result.exit_code, result.stderr) == (1, (
            f"error: init: DIR={tmp_path / 'blueprint.yaml'}: already exists; pass --force to "
            "overwrite, or choose another folder\n"))
        assert (tmp_path / "blueprint.yaml").read_text() == "mine\n"
        assert not (tmp_path / ".gitignore").exists()
        assert runner.invoke(app, ["init", str(tmp_path), "--force"]).exit_code == 0
        assert (tmp_path / "blueprint.yaml").read_text() != "mine\n"

    def test_unknown_kind(self, tmp_path: Path) -> None:
        result = runner.invoke(app, ["init", str(tmp_path), "--kind", "Database"])
        assert result.exit_code == 1
        assert result.stderr.startswith("error: init: --kind=Database: not a kind")
        assert list(tmp_path.iterdir()) == []

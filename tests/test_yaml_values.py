"""Typed values of YAML blueprints, values kept exactly, and what their errors show.

Every case goes through the CLI as a user meets it: exit code, the one line on stderr, and an
output folder that an error leaves exactly as it was.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from blueprints.cli.main import app
from blueprints.release.output import MARKER
from tests.conftest import load_all

runner = CliRunner()

BLUEPRINT = """apiVersion: blueprint.dev/v1
release: shop
values:
  tag: "1.27.3"
  replicas: 2
  debug: false
  note: ~
  web: {port: 8080}
  labels: {}
components:
  - kind: WebApp
    name: web
    image: "nginx:{{ values.tag }}"
    replicas: "{{ values.replicas }}"
    port: "{{ values.web.port }}"
    description: "note {{ values.note }}"
"""
NOTE = 'description: "note {{ values.note }}"'


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    svc = tmp_path / "svc"
    svc.mkdir()
    (svc / "blueprint.yaml").write_text(BLUEPRINT.replace(NOTE, 'description: "plain"'))
    return svc


def synth(folder: Path, *args: str) -> tuple[int, str]:
    """Synthesize into ``out/`` (which holds an older release and a user file beforehand) and
    check that a failure leaves it byte for byte as it was."""
    out = folder / "out"
    out.mkdir(exist_ok=True)
    before = {"shop.k8s.yaml": f"{MARKER}old: release\n", "notes.txt": "mine\n"}
    for name, text in before.items():
        (out / name).write_text(text)
    result = runner.invoke(app, ["synth", str(folder), "-o", str(out), *args])
    assert "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if result.exit_code != 0:
        assert {p.name: p.read_text() for p in out.iterdir()} == before
        assert result.stderr.count("\n") == 1, result.stderr
    return result.exit_code, result.stderr


def deployment(folder: Path, *args: str) -> dict[str, object]:
    code, stderr = synth(folder, *args)
    assert code == 0, stderr
    docs = load_all((folder / "out" / "shop.k8s.yaml").read_text())
    return next(d for d in docs if d["kind"] == "Deployment")


def image(deploy: dict[str, object]) -> str:
    return deploy["spec"]["template"]["spec"]["containers"][0]["image"]  # type: ignore[index,no-any-return]


def description(deploy: dict[str, object]) -> str:
    return deploy["metadata"]["annotations"]["blueprint.dev/description"]  # type: ignore[index,no-any-return]


class TestSet:
    def test_a_string_stays_a_string(self, folder: Path) -> None:
        # Helm's --set would read 3.10 as the number 3.1; the declared type says text.
        assert image(deployment(folder, "--set", "tag=3.10")) == "nginx:3.10"
        assert image(deployment(folder, "--set", "tag=0x1F")) == "nginx:0x1F"

    def test_comma_sets_two_values(self, folder: Path) -> None:
        deploy = deployment(folder, "--set", "replicas=5,tag=1.27.4")
        assert (deploy["spec"]["replicas"], image(deploy)) == (5, "nginx:1.27.4")  # type: ignore[index]

    def test_escaped_comma_and_nested_key(self, folder: Path) -> None:
        (folder / "blueprint.yaml").write_text(BLUEPRINT)
        deploy = deployment(folder, "--set", r"note=a\,b", "--set", "web.port=9090")
        assert description(deploy) == "note a,b"
        ports = deploy["spec"]["template"]["spec"]["containers"][0]["ports"]  # type: ignore[index]
        assert ports[0]["containerPort"] == 9090

    def test_set_string_forces_text_and_comes_last(self, folder: Path) -> None:
        (folder / "blueprint.yaml").write_text(BLUEPRINT)
        deploy = deployment(folder, "--set-string", "note=no", "--set", "note=x")
        assert description(deploy) == "note no"

    def test_open_mapping_takes_any_key(self, folder: Path) -> None:
        text = BLUEPRINT.replace(NOTE, 'description: "{{ values.labels.team }}"')
        (folder / "blueprint.yaml").write_text(text)
        assert description(deployment(folder, "--set", "labels.team=payments")) == "payments"

    @pytest.mark.parametrize(("args", "expected"), [
        (["--set", "replica=5"],
         "error: --set: replica=<key>: not a declared value; did you mean replicas?"),
        (["--set", "web.prot=1"],
         "error: --set: web.prot=<key>: not a declared value; did you mean web.port?"),
        (["--set", "replicas=two"],
         "error: --set: replicas=two: replicas is an integer (declared at svc/blueprint.yaml:5); "
         "give a value of that type"),
        (["--set", "replicas=010"],
         "error: --set: replicas=010: a leading 0 is octal in YAML 1.1 and decimal in YAML 1.2; "
         "write the number without it"),
        (["--set", "replicas=99999999999999999999"],
         "error: --set: replicas=99999999999999999999: beyond 9223372036854775807, the largest "
         "number the Kubernetes API takes (int64); pass a smaller number"),
        (["--set", "replicas=3000000000"],
         "error: svc/blueprint.yaml:14: components[0].replicas=3000000000: beyond 2147483647, "
         "the most the API takes (int32); pass a smaller number"),
        (["--set", "debug=yes"],
         "error: --set: debug=yes: debug is a boolean (true or false) (declared at "
         "svc/blueprint.yaml:6); give a value of that type"),
        (["--set", "web=1"],
         "error: --set: web=1: web is a mapping (declared at svc/blueprint.yaml:8); set its "
         "keys, e.g. web.name=value"),
        (["--set-string", "replicas=3"],
         "error: --set-string: replicas=3: replicas is an integer (declared at "
         "svc/blueprint.yaml:5), and --set-string gives text; use --set"),
        (["--set", "tag=1.27\n---\nkind: Secret"],
         "error: --set: tag='1.27\\n---\\nkind: Secret': holds a newline or a control "
         "character; pass multi-line text in a --values file, or use --set-string"),
        (["--set", "note=a: b"],
         "error: --set: note=a: b: reads as YAML structure (a list, mapping, comment, anchor or "
         "quote); use --set-string to pass it as text"),
        (["--set", "note=x #y"],
         "error: --set: note=x #y: reads as YAML structure (a list, mapping, comment, anchor or "
         "quote); use --set-string to pass it as text"),
        (["--set", "replicas"],
         "error: synth: --set=replicas: not key=value; write --set replicas=3 or --set "
         "image.tag=1.2.3"),
        (["--env", "../../etc/x"],
         "error: synth: --env=../../etc/x: not an environment name; use letters, digits, '-', "
         "'_' and '.', e.g. --env prod"),
        (["--set", "tag=caf\udce9"],
         "error: --set: value=byte 0xe9: not UTF-8 text; pass the value as UTF-8"),
    ])
    def test_refused(self, folder: Path, args: list[str], expected: str) -> None:
        code, stderr = synth(folder, *args)
        assert (code, stderr) == (2 if "UTF-8" in expected else 1, expected + "\n")

    @pytest.mark.parametrize(("given", "shown"), [
        ("~", "~ (--set note) as null"), ("no", "no (--set note) as false"),
        (".inf", ".inf (--set note) as inf"), ("1.10", "1.10 (--set note) as 1.1"),
        ("0777", "0777 (--set note) as 511"),
    ])
    def test_lossy_set_value_in_text_is_refused(self, folder: Path, given: str,
                                                shown: str) -> None:
        (folder / "blueprint.yaml").write_text(BLUEPRINT)
        code, stderr = synth(folder, "--set", f"note={given}")
        assert (code, stderr) == (1, (
            "error: svc/blueprint.yaml:16: components[0].description=note {{ values.note }}: "
            f"needs text, but YAML reads {shown}, not as that text; use --set-string\n"))
        assert description(deployment(folder, "--set-string", f"note={given}")) == (
            f"note {given}")


class TestValuesFiles:
    def test_checked_against_the_declarations(self, folder: Path, tmp_path: Path) -> None:
        extra = tmp_path / "extra.yaml"
        extra.write_text("tag: '1.27.4'\nweb:\n  prot: 1\n")
        code, stderr = synth(folder, "--values", str(extra))
        assert (code, stderr) == (1, (
            f"error: {extra}:3: web.prot=<key>: not a declared value; did you mean web.port?\n"))

    def test_a_lossy_number_where_text_is_declared(self, folder: Path) -> None:
        (folder / "values").mkdir()
        (folder / "values" / "prod.yaml").write_text("# prod\ntag: 1.20\n")
        code, stderr = synth(folder, "--env", "prod")
        assert (code, stderr) == (1, (
            "error: svc/values/prod.yaml:2: tag=1.20 (read by YAML as 1.2): tag is a string "
            '(declared at svc/blueprint.yaml:4), and YAML does not keep this text; quote it: '
            '"1.20"\n'))

    def test_a_number_where_text_is_declared(self, folder: Path, tmp_path: Path) -> None:
        extra = tmp_path / "extra.yaml"
        extra.write_text("tag: 5\n")
        code, stderr = synth(folder, "--values", str(extra))
        assert (code, stderr) == (1, (
            f'error: {extra}:1: tag=5: tag is a string (declared at svc/blueprint.yaml:4); '
            'quote it: "5"\n'))

    def test_duplicate_key(self, folder: Path, tmp_path: Path) -> None:
        extra = tmp_path / "extra.yaml"
        extra.write_text("tag: '1'\nreplicas: 3\ntag: '2'\n")
        code, stderr = synth(folder, "--values", str(extra))
        assert (code, stderr) == (1, (
            f"error: {extra}:3: tag=<duplicate key>: already set at line 1; YAML would silently "
            "keep only the last; remove one of them\n"))

    @pytest.mark.parametrize(("data", "line"), [
        ("tag: 'caf\u00e9'\n".encode("latin-1"), 1), (b"# ok\n\xff\xfe\x00", 2)])
    def test_not_utf8_is_unreadable_input(self, folder: Path, tmp_path: Path, data: bytes,
                                          line: int) -> None:
        extra = tmp_path / "extra.yaml"
        extra.write_bytes(data)
        code, stderr = synth(folder, "--values", str(extra))
        assert code == 2
        assert stderr.startswith(f"error: {extra}:{line}: encoding=byte 0x")
        assert stderr.endswith(": not UTF-8 text; save the file as UTF-8\n")

    def test_utf16_with_a_bom_is_read(self, folder: Path, tmp_path: Path) -> None:
        # YAML 1.2 section 5.2: a stream may be UTF-16 or UTF-32, announced by its BOM.
        extra = tmp_path / "extra.yaml"
        extra.write_bytes("# é\ntag: '1.27.5'\n".encode("utf-16"))
        assert image(deployment(folder, "--values", str(extra))) == "nginx:1.27.5"

    @pytest.mark.parametrize("text", ["", "~\n", "# nothing\n"])
    def test_an_empty_file_sets_nothing(self, folder: Path, tmp_path: Path, text: str) -> None:
        extra = tmp_path / "extra.yaml"
        extra.write_text(text)
        assert image(deployment(folder, "--values", str(extra))) == "nginx:1.27.3"

    def test_not_a_regular_file(self, folder: Path) -> None:
        code, stderr = synth(folder, "--values", "/dev/zero")
        assert (code, stderr) == (2, (
            "error: /dev/zero: file=/dev/zero: not a regular file; pass a YAML file\n"))


class TestSchema:
    SCHEMA = """{"type": "object", "additionalProperties": false, "properties": {
      "tag": {"type": "string"}, "replicas": {"type": "integer", "minimum": 1, "maximum": 10},
      "debug": {"type": "boolean"}, "note": {"type": "string"},
      "web": {"type": "object", "properties": {"port": {"type": "integer"}}},
      "labels": {"type": "object"}}}"""

    def test_the_schema_declares_the_types(self, folder: Path) -> None:
        (folder / "values.schema.json").write_text(self.SCHEMA)
        code, stderr = synth(folder, "--set", "replicas=11")
        assert (code, stderr) == (1, (
            "error: --set: replicas=11: replicas is an integer (declared at "
            "svc/values.schema.json /replicas), from 1 to 10; give a value of that type\n"))
        (folder / "blueprint.yaml").write_text(BLUEPRINT)
        # note has no default type (~) but the schema says string: 5 stays the text "5".
        assert description(deployment(folder, "--set", "note=5")) == "note 5"

    def test_not_json(self, folder: Path) -> None:
        (folder / "values.schema.json").write_text('{"type": "object",\n oops}')
        code, stderr = synth(folder)
        assert (code, stderr) == (1, (
            "error: svc/values.schema.json:2: schema=<file>: not valid JSON: Expecting property "
            "name enclosed in double quotes; fix the file\n"))


class TestBlueprintScalars:
    @pytest.mark.parametrize(("edit", "expected"), [
        (('tag: "1.27.3"', "tag: 1.20"),
         "error: svc/blueprint.yaml:13: components[0].image=nginx:{{ values.tag }}: needs text, "
         "but YAML reads 1.20 (svc/blueprint.yaml:4) as 1.2, not as that text; quote it at "
         'svc/blueprint.yaml:4: "1.20"'),
        (("release: shop", "release: shop\nversion: 1.10"),
         "error: svc/blueprint.yaml:3: version=1.10: needs text, but YAML reads 1.10 "
         '(svc/blueprint.yaml:3) as 1.1, not as that text; quote it at svc/blueprint.yaml:3: '
         '"1.10"'),
        (("    port:", "    runAsUser: 0777\n    port:"),
         "error: svc/blueprint.yaml:15: components[0].runAsUser=0777: YAML 1.1 reads a leading "
         "0 as octal (511), YAML 1.2 as decimal; write the number without the leading 0"),
        (("    port:", "    env: {DEBUG: no}\n    port:"),
         "error: svc/blueprint.yaml:15: components[0].env.DEBUG=no: needs text, but YAML reads "
         'no (svc/blueprint.yaml:15) as false, not as that text; quote it at '
         'svc/blueprint.yaml:15: "no"'),
        (("note: ~", "note: ~\n  tag: x"),
         "error: svc/blueprint.yaml:8: values.tag=<duplicate key>: already set at line 4; YAML "
         "would silently keep only the last; remove one of them"),
        (("  - kind: WebApp", "  - kind: WebApp\n    replicas: 3"),
         "error: svc/blueprint.yaml:15: components[0].replicas=<duplicate key>: already set at "
         "line 12; YAML would silently keep only the last; remove one of them"),
        (("    port:", "    replicas: 100000000000000000000\n    port:"),
         "error: svc/blueprint.yaml:15: components[0].replicas=<duplicate key>: already set at "
         "line 14; YAML would silently keep only the last; remove one of them"),
        (('    replicas: "{{ values.replicas }}"', "    replicas: 100000000000000000000"),
         "error: svc/blueprint.yaml:14: components[0].replicas=100000000000000000000: beyond "
         "9223372036854775807, the largest number the Kubernetes API takes (int64); write a "
         "smaller number"),
    ])
    def test_refused(self, folder: Path, edit: tuple[str, str], expected: str) -> None:
        text = BLUEPRINT.replace(NOTE, 'description: "plain"')
        assert edit[0] in text
        (folder / "blueprint.yaml").write_text(text.replace(edit[0], edit[1], 1))
        assert synth(folder) == (1, expected + "\n")

    @pytest.mark.parametrize(("scalar", "shown"), [
        ("version: 1.10", "version=1.10: needs text, but YAML reads 1.10"),
        ("version: no", "version=no: needs text, but YAML reads no"),
    ])
    def test_a_file_without_templates_keeps_its_lossy_scalars(
        self, folder: Path, scalar: str, shown: str
    ) -> None:
        """No template to render: the file is taken as it is, but a lossy scalar is still
        told by its text."""
        (folder / "blueprint.yaml").write_text(
            f"apiVersion: blueprint.dev/v1\nrelease: shop\n{scalar}\ncomponents:\n"
            "  - {kind: WebApp, name: web, image: 'nginx:1.27.3'}\n")
        code, stderr = synth(folder)
        assert code == 1 and f"svc/blueprint.yaml:3: {shown} " in stderr, stderr

    def test_the_lossy_flag_never_misses_one(self) -> None:
        from blueprints.yaml.loading import Lossy, load_yaml

        assert not load_yaml("a: 1\nb: text\nc: [0, 10, true]\nd: null2\n", "f").lossy
        for text in ("1.10", "0777", "no", "~", "1e3", ".inf", "0x1F", "+1", "1.5", "True",
                     "2001-12-14", "null", "0", "-0", "1_000", "Off", "[1, {b: 1.0}]"):
            loaded = load_yaml(f"a: {text}\n", "f")
            value = loaded.value["a"]
            found = [v for v in (value if isinstance(value, list) else [value])
                     for v in ([v] if not isinstance(v, dict) else v.values())]
            assert loaded.lossy == any(isinstance(v, Lossy) for v in found), text
        assert load_yaml("a: [x, {b: 1.10}]\n", "f").lossy

    def test_quoted_values_keep_their_text(self, folder: Path) -> None:
        text = BLUEPRINT.replace('tag: "1.27.3"', 'tag: "1.20"').replace(
            "release: shop", 'release: shop\nversion: "1.10"')
        (folder / "blueprint.yaml").write_text(text.replace(NOTE, 'description: "plain"'))
        deploy = deployment(folder)
        assert image(deploy) == "nginx:1.20"
        assert deploy["metadata"]["annotations"]["blueprint.dev/release-version"] == "1.10"  # type: ignore[index]

    @pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "utf-32"])
    def test_bom_encodings_are_read(self, folder: Path, encoding: str) -> None:
        path = folder / "blueprint.yaml"
        path.write_bytes(path.read_text().encode(encoding))
        assert image(deployment(folder)) == "nginx:1.27.3"

    def test_latin1_blueprint_is_unreadable_input(self, folder: Path) -> None:
        path = folder / "blueprint.yaml"
        path.write_bytes(("# café\n" + path.read_text()).encode("latin-1"))
        assert synth(folder) == (2, (
            "error: svc/blueprint.yaml:1: encoding=byte 0xe9: not UTF-8 text; save the file as "
            "UTF-8\n"))


class TestCoreErrorsInTheFilesTerms:
    @pytest.mark.parametrize(("prop", "expected"), [
        ("runAsUser: 0",
         "error: svc/blueprint.yaml:15: components[0].runAsUser=0: runs as root (BP041); pick a "
         "non-root user ID, or pass allowRoot: true to opt out on the record"),
        ("resources: {cpu: 100m, memory: 128Mi, memoryLimit: 64Mi}",
         "error: svc/blueprint.yaml:15: components[0].resources.memoryLimit=64Mi: below the "
         "memory request 128Mi (BP040); raise the limit to at least the request"),
        ("env: {DB_HOST: 10.0.0.7}",
         "error: svc/blueprint.yaml:15: components[0].env.DB_HOST=10.0.0.7: an IP address: pods "
         "move and IPs change (BP010); use the Service name (e.g. mydb.shop.svc)"),
        ("shutdownSeconds: -1",
         "error: svc/blueprint.yaml:15: components[0].shutdownSeconds=-1: must be a whole number "
         ">= 0 (BP023); set shutdownSeconds: 0 or more"),
    ])
    def test_core_error(self, folder: Path, prop: str, expected: str) -> None:
        path = folder / "blueprint.yaml"
        path.write_text(path.read_text().replace("    port:", f"    {prop}\n    port:"))
        assert synth(folder) == (1, expected + "\n")


class TestRedaction:
    SECRET = BLUEPRINT.replace("  labels: {}", '  labels: {}\n  dbPassword: ""').replace(
        NOTE, 'env: {DB_PASSWORD: "{{ values.dbPassword }}"}')

    @pytest.mark.parametrize("given", [["--set", "dbPassword=10.1.2.3"],
                                       ["--set-string", "dbPassword=10.1.2.3"]])
    def test_set_value_is_redacted_in_a_core_error(self, folder: Path,
                                                   given: list[str]) -> None:
        (folder / "blueprint.yaml").write_text(self.SECRET)
        code, stderr = synth(folder, *given)
        assert "10.1.2.3" not in stderr
        assert (code, stderr) == (1, (
            "error: svc/blueprint.yaml:17: components[0].env.DB_PASSWORD=<redacted>: an IP "
            "address: pods move and IPs change (BP010); use the Service name (e.g. "
            "mydb.shop.svc)\n"))

    def test_values_file_secret_in_a_template_error(self, folder: Path, tmp_path: Path) -> None:
        text = self.SECRET.replace('"{{ values.dbPassword }}"',
                                   '"{{ {}[values.dbPassword] }}"')
        (folder / "blueprint.yaml").write_text(text)
        extra = tmp_path / "prod.yaml"
        extra.write_text("dbPassword: correct-horse-battery\n")
        code, stderr = synth(folder, "--values", str(extra))
        assert code == 1
        assert "correct-horse-battery" not in stderr
        assert "'dict object' has no attribute '<redacted>'" in stderr

    def test_a_template_error_never_prints_the_values_map(self, folder: Path) -> None:
        text = self.SECRET.replace('"{{ values.dbPassword }}"', '"{{ values }}"')
        (folder / "blueprint.yaml").write_text(text)
        code, stderr = synth(folder, "--set", "dbPassword=hunter2hunter2", "--set", "tag=9.9.9")
        assert (code, stderr) == (1, (
            "error: svc/blueprint.yaml:17: components[0].env.DB_PASSWORD={{ values }}: env "
            "values are strings or key references; use {secretKeyRef: {name: ..., key: ...}}\n"))

    def test_set_value_of_a_secret_key_in_a_type_error(self, folder: Path) -> None:
        text = self.SECRET.replace('dbPassword: ""', "dbPassword: 0")
        (folder / "blueprint.yaml").write_text(text)
        code, stderr = synth(folder, "--set", "dbPassword=s3cr3t-value")
        assert (code, stderr) == (1, (
            "error: --set: dbPassword=<redacted>: dbPassword is an integer (declared at "
            "svc/blueprint.yaml:10); give a value of that type\n"))



class TestRedactingLaterChecks:
    """Checks that run after rendering (the rule registry, --validate-schema) raise through the
    CLI's guard, which knows what the overlays gave to secret-looking keys."""

    def test_set_and_file_values_are_redacted(self, tmp_path: Path) -> None:
        from blueprints.errors import Problem, ValidationError
        from blueprints.yaml.values import load_values_file, parse_sets, redacting

        extra = tmp_path / "prod.yaml"
        extra.write_text("db:\n  password: from-a-file\nreplicas: 3\n")
        overlays = [load_values_file(extra, "prod.yaml"),
                    parse_sets(["apiToken=tok-123456,tag=1.2.3"])]
        with pytest.raises(ValidationError) as caught, redacting(overlays):
            raise ValidationError([
                Problem("Deployment/web", "env", "tok-123456", "holds from-a-file and 3",
                        "tag 1.2.3 stays", "BP044")])
        assert caught.value.lines() == [
            "error: Deployment/web: env=<redacted>: holds <redacted> and 3 (BP044); tag 1.2.3 "
            "stays"]


def test_a_clash_found_in_the_objects_names_the_component(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "svc"
    folder.mkdir()
    (folder / "blueprint.yaml").write_text("""apiVersion: blueprint.dev/v1
release: shop
components:
  - kind: StatefulWebApp
    name: db
    image: "postgres:16.4"
    port: 5432
    storage: {name: data, size: 1Gi, mountPath: /var/lib/postgresql/data}
  - kind: WebApp
    name: db-headless
    image: "nginx:1.27.3"
    port: 8080
""")
    assert synth(folder) == (1, (
        "error: svc/blueprint.yaml:10: components[1] Service/db-headless "
        "metadata.name=db-headless: two Service objects share the name in namespace shop "
        "(BP006); rename one component\n"))


def test_diff_takes_the_same_typed_values(folder: Path) -> None:
    result = runner.invoke(app, ["diff", str(folder), "--set", "replica=3"])
    assert (result.exit_code, result.stderr) == (1, (
        "error: --set: replica=<key>: not a declared value; did you mean replicas?\n"))
    result = runner.invoke(app, ["diff", str(folder), "--set-string", "tag=1.20"])
    assert result.exit_code == 1  # a change against the empty folder
    assert "nginx:1.20" in result.stdout


def test_a_volume_error_names_the_volumes_key(folder: Path) -> None:
    (folder / "blueprint.yaml").write_text("""apiVersion: blueprint.dev/v1
release: shop
components:
  - kind: DaemonApp
    name: agent
    image: "busybox:1.36.1"
    mounts:
      - volume: {name: logs, hostPath: {path: /var/log}}
        path: /logs
        readOnly: true
      - volume: {name: cache, emptyDir: {sizeLimit: lots}}
        path: /cache
""")
    assert synth(folder) == (1, (
        "error: svc/blueprint.yaml:11: components[0].mounts[1].volume.emptyDir.sizeLimit=lots: "
        'not a positive quantity (BP012); e.g. "1Gi"\n'))


@pytest.mark.parametrize(("sidecar", "expected"), [
    ('image: "busybox:latest"',
     "error: svc/blueprint.yaml:10: components[0].sidecars[0].image=busybox:latest: 'latest' "
     "is a moving tag (BP001); pin a version tag such as :1.27.3 or a digest"),
    ('image: "busybox:1.36.1"\n        mounts: [{volume: {name: l, emptyDir: {}}, path: rel}]',
     "error: svc/blueprint.yaml:11: components[0].sidecars[0].mounts=rel: mount paths are "
     'absolute (BP012); e.g. "/cache"'),
])
def test_a_sidecar_error_names_the_sidecars_key(folder: Path, sidecar: str,
                                               expected: str) -> None:
    (folder / "blueprint.yaml").write_text(f"""apiVersion: blueprint.dev/v1
release: shop
components:
  - kind: WebApp
    name: web
    image: "nginx:1.27.3"
    port: 8080
    sidecars:
      - name: logger
        {sidecar}
""")
    assert synth(folder) == (1, expected + "\n")


class TestValuesThatReachNothing:
    """examples/yaml/sock-shop shares settings through YAML anchors and merge keys
    (``<<: *mongo``): the merge is resolved when the file is read, before values apply, so
    ``--set mongo.replicas=3`` could only ever change nothing. It is an error, and "did you
    mean" only names values that a template reads."""

    SOCK_SHOP = Path(__file__).parent.parent / "examples" / "yaml" / "sock-shop" / "blueprint.yaml"

    @pytest.fixture
    def shop(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
        monkeypatch.chdir(tmp_path)
        folder = tmp_path / "sock-shop"
        folder.mkdir()
        (folder / "blueprint.yaml").write_text(self.SOCK_SHOP.read_text())
        return folder

    def test_a_value_used_only_through_a_merge_key_is_an_error(self, shop: Path) -> None:
        code, stderr = synth(shop, "--set", "mongo.replicas=3")
        assert code == 1
        assert stderr.startswith("error: --set: mongo.replicas=3: no template reads "
                                 "values.mongo.replicas: setting it changes nothing; YAML "
                                 "aliases and merge keys (<<: *mongo) copy values"), stderr

    def test_a_values_file_that_reaches_nothing_names_its_line(self, shop: Path) -> None:
        (shop / "prod.yaml").write_text("javaOpts: -Xmx1g\njava:\n  resources: {cpu: 500m}\n")
        code, stderr = synth(shop, "--values", str(shop / "prod.yaml"))
        assert code == 1
        assert stderr.startswith(f"error: {shop / 'prod.yaml'}:3: java.resources.cpu=500m: no "
                                 "template reads values.java.resources.cpu"), stderr

    def test_no_suggestion_that_would_change_nothing(self, shop: Path) -> None:
        code, stderr = synth(shop, "--set", "replica=3")
        assert code == 1
        assert "did you mean" not in stderr  # mongo.replicas is declared, but nothing reads it
        code, stderr = synth(shop, "--set", "javaOpt=-Xmx1g")
        assert (code, stderr.splitlines()[0]) == (
            1, "error: --set: javaOpt=<key>: not a declared value; did you mean javaOpts?")

    def test_a_value_a_template_reads_still_applies(self, shop: Path) -> None:
        code, stderr = synth(shop, "--set", "javaOpts=-Xmx1g")
        assert (code, stderr) == (0, "")
        docs = load_all((shop / "out" / "sock-shop.k8s.yaml").read_text())
        carts = next(d for d in docs if d["kind"] == "Deployment"
                     and d["metadata"]["name"] == "carts")
        env = carts["spec"]["template"]["spec"]["containers"][0]["env"]
        assert {"name": "JAVA_OPTS", "value": "-Xmx1g"} in env

    @pytest.mark.parametrize("template", [
        "{{ values.web.port }}", "{{ values.web['port'] }}", "{{ values['web'].port }}",
        "{{ (values.web.values() | list)[0] }}", "{{ values.get('web').port }}",
    ])
    def test_every_way_a_template_reads_a_value_counts(self, folder: Path,
                                                       template: str) -> None:
        blueprint = folder / "blueprint.yaml"
        blueprint.write_text(blueprint.read_text().replace(
            'port: "{{ values.web.port }}"', f'port: "{template}"'))
        assert deployment(folder, "--set", "web.port=9090")["spec"]["template"]["spec"][
            "containers"][0]["ports"][0]["containerPort"] == 9090


@pytest.mark.parametrize("depth", [10, 5000])
def test_deep_templates_with_a_set_value_never_give_a_traceback(folder: Path, depth: int) -> None:
    """Which values a template reads is found by walking its parse tree: a template nested too
    deep to walk counts as reading everything, and rendering says what is wrong with it."""
    blueprint = folder / "blueprint.yaml"
    deep = "(" * depth + "values.replicas" + ")" * depth
    blueprint.write_text(blueprint.read_text().replace(
        'replicas: "{{ values.replicas }}"', f'replicas: "{{{{ {deep} }}}}"'))
    code, stderr = synth(folder, "--set", "replicas=3")  # one line or success, never a traceback
    if depth == 10:
        assert (code, stderr) == (0, "")
    else:
        assert code == 1 and "no template reads" not in stderr

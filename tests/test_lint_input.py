"""blueprint lint on what real input holds: Lists, custom workloads, other tools' files, wrong
types, other encodings, special files; output that pipelines can trust; the configuration."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner, Result

from blueprints.cli.main import app
from blueprints.lint import lint as lint_module
from blueprints.lint.lint import lint
from blueprints.rules._objects import SelectorIndex

CORPUS = Path(__file__).parent / "lint_corpus"
HELLO = (CORPUS / "hardened" / "hello.yaml").read_text()
SARIF_SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-2.1.0-rtm.5.json").read_text())
runner = CliRunner()


def run(*args: str, stdin: bytes | str | None = None) -> Result:
    result = runner.invoke(app, ["lint", *args], input=stdin)
    # SystemExit is typer's way out; anything else escaped as a traceback.
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception)
    return result


def findings(result: Result) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(result.stdout)
    return found


def mutate(old: str, new: str, text: str = HELLO) -> tuple[str, int]:
    """``text`` with ``old`` replaced by ``new``, and the line of ``# here`` in the result."""
    assert old in text
    changed = text.replace(old, new, 1)
    line = next(i for i, row in enumerate(changed.splitlines(), 1) if "# here" in row)
    return changed, line


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


IMAGE = "          image: luksa/kubia:v1\n"


class TestEveryObjectIsRead:
    def test_list_items_are_checked_at_their_lines(self, tmp_path: Path) -> None:
        # What kubectl get deployments -o yaml prints.
        text = ("apiVersion: v1\nkind: List\nmetadata: {resourceVersion: ''}\nitems:\n"
                "- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: web, "
                "namespace: shop}\n  spec:\n    template:\n      spec:\n        containers:\n"
                "        - name: web\n          image: nginx:latest\n")
        write(tmp_path, "list.yaml", text)
        result = run(str(tmp_path), "-f", "json", "--enable", "BP001")
        assert result.exit_code == 1
        [found] = findings(result)
        assert (found["rule"], found["line"], found["kind"], found["field"]) == (
            "BP001", 13, "Deployment", "items[0].spec.template.spec.containers[0].image")

    def test_typed_lists_too(self) -> None:
        text = ("apiVersion: v1\nkind: ServiceList\nitems:\n- apiVersion: v1\n  kind: Service\n"
                "  metadata: {name: a, namespace: n}\n- apiVersion: v1\n  kind: Service\n"
                "  metadata: {name: b, namespace: n}\n")
        assert lint(["-"], stdin_text=text).objects == 2

    def test_custom_kind_with_a_pod_template_is_a_workload(self) -> None:
        # An Argo Rollout, as in argoproj/argo-rollouts examples/rollout-canary.yaml.
        text = ("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n"
                "  name: rollouts-demo\nspec:\n  replicas: 5\n  template:\n    metadata:\n"
                "      labels: {app: rollouts-demo}\n    spec:\n      containers:\n"
                "      - name: rollouts-demo\n        image: argoproj/rollouts-demo:blue\n"
                "        ports:\n        - {name: http, containerPort: 8080}\n")
        report = lint(["-"], stdin_text=text)
        assert report.objects == 1
        rules = {(f.finding.rule, f.line) for f in report.findings}
        assert {("BP016", 12), ("BP040", 12), ("BP024", 12)} <= rules

    def test_custom_kind_with_a_job_template(self) -> None:
        text = ("apiVersion: example.com/v1\nkind: ScheduledThing\nmetadata: {name: t}\n"
                "spec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n"
                "          containers:\n          - {name: t, image: busybox}\n")
        report = lint(["-"], stdin_text=text, enable=["BP001", "BP016"])
        assert [(f.finding.rule, f.line) for f in report.findings] == [("BP001", 10)]

    def test_other_custom_resources_are_skipped_and_counted(self) -> None:
        text = "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: c}\n" \
               "spec: {secretName: c}\n"
        result = run("-", stdin=text)
        assert result.exit_code == 0
        assert result.stdout.endswith("in 0 objects from 1 files; skipped: 1 custom resource\n")

    def test_a_blueprint_project_lints_only_its_release(self, tmp_path: Path) -> None:
        write(tmp_path, "blueprint.yaml", "apiVersion: blueprint.dev/v1\nrelease: shop\n"
              "components: []\n")
        write(tmp_path, "values/prod.yaml", "replicas: 3\n")
        write(tmp_path, "kustomization.yaml", "resources: [dist/shop.k8s.yaml]\n")
        write(tmp_path, "dist/shop.k8s.yaml", HELLO)
        result = run(str(tmp_path), "-v")
        assert result.exit_code == 0, result.stdout
        assert result.stdout.splitlines()[-1].endswith(
            "in 4 objects from 1 files; skipped: 2 blueprint files, 1 kustomization.yaml")
        assert f"note: {tmp_path / 'values' / 'prod.yaml'}: values of a YAML blueprint" in \
            result.stderr

    def test_other_yaml_in_a_folder_is_skipped_but_named_files_are_checked(
        self, tmp_path: Path
    ) -> None:
        compose = write(tmp_path, "docker-compose.yml", "services:\n  web: {image: nginx}\n")
        write(tmp_path, ".blueprint-lint.yaml", "disable: [BP005]\n")  # hidden: not read
        write(tmp_path, "ok.yaml", HELLO)
        result = run(str(tmp_path))
        assert result.exit_code == 0
        assert result.stdout.splitlines()[-1].endswith(
            "in 4 objects from 2 files; skipped: 1 other YAML")
        named = run(str(compose), "-f", "json")
        assert named.exit_code == 1
        assert [(f["rule"], f["line"]) for f in findings(named)] == [("manifest", 1)]

    def test_a_helm_chart_gets_a_hint(self, tmp_path: Path) -> None:
        chart = tmp_path / "charts" / "web"
        write(chart, "Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n")
        write(chart, "values.yaml", "image: nginx\n")
        write(chart, "templates/deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\n"
              "metadata:\n  name: {{ .Release.Name }}\n{{- if .Values.x }}\n")
        result = run(str(tmp_path))
        # Nothing linted but a chart: exit 2, so CI does not pass an unrendered chart as clean.
        assert result.exit_code == 2
        assert result.stderr == (f"error: lint: path={chart}: a Helm chart, not manifests: "
                                 "nothing was linted; render it first: helm template RELEASE "
                                 f"{chart} | blueprint lint -\n")
        assert "skipped: 1 Helm chart" in result.stdout
        named = run(str(chart / "Chart.yaml"))
        assert named.exit_code == 2
        assert named.stderr.startswith(f"error: lint: path={chart}: a Helm chart")
        # Beside manifests, the chart is a hint and the manifests decide the exit code.
        write(tmp_path, "ok.yaml", HELLO)
        mixed = run(str(tmp_path), "--disable", "BP005")
        assert mixed.stderr == (f"hint: {chart} is a Helm chart: render it first, helm "
                                f"template RELEASE {chart} | blueprint lint -\n")
        assert mixed.exit_code == run(str(tmp_path / "ok.yaml"), "--disable", "BP005").exit_code

    def test_real_helm_chart_folder(self) -> None:
        """cert-manager's unrendered chart (deploy/charts/cert-manager, trimmed to its
        Chart.yaml and one template): nothing to lint is an error, not a pass."""
        chart = Path(__file__).parent / "lint_corpus" / "real" / "cert-manager-chart"
        result = run(str(chart))
        assert result.exit_code == 2
        assert len(result.stderr.splitlines()) == 1
        assert result.stdout.endswith("in 0 objects from 0 files; skipped: 1 Helm chart\n")

    def test_kube_version_error_names_lint(self) -> None:
        result = run(str(CORPUS / "hardened"), "--kube-version", "1.29")
        assert result.exit_code == 2
        assert result.stderr == ("error: lint: --kube-version=1.29: blueprint targets "
                                 "Kubernetes 1.30 to 1.37; pass one of those, or leave it out "
                                 "for 1.35\n")


class TestServiceBackedPods:
    """BP022 follows the Service's targetPort. A container needs no containerPort to get
    traffic ("Not specifying a port here DOES NOT prevent that port from being exposed"), and
    targetPort defaults to port (kubernetes/kubernetes, staging/src/k8s.io/api/core/v1/types.go,
    Container.Ports and ServicePort.TargetPort)."""

    SERVICE = ("---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\n"
               "spec:\n  selector: {app: web}\n  ports:\n  - {port: 80, targetPort: 8080}\n")

    @staticmethod
    def deployment(containers: str) -> str:
        return ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n"
                "spec:\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n"
                "      containers:\n" + containers)

    def bp022(self, text: str) -> list[str]:
        return [f.finding.field for f in lint(["-"], stdin_text=text, enable=["BP022"]).findings]

    def test_pods_without_container_ports_still_drain(self) -> None:
        # The guestbook's redis-follower pattern: the Service targets a port nobody declares.
        text = self.deployment("      - {name: app, image: app:1}\n"
                               "      - {name: log, image: log:1}\n") + self.SERVICE
        assert self.bp022(text) == ["spec.template.spec.containers[0].lifecycle.preStop"]

    def test_the_targeted_container_by_number_or_name(self) -> None:
        containers = ("      - name: metrics\n        image: m:1\n        ports: "
                      "[{containerPort: 9090}]\n      - name: app\n        image: a:1\n"
                      "        ports: [{containerPort: 8080, name: http}]\n")
        assert self.bp022(self.deployment(containers) + self.SERVICE) == [
            "spec.template.spec.containers[1].lifecycle.preStop"]
        by_name = self.SERVICE.replace("targetPort: 8080", "targetPort: http")
        assert self.bp022(self.deployment(containers) + by_name) == [
            "spec.template.spec.containers[1].lifecycle.preStop"]

    def test_a_pod_no_service_selects_needs_no_pause(self) -> None:
        text = self.deployment("      - {name: app, image: app:1}\n") + self.SERVICE.replace(
            "{app: web}", "{app: other}")
        assert self.bp022(text) == []


class TestSelectorIndex:
    def test_a_pod_looks_only_at_selectors_sharing_a_rare_pair(self) -> None:
        """Every selector carries the release's labels; matching one pod must not compare it
        with each of them (that made 20,000 Services x 20,000 pods quadratic)."""
        index = SelectorIndex()
        n = 2000
        for i in range(n):
            index.add("shop", {"app.kubernetes.io/instance": "shop",
                               "app.kubernetes.io/component": "web",
                               "app.kubernetes.io/name": f"app{i}"}, i)

        class Counting(dict[str, str]):
            reads = 0

            def get(self, key: Any, default: Any = None) -> Any:
                Counting.reads += 1
                return super().get(key, default)

        labels = Counting({"app.kubernetes.io/instance": "shop",
                           "app.kubernetes.io/component": "web",
                           "app.kubernetes.io/name": "app7", "extra": "x"})
        assert index.matching("shop", labels) == [7]
        assert Counting.reads <= 3
        assert index.matching("other", labels) == []
        assert not index.matches("shop", {"app.kubernetes.io/instance": "shop"})

    def test_empty_selector_and_unhashable_namespace(self) -> None:
        index = SelectorIndex()
        index.add(["not", "a", "string"], {}, "all")
        assert index.matching(["not", "a", "string"], {"a": "b"}) == ["all"]


SARIF_CASES = {
    "no objects": "",
    "parse error": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [x\n",
}


class TestOutput:
    @pytest.mark.parametrize("text", SARIF_CASES.values(), ids=SARIF_CASES.keys())
    def test_json_and_sarif_are_always_documents(self, text: str) -> None:
        as_json = run("-", "-f", "json", stdin=text)
        assert isinstance(json.loads(as_json.stdout), list)
        sarif = run("-", "-f", "sarif", stdin=text)
        log = json.loads(sarif.stdout)
        jsonschema.validate(log, SARIF_SCHEMA)
        assert len(log["runs"][0]["results"]) == len(json.loads(as_json.stdout))
        assert as_json.exit_code == sarif.exit_code == (1 if text else 0)

    def test_parse_errors_are_findings_at_their_line_and_the_rest_is_read(self) -> None:
        text = HELLO.replace("  replicas: 3\n", "  replicas: [3\n", 1)
        line = text.splitlines().index("  selector:") + 1
        result = run("-", "-f", "json", stdin=text)
        assert result.exit_code == 1
        errors = [f for f in findings(result) if f["rule"] == "manifest"]
        assert [(f["line"], f["message"].startswith("not valid YAML")) for f in errors] == [
            (line, True)]
        text_result = run("-", stdin=text)
        # The three documents after the broken Deployment are still read.
        assert text_result.stdout.splitlines()[-1].startswith("1 errors, 0 warnings")
        assert "in 3 objects from 1 files" in text_result.stdout
        sarif = json.loads(run("-", "-f", "sarif", stdin=text).stdout)
        [located] = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "manifest"]
        assert located["locations"][0]["physicalLocation"]["region"]["startLine"] == line

    def test_exit_codes(self, tmp_path: Path) -> None:
        assert run(str(CORPUS / "hardened")).exit_code == 0
        assert run(str(CORPUS / "bad" / "BP001.yaml")).exit_code == 1
        assert run(str(tmp_path / "missing.yaml")).exit_code == 2
        assert run(str(CORPUS / "hardened"), "--enable", "BP999").exit_code == 2
        assert run(str(CORPUS / "hardened"), "--format", "xml").exit_code == 2
        assert run(str(CORPUS / "hardened"), "--kube-version", "1.2").exit_code == 2


class TestSuppressions:
    @pytest.mark.parametrize(("entry", "what"), [
        ("BP024", "no reason after the ID: it suppresses nothing"),
        ("bp024: legacy", "not a practice ID (IDs are upper case: BP024)"),
        ("BP999: nope", "not a practice ID"),
    ])
    def test_a_malformed_suppression_is_a_warning_at_its_line(self, entry: str,
                                                              what: str) -> None:
        text, line = mutate("  annotations:\n", f'  annotations:\n    blueprint.dev/ignore: '
                            f'"{entry}"  # here\n')
        result = run("-", "-f", "json", stdin=text)
        [found] = [f for f in findings(result) if f["rule"] == "suppression"]
        assert (found["severity"], found["line"], found["message"].split(";")[0]) == (
            "warning", line, what)
        assert run("-", "--strict", stdin=text).exit_code == 1

    def test_a_good_suppression_is_quiet(self) -> None:
        text, _ = mutate("  annotations:\n", '  annotations:\n    blueprint.dev/ignore: '
                         '"BP024: legacy; BP040,BP041: vendor image"  # here\n')
        result = run("-", "-f", "json", stdin=text)
        assert [f for f in findings(result) if f["rule"] == "suppression"] == []


class TestConfiguration:
    BAD = str(CORPUS / "bad" / "BP024.yaml")  # a warning (BP024), exit 0 unless --strict

    def test_pyproject_table_is_found_from_the_working_directory(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n\n[tool.blueprint.lint]\n'
              'disable = ["BP005"]\nseverity = {BP024 = "error"}\n'
              'ignore-paths = ["vendor/*"]\n')
        write(tmp_path, "deploy/bad.yaml", (CORPUS / "bad" / "BP024.yaml").read_text())
        write(tmp_path, "vendor/x.yaml", "kind: [broken\n")
        (tmp_path / "deploy" / "sub").mkdir()
        monkeypatch.chdir(tmp_path / "deploy" / "sub")
        result = run(str(tmp_path), "-f", "json")
        found = findings(result)
        assert result.exit_code == 1
        assert {f["rule"] for f in found} >= {"BP024"}
        assert "BP005" not in {f["rule"] for f in found}
        assert {f["severity"] for f in found if f["rule"] == "BP024"} == {"error"}
        assert not any("vendor" in f["file"] for f in found)

    def test_yaml_file_and_explicit_config(self, tmp_path: Path) -> None:
        config = write(tmp_path, ".blueprint-lint.yaml", "enable: [BP024]\n")
        result = run(self.BAD, "--config", str(config), "-f", "json")
        assert {f["rule"] for f in findings(result)} == {"BP024"}

    @pytest.mark.parametrize(("text", "message"), [
        ("colour: red\n", "colour=red: unknown key; use enable, disable, severity, "
                          "ignore-paths"),
        ("disable: BP005\n", "disable=BP005: not a list of strings"),
        ("severity: {BP005: fatal}\n", "severity.BP005=fatal: not a severity"),
        ("enable: [BP0]\n", "enable=BP0: no such practice"),
    ])
    def test_a_bad_configuration_is_one_line_exit_2(self, tmp_path: Path, text: str,
                                                    message: str) -> None:
        config = write(tmp_path, ".blueprint-lint.yaml", text)
        result = run(self.BAD, "--config", str(config))
        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1
        assert result.stderr.startswith(f"error: {config}: {message}")


# Each hostile value with the line it is on (# here), as a finding of the manifest rule.
HOSTILE = {
    "command: 5": (IMAGE, IMAGE + "          command: 5  # here\n"),
    "args: 5": (IMAGE, IMAGE + "          args: 5  # here\n"),
    "env: 5": (IMAGE, IMAGE + "          env: 5  # here\n"),
    "ports: 5": ("          ports:\n            - name: http\n              containerPort: 8080"
                 "\n              protocol: TCP\n", "          ports: 5  # here\n"),
    "volumes: 5": ("      containers:\n", "      volumes: 5  # here\n      containers:\n"),
    "volumeMounts: 5": (IMAGE, IMAGE + "          volumeMounts: 5  # here\n"),
    "namespace list": ("  name: hello\n  namespace: hello\n",
                       "  name: hello\n  namespace: [a, b]  # here\n"),
    "name list": ("  name: hello\n", "  name: [hello]  # here\n"),
    "quantity overflow": ('              memory: "128Mi"\n',
                          "              memory: 1e99999999999  # here\n"),
    "5000 digits": ("                seconds: 5\n", "                seconds: " + "9" * 5000
                    + "  # here\n"),
    "!!int ''": ("  replicas: 3\n", "  replicas: !!int ''  # here\n"),
    "!!float ''": ("  replicas: 3\n", "  replicas: !!float ''  # here\n"),
    "!!bool ''": ("      automountServiceAccountToken: false\n",
                  "      automountServiceAccountToken: !!bool ''  # here\n"),
    "bad timestamp": ("  replicas: 3\n", "  replicas: !!timestamp 'tuesday'  # here\n"),
    "duplicate key": ("  replicas: 3\n", "  replicas: 3\n  replicas: 4  # here\n"),
    "label not a string": ("        app.kubernetes.io/version: v1\n",
                           "        app.kubernetes.io/version: 1.0  # here\n"),
}


class TestHostileInput:
    @pytest.mark.parametrize(("old", "new"), HOSTILE.values(), ids=HOSTILE.keys())
    def test_wrong_values_are_findings_at_their_line(self, old: str, new: str) -> None:
        text, line = mutate(old, new)
        result = run("-", "-f", "json", stdin=text)
        assert result.exit_code == 1
        found = findings(result)
        assert ("manifest", line) in {(f["rule"], f["line"]) for f in found}, found
        assert all(f["rule"] != "manifest" or f["severity"] == "error" for f in found)
        # No rule fell over on it: a crash would be reported at the object, field <object>.
        assert [f for f in found if f["field"] == "<object>"] == []
        for fmt in ("text", "sarif"):
            assert run("-", "-f", fmt, stdin=text).exit_code == 1

    def test_a_rule_that_fails_is_a_finding_not_a_traceback(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from blueprints.rules import RULES, Rule

        def broken(manifest: Any, context: Any) -> Iterator[Any]:
            raise TypeError("'int' object is not iterable")
            yield

        monkeypatch.setitem(RULES, "BP005", [Rule("BP005", "broken", object_check=broken)])
        result = run(str(CORPUS / "hardened"), "-f", "json", "--enable", "BP005")
        assert result.exit_code == 1
        assert {(f["rule"], f["field"], f["severity"]) for f in findings(result)} == {
            ("BP005", "<object>", "error")}

    @pytest.mark.parametrize("codec", ["utf-16", "utf-8-sig", "utf-32"])
    def test_unicode_with_a_byte_order_mark_is_read(self, codec: str, tmp_path: Path) -> None:
        plain = findings(run(str(CORPUS / "bad" / "BP001.yaml"), "-f", "json"))
        encoded = (CORPUS / "bad" / "BP001.yaml").read_text().encode(codec)
        from_file = findings(run(str(write(tmp_path, "x.yaml", encoded)), "-f", "json"))
        from_stdin = findings(run("-", "-f", "json", stdin=encoded))
        assert [(f["rule"], f["line"]) for f in from_file] == [
            (f["rule"], f["line"]) for f in plain] == [(f["rule"], f["line"]) for f in from_stdin]

    def test_latin_1_is_a_finding_at_its_line_and_the_rest_is_read(self) -> None:
        text, line = mutate('    blueprint.dev/release-version: "1.0.0"\n',
                            '    blueprint.dev/owner: "Zoë"  # here\n')
        result = run("-", "-f", "json", stdin=text.encode("latin-1"))
        assert result.exit_code == 1
        found = findings(result)
        assert [(f["line"], f["message"].split(":")[0]) for f in found
                if f["rule"] == "manifest"] == [(line, "not UTF-8 (Latin-1?)")]
        assert "in 4 objects from 1 files" in run("-", stdin=text.encode("latin-1")).stdout

    def test_special_files_in_a_folder_are_skipped(self, tmp_path: Path) -> None:
        write(tmp_path, "ok.yaml", HELLO)
        os.mkfifo(tmp_path / "pipe.yaml")  # opening it would wait for a writer forever
        (tmp_path / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
        result = run(str(tmp_path), "-v")
        assert result.exit_code == 0
        assert f"note: {tmp_path / 'pipe.yaml'}: a FIFO, skipped" in result.stderr
        assert f"note: {tmp_path / 'gone.yaml'}: a broken symbolic link, skipped" in \
            result.stderr
        assert "skipped: 1 broken symbolic link, 1 special file" in result.stdout

    @pytest.mark.parametrize("target", ["fifo", "/dev/zero", "big"])
    def test_special_or_huge_files_named_are_one_line_exit_2(self, target: str,
                                                             tmp_path: Path) -> None:
        if target == "fifo":
            path = str(tmp_path / "pipe.yaml")
            os.mkfifo(path)
        elif target == "big":
            path = str(tmp_path / "big.yaml")
            with open(path, "wb") as sparse:
                sparse.truncate(200 * 2**20)
        else:
            path = target
        result = run(path)
        assert result.exit_code == 2
        assert re.fullmatch(r"error: lint: .*: (a FIFO|a device), not a regular file; .*\n"
                            r"|error: lint: .*: 200 MiB, larger than 64 MiB; split the file\n",
                            result.stderr), result.stderr

    def test_sarif_tells_which_inputs_could_not_be_read(self, tmp_path: Path) -> None:
        write(tmp_path, "ok.yaml", HELLO)
        os.mkfifo(tmp_path / "pipe.yaml")
        result = run(str(tmp_path / "ok.yaml"), str(tmp_path / "pipe.yaml"), "-f", "sarif")
        assert result.exit_code == 2
        log = json.loads(result.stdout)
        jsonschema.validate(log, SARIF_SCHEMA)
        [invocation] = log["runs"][0]["invocations"]
        assert invocation["executionSuccessful"] is False
        assert [n["message"]["text"] for n in invocation["toolExecutionNotifications"]] == [
            f"lint: {tmp_path / 'pipe.yaml'}: a FIFO, not a regular file; pass files, folders "
            "or - for stdin"]

    def test_unreadable_file_is_one_line_exit_2(self, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
        write(tmp_path, "ok.yaml", HELLO)
        secret = write(tmp_path, "secret.yaml", HELLO)
        real_open = os.open

        def deny(path: Any, *args: Any, **kwargs: Any) -> int:
            if Path(path) == secret:
                raise PermissionError(13, "Permission denied")
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(lint_module.os, "open", deny)
        result = run(str(tmp_path))
        assert result.exit_code == 2
        assert result.stderr == f"error: lint: {secret}: cannot read it: permission denied\n"
        assert "in 4 objects from 1 files" in result.stdout

    def test_stdin_is_bounded(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(lint_module, "MAX_BYTES", 1000)
        result = run("-", stdin=HELLO)
        assert (result.exit_code, result.stderr) == (
            2, "error: lint: <stdin>: larger than 0 MiB; split the input\n")


def test_readme_configuration_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    write(tmp_path, "pyproject.toml", readme.split("```toml\n", 1)[1].split("```", 1)[0])
    write(tmp_path, "deploy/bad.yaml", (CORPUS / "bad" / "BP024.yaml").read_text())
    write(tmp_path, "vendor/broken.yaml", "kind: [broken\n")
    monkeypatch.chdir(tmp_path)
    result = run(".", "-f", "json")
    found = findings(result)
    assert result.exit_code == 1  # BP024 is an error here
    assert {f["severity"] for f in found if f["rule"] == "BP024"} == {"error"}
    assert {f["rule"] for f in found}.isdisjoint({"BP005", "manifest"})


class TestDocuments:
    """The reader: strict (values and configuration files), lenient in lint."""

    TEXT = "a: 1\nb:\n  c: !!int ''\na: 2\n"

    def test_strict_stops_at_the_first_problem_with_its_line(self) -> None:
        from blueprints.lint.documents import parse_documents

        documents, problem = parse_documents(self.TEXT)
        assert (documents, problem and problem.line) == ([], 3)

    def test_lenient_reads_on_and_keeps_every_problem(self) -> None:
        from blueprints.lint.documents import parse_stream

        [document], syntax = parse_stream(self.TEXT)
        assert syntax == []
        assert document.value == {"a": 2, "b": {"c": ""}}
        assert [(p.line, p.message.split(":")[0]) for p in document.problems] == [
            (3, "!!int ''"), (4, "duplicate key 'a' (first at line 1)")]
        assert (document.line_of("b.c"), document.line_of("a"), document.line_of("b.x")) == (
            3, 4, 2)

    def test_large_input_read_in_two_halves_reads_the_same(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Over 2 MiB, the second half is parsed in a forked child: same documents, indexes,
        lines and problems as one pass, syntax errors in either half included."""
        from blueprints.lint import documents

        monkeypatch.setattr(documents, "_can_fork", lambda: True)  # even on one core
        halves_taken = []
        real = documents._parse_halves
        monkeypatch.setattr(documents, "_parse_halves",
                            lambda *a: halves_taken.append(1) or real(*a))

        text = ("---\n" + HELLO) * 700
        lines = text.splitlines()
        lines[100] = "  bad: [unclosed"
        lines[len(lines) * 3 // 4] = "  dup: !!int ''"
        data = ("\n".join(lines) + "\n").encode()
        assert len(data) > documents._PARALLEL_BYTES
        halves = documents.parse_stream(data)
        whole, problems, _ = documents._parse_serial(data, True)
        whole = [d for d in whole if d.value is not None]
        assert halves[1] == problems and len(problems) == 1
        assert [(d.index, d.line, d.value, d.tree, d.problems) for d in halves[0]] == [
            (d.index, d.line, d.value, d.tree, d.problems) for d in whole]
        assert any(d.problems for d in whole[len(whole) // 2:])  # one in the second half
        assert halves_taken == [1]

    def test_a_duplicate_key_in_a_blueprint_is_refused(self, tmp_path: Path) -> None:
        write(tmp_path, "blueprint.yaml", "apiVersion: blueprint.dev/v1\nrelease: shop\n"
              "release: other\ncomponents: []\n")
        result = runner.invoke(app, ["synth", str(tmp_path)])
        assert result.exit_code == 1
        assert result.stderr.count("\n") == 1
        assert re.match(r"error: \S*blueprint\.yaml:3: .*duplicate.*line 2", result.stderr), \
            result.stderr
        assert not (tmp_path / "dist").exists()


def test_closed_stdin_is_one_line_exit_2() -> None:
    import shutil
    import subprocess
    import sys

    blueprint = shutil.which("blueprint", path=str(Path(sys.executable).parent)) or "blueprint"
    done = subprocess.run([blueprint, "lint", "-"], stdin=None,
                          capture_output=True, text=True, check=False,
                          preexec_fn=lambda: os.close(0))
    assert (done.returncode, done.stderr) == (2, (
        "error: lint: PATH=-: cannot read standard input: bad file descriptor; pipe manifests "
        "in, or pass files\n"))


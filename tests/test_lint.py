"""blueprint lint: the corpus, line numbers, formats, suppression and bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from blueprints.cli.main import app
from blueprints.kube import DEFAULT
from blueprints.lint.lint import lint
from blueprints.practices import Severity
from blueprints.release.synth import synthesize
from tests.conftest import EXAMPLE_NAMES, EXAMPLES

CORPUS = Path(__file__).parent / "lint_corpus"
SEEDS = CORPUS / "seeds"
BAD = sorted((CORPUS / "bad").glob("BP*.yaml"))
runner = CliRunner()


def relative(path: Path) -> str:
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


@pytest.fixture(autouse=True)
def _from_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).parent.parent)  # stable relative paths in snapshots


class TestCorpus:
    @pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
    def test_bad_manifest_caught_with_rule_and_line(self, path: Path) -> None:
        rule = path.stem
        text = path.read_text()
        expected = next(i for i, line in enumerate(text.splitlines(), 1)
                        if line.endswith(f"# expect {rule}"))
        found = [(f.finding.rule, f.line) for f in lint([str(path)]).findings]
        assert (rule, expected) in found

    def test_hardened_manifest_is_clean(self) -> None:
        report = lint([str(CORPUS / "hardened")])
        assert report.objects == 4
        assert [f.text() for f in report.findings if f.finding.severity != Severity.INFO] == []

    def test_seeds_text(self, snapshot_yaml: Any) -> None:
        result = runner.invoke(app, ["lint", "tests/lint_corpus/seeds"])
        assert result.exit_code == 1
        assert snapshot_yaml == result.stdout

    def test_seeds_json(self, snapshot_yaml: Any) -> None:
        result = runner.invoke(app, ["lint", "tests/lint_corpus/seeds", "--format", "json"])
        assert result.exit_code == 1
        assert snapshot_yaml == result.stdout

    def test_seeds_findings_a_reviewer_expects(self) -> None:
        found = {(Path(f.file).name, f.finding.rule, f.finding.field)
                 for f in lint([str(SEEDS)]).findings}
        expected = {
            ("02-pod-configmap-pod.yaml", "BP001", "spec.containers[0].image"),  # busybox
            ("10-pod-prestop-demo.yaml", "BP001", "spec.containers[0].image"),  # nginx
            ("04-pod-test-webserver.yaml", "BP013", "spec.containers[0].volumeMounts[0].readOnly"),
            ("04-pod-test-webserver.yaml", "BP012", "spec.volumes[0].hostPath"),
            ("10-pod-prestop-demo.yaml", "BP016", "spec.containers[0].readinessProbe"),
            ("01-service-nginx-statefulset-service.yaml", "BP030",
             "spec.template.spec.containers[0].image"),  # k8s.gcr.io
            ("05-pod-myapp-pod.yaml", "BP027", "spec.containers[0].command"),
            ("08-pod-pod-with-poststart-hook.yaml", "BP020", "spec.containers[0].lifecycle.postStart"),
            ("10-pod-prestop-demo.yaml", "BP010", "spec.dnsPolicy"),
        }
        assert expected <= found

    @pytest.mark.parametrize("name", EXAMPLE_NAMES)
    def test_synthesized_examples_lint_clean(self, name: str, tmp_path: Path) -> None:
        result = synthesize(EXAMPLES / name, kube_version=DEFAULT)
        for file, text in result.files.items():
            (tmp_path / file).write_text(text)
        report = lint([str(tmp_path)])
        assert [f.text() for f in report.findings if f.finding.severity != Severity.INFO] == []


class TestFormats:
    def test_json_fields(self) -> None:
        result = runner.invoke(app, ["lint", "tests/lint_corpus/bad/BP001.yaml", "-f", "json"])
        findings = json.loads(result.stdout)
        first = next(f for f in findings if f["rule"] == "BP001")
        assert sorted(first) == ["field", "file", "index", "kind", "line", "message", "name",
                                 "rule", "severity"]
        assert (first["file"], first["line"], first["index"], first["kind"], first["field"]) == (
            "tests/lint_corpus/bad/BP001.yaml", 51, 0, "Deployment",
            "spec.template.spec.containers[0].image")

    def test_sarif_validates_against_the_schema(self) -> None:
        result = runner.invoke(app, ["lint", "tests/lint_corpus/seeds", "-f", "sarif",
                                     "--show-suppressed"])
        log = json.loads(result.stdout)
        schema = json.loads((Path(__file__).parent / "data" / "sarif-2.1.0-rtm.5.json").read_text())
        jsonschema.validate(log, schema)
        run = log["runs"][0]
        rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
        assert rules["BP001"]["helpUri"] == "https://blueprint.dev/explain/BP001"
        assert rules["BP001"]["shortDescription"]["text"] and rules["BP001"]["fullDescription"]
        locations = [r["locations"][0]["physicalLocation"] for r in run["results"]]
        assert all(loc["region"]["startLine"] >= 1 for loc in locations)
        assert locations[0]["artifactLocation"]["uri"].startswith("tests/lint_corpus/seeds/")


class TestOptions:
    def test_strict_fails_on_warnings(self) -> None:
        path = "tests/lint_corpus/bad/BP024.yaml"
        assert runner.invoke(app, ["lint", path]).exit_code == 0
        assert runner.invoke(app, ["lint", path, "--strict"]).exit_code == 1

    def test_enable_and_disable(self) -> None:
        only = lint([str(SEEDS)], enable=["BP001"])
        # What the API server refuses (the manifest pseudo-rule) is no practice: always shown.
        assert {f.finding.rule for f in only.findings} == {"BP001", "manifest"}
        without = lint([str(SEEDS)], disable=["BP001", "BP041"])
        assert {"BP001", "BP041"}.isdisjoint({f.finding.rule for f in without.findings})

    def test_unknown_rule(self) -> None:
        result = runner.invoke(app, ["lint", str(SEEDS), "--enable", "BP999"])
        assert (result.exit_code, result.stderr) == (2, (
            "error: lint: --enable/--disable=BP999: no such practice; run blueprint explain "
            "for the list\n"))

    def test_suppression_and_show_suppressed(self, tmp_path: Path) -> None:
        text = (CORPUS / "bad" / "BP024.yaml").read_text().replace(
            "  annotations:\n", '  annotations:\n    blueprint.dev/ignore: "BP024: legacy"\n', 1)
        path = tmp_path / "x.yaml"
        path.write_text(text)
        assert "BP024" not in {f.finding.rule for f in lint([str(path)]).findings}
        shown = [f for f in lint([str(path)], show_suppressed=True).findings
                 if f.finding.rule == "BP024"]
        assert [f.finding.suppressed for f in shown] == ["legacy"]
        assert shown[0].text().endswith("[suppressed: legacy]")

    def test_stdin(self) -> None:
        text = (CORPUS / "bad" / "BP001.yaml").read_text()
        result = runner.invoke(app, ["lint", "-", "-f", "json"], input=text)
        assert result.exit_code == 1
        assert {f["file"] for f in json.loads(result.stdout)} == {"<stdin>"}


class TestBadInput:
    def test_not_yaml_reported_and_others_linted(self, tmp_path: Path) -> None:
        (tmp_path / "a.yaml").write_text("kind: [unclosed\n")
        (tmp_path / "b.yaml").write_text((CORPUS / "hardened" / "hello.yaml").read_text())
        result = runner.invoke(app, ["lint", str(tmp_path)])
        assert result.exit_code == 1
        assert result.stderr == ""
        assert result.stdout.startswith(f"{tmp_path / 'a.yaml'}:2: error: <file>/a.yaml: "
                                        "<yaml>=<missing>: not valid YAML: ")
        assert "1 errors, " in result.stdout and "in 4 objects from 2 files" in result.stdout

    def test_document_without_kind(self, tmp_path: Path) -> None:
        (tmp_path / "a.yaml").write_text("apiVersion: v1\nmetadata: {name: x}\n---\n- 1\n")
        findings = lint([str(tmp_path)]).findings
        assert [(f.finding.rule, f.line, f.finding.severity) for f in findings] == [
            ("manifest", 1, Severity.ERROR), ("manifest", 4, Severity.ERROR)]

    def test_custom_resources_are_skipped_with_a_note(self, tmp_path: Path) -> None:
        (tmp_path / "a.yaml").write_text("apiVersion: example.com/v1\nkind: Widget\n"
                                         "metadata: {name: w}\n")
        result = runner.invoke(app, ["lint", str(tmp_path), "--verbose"])
        assert result.exit_code == 0
        assert "note: " in result.stderr and "Widget (example.com/v1) is not a built-in kind" \
            in result.stderr

    def test_empty_input(self, tmp_path: Path) -> None:
        (tmp_path / "empty.yaml").write_text("")
        result = runner.invoke(app, ["lint", str(tmp_path)])
        assert (result.exit_code, result.stderr) == (
            0, f"no Kubernetes objects found in {tmp_path}\n")

    def test_binary_file_skipped(self, tmp_path: Path) -> None:
        (tmp_path / "blob.yaml").write_bytes(b"\x00\x01\x02kind")
        result = runner.invoke(app, ["lint", str(tmp_path), "-v"])
        assert result.exit_code == 0
        assert f"note: {tmp_path / 'blob.yaml'}: binary file, skipped" in result.stderr

    def test_missing_path(self, tmp_path: Path) -> None:
        result = runner.invoke(app, ["lint", str(tmp_path / "nope")])
        assert result.exit_code == 2
        assert re.fullmatch(r"error: lint: PATH=.*nope: no such file or directory; .*\n",
                            result.stderr)


@settings(max_examples=200, deadline=None)
@given(st.one_of(
    st.text(max_size=200),
    st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10)),
                 lambda c: st.one_of(st.lists(c, max_size=3),
                                     st.dictionaries(st.sampled_from(
                                         ["apiVersion", "kind", "metadata", "spec", "name",
                                          "containers", "template", "image", "labels"]),
                                         c, max_size=4)),
                 max_leaves=15).map(json.dumps),
))
def test_random_input_never_raises(text: str) -> None:
    report = lint(["-"], stdin_text=text)
    assert report.files == 1

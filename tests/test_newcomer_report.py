"""A newcomer's trial (TeaStore as a blueprint): mount paths, memory quantities, messages and
``--env`` for a blueprint.py, each as the user meets it, through the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from blueprints.cli.main import app
from blueprints.errors import Problem
from blueprints.release.output import MARKER
from tests.conftest import load_all

runner = CliRunner()
IMAGE = "nginxinc/nginx-unprivileged:1.27.3"
HEADER = ("from blueprints import (App, Ingress, Mount, Release, Resources, Sidecar, "
          "StatefulWebApp, Storage, Volume, WebApp)\n"
          "app = App()\nshop = Release(app, 'shop', version='1.0.0')\n")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """A blueprint folder made of HEADER + body, with a previous output in dist/."""
    monkeypatch.chdir(tmp_path)

    def make(body: str) -> Path:
        folder = tmp_path / "svc"
        folder.mkdir()
        (folder / "blueprint.py").write_text(HEADER + body + "app.synth()\n")
        (folder / "dist").mkdir()
        (folder / "dist" / "shop.k8s.yaml").write_text(f"{MARKER}previous output\n")
        return folder

    return make


def refused(folder: Path) -> str:
    """Synth refuses the blueprint with exactly one line, and writes nothing."""
    result = runner.invoke(app, ["synth", str(folder)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert (folder / "dist" / "shop.k8s.yaml").read_text() == f"{MARKER}previous output\n"
    (line,) = result.stderr.splitlines()
    return line


STATEFUL = f"StatefulWebApp(shop, 'db', image='{IMAGE}', port=3306, "

# case -> (body, the one stderr line)
DUPLICATE_MOUNTS: dict[str, tuple[str, str]] = {
    "a writable path where the storage mounts (the TeaStore report)": (
        STATEFUL + "writable_paths=['/run/mysqld', '/tmp', '/var/lib/mysql'], "
        "storage=Storage(name='data', size='1Gi', mount_path='/var/lib/mysql'))\n",
        "error: shop/db: storage.mount_path=/var/lib/mysql: two volumes mounted at one path: "
        "writable_paths=/var/lib/mysql mounts there too (BP012); mount each volume at its own "
        "path"),
    "two storages at one path, one with a trailing slash": (
        STATEFUL + "storage=[Storage(name='a', size='1Gi', mount_path='/data'), "
        "Storage(name='b', size='1Gi', mount_path='/data/')])\n",
        "error: shop/db: storage.mount_path=/data/: two volumes mounted at one path: "
        "storage.mount_path=/data mounts there too (BP012); mount each volume at its own path"),
    "a trailing slash": (
        f"WebApp(shop, 'web', image='{IMAGE}', writable_paths=['/tmp', '/tmp/'])\n",
        "error: shop/web: writable_paths=/tmp/: two volumes mounted at one path: "
        "writable_paths=/tmp mounts there too (BP012); mount each volume at its own path"),
    "a double slash": (
        f"WebApp(shop, 'web', image='{IMAGE}', writable_paths=['/var/cache', '//var/cache'])\n",
        "error: shop/web: writable_paths=//var/cache: two volumes mounted at one path: "
        "writable_paths=/var/cache mounts there too (BP012); mount each volume at its own path"),
    "a dot": (
        f"WebApp(shop, 'web', image='{IMAGE}', writable_paths=['/tmp'], "
        "mounts=[Mount(Volume.empty_dir('cache'), '/./tmp')])\n",
        "error: shop/web: web.mounts=/./tmp: two volumes mounted at one path: "
        "writable_paths=/tmp mounts there too (BP012); mount each volume at its own path"),
    "a mount where the storage mounts": (
        STATEFUL + "mounts=[Mount(Volume.empty_dir('x'), '/data')], "
        "storage=Storage(name='data', size='1Gi', mount_path='/data'))\n",
        "error: shop/db: storage.mount_path=/data: two volumes mounted at one path: "
        "db.mounts=/data mounts there too (BP012); mount each volume at its own path"),
    "a sidecar's two volumes": (
        f"WebApp(shop, 'web', image='{IMAGE}', sidecars=[Sidecar(name='log', "
        "image='busybox:1.36.1', mounts=[Mount(Volume.empty_dir('a'), '/logs'), "
        "Mount(Volume.empty_dir('b'), '/logs/')])])\n",
        "error: shop/web: log.mounts=/logs/: two volumes mounted at one path: log.mounts=/logs "
        "mounts there too (BP012); mount each volume at its own path"),
}


class TestDuplicateMountPaths:
    @pytest.mark.parametrize("case", sorted(DUPLICATE_MOUNTS))
    def test_refused_at_synth(self, case: str, project: Callable[[str], Path]) -> None:
        body, expected = DUPLICATE_MOUNTS[case]
        assert refused(project(body)) == expected

    def test_a_sidecar_may_use_the_main_containers_path(
            self, project: Callable[[str], Path]) -> None:
        folder = project(f"WebApp(shop, 'web', image='{IMAGE}', writable_paths=['/tmp'], "
                         "sidecars=[Sidecar(name='log', image='busybox:1.36.1', "
                         "mounts=[Mount(Volume.empty_dir('a'), '/tmp')])])\n")
        assert runner.invoke(app, ["synth", str(folder)]).exit_code == 0

    @staticmethod
    def pod(*paths: str) -> str:
        mounts = "".join(f"    - {{name: v{i}, mountPath: '{p}'}}\n" for i, p in enumerate(paths))
        volumes = "".join(f"  - {{name: v{i}, emptyDir: {{}}}}\n" for i in range(len(paths)))
        return ("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n"
                "  containers:\n  - name: app\n    image: nginx:1.27.3\n    volumeMounts:\n"
                f"{mounts}  volumes:\n{volumes}")

    def lint(self, tmp_path: Path, *paths: str) -> tuple[int, list[dict[str, object]]]:
        (tmp_path / "pod.yaml").write_text(self.pod(*paths))
        result = runner.invoke(app, ["lint", str(tmp_path / "pod.yaml"), "-f", "json",
                                     "--enable", "BP012"])
        return result.exit_code, json.loads(result.stdout)

    def test_lint_flags_a_path_the_api_server_refuses(self, tmp_path: Path) -> None:
        """The API server refuses equal mountPaths in a container: ValidateVolumeMounts in
        kubernetes/kubernetes pkg/apis/core/validation/validation.go ("must be unique")."""
        code, findings = self.lint(tmp_path, "/data", "/cache", "/data")
        assert code == 1
        assert [(f["rule"], f["severity"], f["field"]) for f in findings] == [
            ("BP012", "error", "spec.containers[0].volumeMounts[2].mountPath")]
        assert "the API server refuses" in str(findings[0]["message"])

    def test_lint_warns_about_paths_equal_once_normalised(self, tmp_path: Path) -> None:
        code, findings = self.lint(tmp_path, "/tmp", "/tmp/")
        assert [(f["severity"], f["field"]) for f in findings] == [
            ("warning", "spec.containers[0].volumeMounts[1].mountPath")]
        assert code == 0

    def test_lint_passes_distinct_paths(self, tmp_path: Path) -> None:
        assert self.lint(tmp_path, "/tmp", "/tmp/a", "/data") == (0, [])


MEMORY: dict[str, tuple[str, str]] = {
    "a number": (
        "memory=512",
        "error: shop/web: resources.memory=512: must be a str, got int 512; write it with a "
        'unit: resources.memory="512Mi" (a bare number is bytes)'),
    "a number in quotes: bytes": (
        "memory='512'",
        "error: shop/web: resources.memory=512: 512 bytes (a bare number is bytes), below the "
        "4Mi that container runtimes start a container with (BP040); write it with a unit: "
        'resources.memory="512Mi"'),
    "a limit below 4Mi": (
        "memory='4Mi', memory_limit='3Mi'",
        "error: shop/web: resources.memory_limit=3Mi: below 4Mi: container runtimes refuse to "
        "start a container limited to so little (Docker: below 6MB) (BP040); give it at least "
        '4Mi: resources.memory_limit="64Mi"'),
    "millicores as a number": (
        "cpu=250",
        "error: shop/web: resources.cpu=250: must be a str, got int 250; quote it: "
        'resources.cpu="250m" for millicores, or "250" for cores'),
}


class TestMemory:
    @pytest.mark.parametrize("case", sorted(MEMORY))
    def test_refused_with_a_unit_to_write(self, case: str,
                                          project: Callable[[str], Path]) -> None:
        resources, expected = MEMORY[case]
        folder = project(f"WebApp(shop, 'web', image='{IMAGE}', "
                         f"resources=Resources({resources}))\n")
        assert refused(folder) == expected

    def test_4mi_is_accepted(self, project: Callable[[str], Path]) -> None:
        folder = project(f"WebApp(shop, 'web', image='{IMAGE}', "
                         "resources=Resources(memory='4Mi'))\n")
        assert runner.invoke(app, ["synth", str(folder)]).exit_code == 0

    def test_lint_warns_with_the_reason(self, tmp_path: Path) -> None:
        (tmp_path / "pod.yaml").write_text(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n"
            "  containers:\n  - name: app\n    image: nginx:1.27.3\n    resources:\n"
            "      requests: {cpu: 100m, memory: '512'}\n      limits: {memory: 128Mi}\n")
        path = str(tmp_path / "pod.yaml")
        result = runner.invoke(app, ["lint", path, "--enable", "BP040"])
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines()[0].endswith(
            "warning: Pod/p: spec.containers[0].resources.requests.memory=512: 512 bytes (a bare "
            "number is bytes), below the 4Mi that container runtimes start a container with "
            '(BP040); write it with a unit, e.g. "512Mi"')
        assert runner.invoke(app, ["lint", path, "--enable", "BP040", "--strict"]).exit_code == 1


MESSAGES: dict[str, tuple[str, str]] = {
    "a string where an exposure belongs": (
        f"WebApp(shop, 'web', image='{IMAGE}', expose='ingress')\n",
        'error: shop/web: expose="ingress": must be an Ingress, a HTTPRoute, a LoadBalancer or '
        "a NodePort, or a list of them, got str 'ingress'; pass expose=Ingress(host=...), or "
        "one of HTTPRoute, LoadBalancer, NodePort"),
    "an Ingress host written as a URL": (
        f"WebApp(shop, 'web', image='{IMAGE}', "
        "expose=Ingress(host='https://teastore.example.com/'))\n",
        "error: shop/web: expose.host=https://teastore.example.com/: must be a DNS-1123 "
        "subdomain: lowercase labels joined by '.' (BP006); write the host name alone, without "
        "scheme, port or path: host='teastore.example.com'"),
    "an Ingress host that is no host": (
        f"WebApp(shop, 'web', image='{IMAGE}', expose=Ingress(host='Tea_Store'))\n",
        "error: shop/web: expose.host=Tea_Store: must be a DNS-1123 subdomain: lowercase labels "
        "joined by '.' (BP006); write a host name, e.g. host='shop.example.com'"),
    "a port in quotes": (
        f"WebApp(shop, 'web', image='{IMAGE}', port='3306')\n",
        "error: shop/web: port=\"3306\": must be an int, got str '3306'; write it without "
        "quotes: port=3306"),
}


class TestMessages:
    @pytest.mark.parametrize("case", sorted(MESSAGES))
    def test_one_line_that_says_it(self, case: str, project: Callable[[str], Path]) -> None:
        body, expected = MESSAGES[case]
        assert refused(project(body)) == expected

    def test_what_is_wrong_is_never_cut(self) -> None:
        what = "must be " + ", ".join(f"choice-{i}" for i in range(20))
        assert len(what) > 200
        line = Problem("shop/web", "x", "y", what, "fix it").line()
        assert what in line and "..." not in line

    @pytest.mark.parametrize("value", [
        "persistentVolumeClaim " * 10,
        '[{"metadata":{"labels":{"app.kubernetes.io/name":"db"}},"spec":{"resources":'
        '{"requests":{"storage":"5Gi"}}}}]' * 2,
    ])
    def test_a_long_value_is_cut_between_words(self, value: str) -> None:
        from blueprints.errors import format_value

        shown = format_value(value)
        assert shown.endswith("...") and len(shown) <= 120
        kept = shown.removesuffix("...").rstrip()
        assert value.startswith(kept)
        # The cut falls after a space or punctuation, never inside a word.
        assert not (kept[-1].isalnum() and value[len(kept)].isalnum())


class TestEnvForPythonBlueprints:
    BODY = ("import os\n"
            "replicas = 3 if os.environ.get('BLUEPRINT_ENV') == 'prod' else 1\n"
            f"WebApp(shop, 'web', image='{IMAGE}', replicas=replicas)\n")

    @pytest.fixture(autouse=True)
    def _restore_env(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("BLUEPRINT_ENV", "unset")  # undone after the test, whatever sets it
        monkeypatch.delenv("BLUEPRINT_ENV")

    def test_env_reaches_the_blueprint_and_picks_the_folder(
            self, project: Callable[[str], Path]) -> None:
        folder = project(self.BODY)
        result = runner.invoke(app, ["synth", str(folder), "--env", "prod"])
        assert result.exit_code == 0, result.output
        docs = load_all((folder / "dist" / "prod" / "shop.k8s.yaml").read_text())
        (web,) = [d for d in docs if d["kind"] == "Deployment"]
        assert web["spec"]["replicas"] == 3
        # The previous output in dist/ is another environment's: left alone.
        assert (folder / "dist" / "shop.k8s.yaml").read_text() == f"{MARKER}previous output\n"
        diff = runner.invoke(app, ["diff", str(folder), "--env", "prod"])
        assert diff.exit_code == 0, diff.output

    def test_values_stay_yaml_only(self, project: Callable[[str], Path]) -> None:
        folder = project(self.BODY)
        result = runner.invoke(app, ["synth", str(folder), "--env", "prod", "--set", "a=1"])
        assert result.exit_code == 1
        (line,) = result.stderr.splitlines()
        assert line.startswith("error: synth: --values/--set=")
        assert line.endswith("svc/blueprint.py: values are for YAML blueprints; pass values "
                             "through Python in a blueprint.py (it reads --env as "
                             "$BLUEPRINT_ENV)")
        assert not (folder / "dist" / "prod").exists()

    def test_a_bad_environment_name(self, project: Callable[[str], Path]) -> None:
        folder = project(self.BODY)
        result = runner.invoke(app, ["synth", str(folder), "--env", "../up"])
        assert (result.exit_code, result.stderr) == (1, (
            "error: synth: --env=../up: not an environment name; use letters, digits, '-', '_' "
            "and '.', e.g. --env prod\n"))


def test_an_unknown_prop_lists_a_few_props_and_where_to_see_all(
        project: Callable[[str], Path]) -> None:
    line = refused(project(f"WebApp(shop, 'web', image='{IMAGE}', qqq=3)\n"))
    assert line.startswith("error: shop/web: qqq=3: WebApp has no such prop; use one of: "
                           "affinity, allow_from, ")
    assert line.endswith(" in all); help(WebApp) lists them all")
    assert len(line) < 200

"""The CLI as a user meets it: typer's runner for every path, one real subprocess run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from blueprints.cli.main import app
from blueprints.release.output import MARKER
from tests.conftest import EXAMPLES, load_all

runner = CliRunner()

HEADER = "from blueprints import App, Release, WebApp, StatefulWebApp, WorkerWithInit, Probe\n"


def web_app(**props: str) -> str:
    args = ", ".join(f"{k}={v}" for k, v in props.items())
    return (HEADER + "app = App()\nshop = Release(app, 'shop', version='1.0.0')\n"
            f"WebApp(shop, 'web', {args})\napp.synth()\n")


GOOD = web_app(image="'nginx:1.27.3'")

# case -> (blueprint source, exact stderr line or a prefix ending in '...')
BAD_INPUTS: dict[str, tuple[str, str]] = {
    "image without tag": (web_app(image="'nginx'"),
                          "error: shop/web: image=nginx: no tag (the runtime pulls latest): "
                          "replicas would run different code (BP001); pin a version tag such as "
                          ":1.27.3 or a digest (or pass allow_latest=True)"),
    "image tagged latest": (web_app(image="'nginx:latest'"),
                            "error: shop/web: image=nginx:latest: 'latest' is a moving tag: ..."),
    "image with a moving tag": (web_app(image="'redis:alpine'"),
                                "error: shop/web: image=redis:alpine: 'alpine' is a moving tag: "
                                "replicas would run different code (BP001); pin a version tag "
                                "such as :1.27.3 or a digest (or pass allow_latest=True)"),
    "image with invalid characters": (
        web_app(image="'nginx:1.27 $(rm)'"),
        "error: shop/web: image=nginx:1.27 $(rm): not a valid image reference (registry/"
        "repository:tag or @sha256:digest, lowercase repository) (BP001); write it like "
        "\"nginxinc/nginx-unprivileged:1.27.3\""),
    "name not DNS-1123": (GOOD.replace("'web'", "'Web_App'"),
                          "error: shop/Web_App: id=Web_App: must be a DNS-1035 label (Service "
                          "names): lowercase letters, digits and '-', starting with a letter "
                          "(BP006); rename it, for example 'web' or 'my-db'"),
    "port 0": (web_app(image="'nginx:1.27.3'", port="0"),
               "error: shop/web: port=0: ports are 1 to 65535; pass a port in that range, "
               "e.g. 8080"),
    "port above 65535": (web_app(image="'nginx:1.27.3'", port="70000"),
                         "error: shop/web: port=70000: ports are 1 to 65535; ..."),
    "negative replicas": (web_app(image="'nginx:1.27.3'", replicas="-1"),
                          "error: shop/web: replicas=-1: must be a whole number >= 0; pass "
                          "replicas=1 or more"),
    "grace not above pause": (
        web_app(image="'nginx:1.27.3'", pre_stop_seconds="5", termination_grace_seconds="5"),
        "error: shop/web: termination_grace_seconds=5: must be greater than the preStop pause "
        "(5s): the grace period counts from the deletion, pause included (BP023); raise it "
        "above 5, or set shutdown_seconds instead"),
    "IP address as dependency": (
        HEADER + "app = App()\nshop = Release(app, 'shop')\n"
        "WorkerWithInit(shop, 'w', image='busybox:1.36.1', wait_for=['10.0.0.7'])\napp.synth()\n",
        "error: shop/w: wait_for=10.0.0.7: an IP address: pods move and their IPs change (BP010); "
        "name the Service instead, e.g. \"mydb\" or \"mydb:5432\""),
    "blueprint raises": (
        HEADER + "app = App()\n\nconfig = {}\nport = config['port']\n",
        "error: {bp}:5: KeyError='port': the blueprint raised an exception; fix the blueprint "
        "there (--debug shows the traceback)"),
    "synthesizes nothing": (
        HEADER + "app = App()\napp.synth()\n",
        "error: {bp}: objects=0: the blueprint synthesized nothing; add a Release with components "
        "to an App and call app.synth()"),
    "unknown allow_from": (
        web_app(image="'nginx:1.27.3'", allow_from="['nope']"),
        "error: shop/web: allow_from=nope: names no component of the release (BP042); use a "
        "component id (web), a construct, 'namespace:<name>', a CIDR block or 'anywhere'"),
    "unknown prop": (web_app(image="'nginx:1.27.3'", replica="2"),
                     "error: shop/web: replica=2: WebApp has no such prop; did you mean replicas?"),
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """A blueprint folder with a previous output and a file of the user's in dist/."""
    monkeypatch.chdir(tmp_path)

    def make(source: str) -> Path:
        folder = tmp_path / "svc"
        folder.mkdir()
        (folder / "blueprint.py").write_text(source)
        dist = folder / "dist"
        dist.mkdir()
        (dist / "shop.k8s.yaml").write_text(f"{MARKER}previous output\n")
        (dist / "notes.txt").write_text("mine\n")
        return folder

    return make


def snapshot_dir(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


class TestBadInput:
    @pytest.mark.parametrize("case", sorted(BAD_INPUTS))
    def test_one_line_exit_1_nothing_written(self, case: str,
                                             project: Callable[[str], Path]) -> None:
        source, expected = BAD_INPUTS[case]
        folder = project(source)
        before = snapshot_dir(folder / "dist")
        result = runner.invoke(app, ["synth", str(folder)])
        assert result.exit_code == 1, result.output
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr
        expected = expected.replace("{bp}", "svc/blueprint.py")
        if expected.endswith("..."):
            assert lines[0].startswith(expected[:-3])
        else:
            assert lines[0] == expected
        assert "Traceback" not in result.output
        assert result.stdout == ""
        assert snapshot_dir(folder / "dist") == before

    def test_missing_path(self, tmp_path: Path) -> None:
        missing = tmp_path / "nope"
        result = runner.invoke(app, ["synth", str(missing)])
        assert result.exit_code == 1
        assert result.stderr == (f"error: synth: PATH={missing}: no such file or directory; pass "
                                 "a blueprint.py or the folder that holds it\n")

    def test_folder_without_blueprint(self, tmp_path: Path) -> None:
        result = runner.invoke(app, ["synth", str(tmp_path)])
        assert result.exit_code == 1
        assert result.stderr.startswith(f"error: synth: PATH={tmp_path}: holds no blueprint.py")

    def test_unsupported_kube_version(self, project: Callable[[str], Path]) -> None:
        folder = project(GOOD)
        result = runner.invoke(app, ["synth", str(folder), "--kube-version", "1.29"])
        assert (result.exit_code, result.stderr) == (1, (
            "error: synth: --kube-version=1.29: blueprint targets Kubernetes 1.30 to 1.37; "
            "pass one of those, or leave it out for 1.35\n"))

    def test_every_error_is_reported(self, project: Callable[[str], Path]) -> None:
        source = (HEADER + "app = App()\nshop = Release(app, 'shop')\n"
                  "WebApp(shop, 'web', image='nginx:1.27.3')\n"
                  "WebApp(shop, 'web2', image='nginx:1.27.3', allow_from=['nope'])\n"
                  "WebApp(shop, 'web3', image='nginx:1.27.3', allow_from=['nada'])\napp.synth()\n")
        result = runner.invoke(app, ["synth", str(project(source))])
        assert result.exit_code == 1
        assert [line.split(":")[1] for line in result.stderr.splitlines()] == [" shop/web2",
                                                                              " shop/web3"]

    def test_debug_shows_the_traceback(self, project: Callable[[str], Path]) -> None:
        folder = project(web_app(image="'nginx'"))
        result = runner.invoke(app, ["synth", str(folder), "--debug"])
        assert result.exit_code == 1
        assert result.exception is not None and "BP001" in str(result.exception)


class TestSynth:
    def test_writes_dist_next_to_the_blueprint(self, project: Callable[[str], Path]) -> None:
        folder = project(GOOD)
        result = runner.invoke(app, ["synth", str(folder)])
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("wrote svc/dist/shop.k8s.yaml (6 objects")
        assert (folder / "dist" / "notes.txt").read_text() == "mine\n"
        kinds = [d["kind"] for d in load_all((folder / "dist" / "shop.k8s.yaml").read_text())]
        assert kinds == ["Namespace", "NetworkPolicy", "PodDisruptionBudget", "Service",
                         "Deployment", "ConfigMap"]  # the last one: the release's ApplySet parent

    def test_an_up_to_date_output_is_left_as_it_is(self, project: Callable[[str], Path]) -> None:
        folder = project(GOOD)
        assert runner.invoke(app, ["synth", str(folder)]).exit_code == 0
        written = (folder / "dist" / "shop.k8s.yaml").stat()
        again = runner.invoke(app, ["synth", str(folder)])
        assert (again.exit_code, again.stderr) == (0, "")
        assert again.stdout.startswith("unchanged svc/dist/shop.k8s.yaml (6 objects")
        now = (folder / "dist" / "shop.k8s.yaml").stat()
        assert (now.st_ino, now.st_mtime_ns) == (written.st_ino, written.st_mtime_ns)
        (folder / "blueprint.py").write_text(GOOD.replace("1.27.3", "1.27.4"))
        changed = runner.invoke(app, ["synth", str(folder)])
        assert changed.stdout.startswith("wrote svc/dist/shop.k8s.yaml"), changed.output

    def test_output_option_and_stale_files(self, project: Callable[[str], Path],
                                           tmp_path: Path) -> None:
        folder = project(GOOD)
        out = tmp_path / "out"
        out.mkdir()
        (out / "old.k8s.yaml").write_text(f"{MARKER}stale")
        (out / "manual.k8s.yaml").write_text("kind: ConfigMap\n")
        result = runner.invoke(app, ["synth", str(folder / "blueprint.py"), "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert sorted(p.name for p in out.iterdir()) == ["manual.k8s.yaml", "shop.k8s.yaml"]
        assert (out / "manual.k8s.yaml").read_text() == "kind: ConfigMap\n"

    def test_check(self, project: Callable[[str], Path]) -> None:
        folder = project(GOOD)
        result = runner.invoke(app, ["synth", str(folder), "--check"])
        assert result.exit_code == 1
        assert "shop.k8s.yaml: would change" in result.stderr
        assert (folder / "dist" / "shop.k8s.yaml").read_text() == f"{MARKER}previous output\n"
        assert runner.invoke(app, ["synth", str(folder)]).exit_code == 0
        again = runner.invoke(app, ["synth", str(folder), "--check"])
        assert (again.exit_code, again.stderr) == (0, "")

    def test_second_synth_is_byte_identical(self, project: Callable[[str], Path]) -> None:
        folder = project(GOOD)
        runner.invoke(app, ["synth", str(folder)])
        first = (folder / "dist" / "shop.k8s.yaml").read_bytes()
        runner.invoke(app, ["synth", str(folder)])
        assert (folder / "dist" / "shop.k8s.yaml").read_bytes() == first

    def test_validate_schema(self, project: Callable[[str], Path]) -> None:
        folder = project(GOOD)
        result = runner.invoke(app, ["synth", str(folder), "--validate-schema",
                                     "--kube-version", "1.33"])
        assert result.exit_code == 0, result.output

    def test_warnings_are_reported_not_fatal(self, project: Callable[[str], Path]) -> None:
        folder = project(web_app(image="'nginx:1.27.3'", image_pull_policy="'Always'"))
        result = runner.invoke(app, ["synth", str(folder)])
        assert result.exit_code == 0
        assert result.stderr.startswith("warning: Deployment/web: spec.template.spec."
                                        "containers[0].imagePullPolicy=Always:")

    def test_version_and_help(self) -> None:
        version = runner.invoke(app, ["--version"])
        assert (version.exit_code, version.stdout) == (0, "blueprint 0.1.0\n")
        help_ = runner.invoke(app, ["synth", "--help"])
        assert help_.exit_code == 0 and "--kube-version" in help_.stdout


def test_installed_blueprint_runs_as_a_subprocess(tmp_path: Path) -> None:
    """The console script, end to end, from outside the repository."""
    exe = shutil.which("blueprint", path=os.pathsep.join([str(Path(sys.executable).parent),
                                                          os.environ.get("PATH", "")]))
    assert exe is not None, "blueprint is not installed in this environment"
    shutil.copytree(EXAMPLES / "kubia", tmp_path / "kubia")
    done = subprocess.run([exe, "synth", "kubia"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, check=False)
    assert (done.returncode, done.stderr) == (0, "")
    expected = MARKER + (Path(__file__).parent / "snapshots" / "test_examples"
                         / "TestExamples.test_snapshot[kubia].yaml").read_text()
    written = tmp_path / "kubia" / "dist" / "kubia.k8s.yaml"
    assert written.read_text() == expected
    assert done.stdout == (f"wrote kubia/dist/kubia.k8s.yaml (6 objects, "
                           f"{written.stat().st_size} bytes)\n")


HEADER_ALL = "from blueprints import *\napp = App()\nshop = Release(app, 'shop')\n"

# The bad inputs of the lifecycle issue, each through the CLI: case -> (body, stderr line).
LIFECYCLE_BAD_INPUTS: dict[str, tuple[str, str]] = {
    "volume choice that cannot meet the need": (
        "v = Volume.for_data('data', survives='node-change', size_limit='1Gi')\n",
        "error: volume/data: size_limit=1Gi: cannot serve data that must survive node-change "
        "(BP012); drop size_limit, or state the need it serves"),
    "mount naming a missing volume": (
        "WebApp(shop, 'web', image='nginx:1.27.3', mounts=[Mount('config-vol', '/etc/c')])\n",
        "error: shop/web: mounts[0].volume=\"config-vol\": must be a Volume, got str 'config-vol'; "
        "pass mounts[0].volume=Volume.for_data(...) or another of Volume.empty_dir, .host_path, "
        ".claim, .new_claim, .config_map, .secret, .git_clone"),
    "two mounts on one path": (
        "WebApp(shop, 'web', image='nginx:1.27.3', mounts=[Mount(Volume.empty_dir('a'), '/x'), "
        "Mount(Volume.empty_dir('b'), '/x')])\n",
        "error: shop/web: web.mounts=/x: two volumes mounted at one path (BP012); mount each "
        "volume at its own path"),
    "relative mount path": (
        "WebApp(shop, 'web', image='nginx:1.27.3', mounts=[Mount(Volume.empty_dir('a'), "
        "'cache')])\n",
        "error: shop/web: web.mounts=cache: mount paths are absolute (BP012); e.g. \"/cache\""),
    "writable hostPath without the opt-out": (
        "DaemonApp(shop, 'agent', image='busybox:1.36.1', mounts=[Mount(Volume.host_path("
        "'logs', '/var/log/app'), '/logs', read_only=False)])\n",
        "error: shop/agent: agent.mounts=/logs: a writable hostPath mount (BP013); mount it "
        "read-only, or pass writable_reason=... to Volume.host_path"),
    "invalid cron schedule": (
        "CronJobApp(shop, 'report', image='busybox:1.36.1', schedule='every day')\n",
        "error: shop/report: schedule=every day: not a cron schedule; e.g. \"*/15 * * * *\" or "
        "\"@hourly\""),
    "hook with neither command nor URL": (
        "WebApp(shop, 'web', image='nginx:1.27.3', post_start=Hook.exec())\n",
        "error: shop/web: post_start=[]: an exec hook needs a command (BP020); e.g. "
        "Hook.exec(\"nginx\", \"-s\", \"quit\")"),
    "probe port not declared": (
        "WebApp(shop, 'web', image='nginx:1.27.3', readiness=Probe.http('/', port=9090))\n",
        "error: shop/web: readiness.port=9090: is not a port the container declares (8080) "
        "(BP016); probe a declared port, or leave port out for the main one"),
    "negative quantity": (
        "WebApp(shop, 'web', image='nginx:1.27.3', resources=Resources(memory='-1Gi'))\n",
        "error: shop/web: resources.memory=-1Gi: not a non-negative Kubernetes quantity "
        "(BP040); write it like \"100m\", \"0.5\" or \"128Mi\""),
    "malformed quantity": (
        "WebApp(shop, 'web', image='nginx:1.27.3', resources=Resources(memory='1Gb'))\n",
        "error: shop/web: resources.memory=1Gb: not a non-negative Kubernetes quantity "
        "(BP040); write it like \"100m\", \"0.5\" or \"128Mi\""),
    "unbounded wait": (
        "WorkerWithInit(shop, 'w', image='busybox:1.36.1', wait_for=['db'], "
        "wait_timeout_seconds=0)\n",
        "error: shop/w: wait_timeout_seconds=0: the wait must be bounded: 1 to 86400 (BP015); "
        "pass a number of seconds, e.g. 300"),
    "migration of a current member": (
        "db = StatefulWebApp(shop, 'db', image='nginx:1.27.3', storage=Storage(size='1Gi', "
        "mount_path='/d'))\nDataMigration(shop, 'm', stateful=db, ordinals=[0], "
        "image='busybox:1.36.1')\n",
        "error: shop/m: ordinals=0: is still a member (shop/db has replicas=2) (BP026); lower "
        "replicas to 0 or less first"),
    "gitRepo replacement with an unpinned image": (
        "WebApp(shop, 'web', image='nginx:1.27.3', mounts=[Mount(Volume.git_clone('src', "
        "'https://example.com/r.git', image='alpine/git'), '/src')])\n",
        "error: volume/src: image=alpine/git: no tag (the runtime pulls latest) (BP001); pin it, e.g. "
        "alpine/git:2.47.2"),
}


@pytest.mark.parametrize("case", sorted(LIFECYCLE_BAD_INPUTS))
def test_lifecycle_bad_input(case: str, project: Callable[[str], Path]) -> None:
    body, expected = LIFECYCLE_BAD_INPUTS[case]
    folder = project(HEADER_ALL + body + "app.synth()\n")
    before = snapshot_dir(folder / "dist")
    result = runner.invoke(app, ["synth", str(folder)])
    assert (result.exit_code, result.stderr, result.stdout) == (1, expected + "\n", "")
    assert snapshot_dir(folder / "dist") == before


def test_explain_bp001_names_the_moving_tags() -> None:
    result = runner.invoke(app, ["explain", "BP001"])
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "it contains a digit" in text and "alpine" in text and "a digest always passes" in text
    assert "image: redis:alpine" in result.stdout


def test_explain_bp044_points_at_the_alternatives() -> None:
    result = runner.invoke(app, ["explain", "BP044"])
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert text.startswith("BP044: no secret values in manifests")
    assert "ExternalSecret" in text and "SealedSecret" in text and "no annotation" in text
    assert "BP044  warning  no secret values in manifests" in runner.invoke(
        app, ["explain"]).stdout

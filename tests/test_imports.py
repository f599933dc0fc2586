"""`import blueprints`, the CLI and `blueprint --help` never start Node."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import sys
{statement}
heavy = sorted(m for m in ("cdk8s", "constructs", "jsii", "syrupy") if m in sys.modules)
print(",".join(heavy))
"""


@pytest.mark.parametrize("statement", [
    "import blueprints",
    "import blueprints.cli.main",
    "import blueprints.testing",
    "from blueprints import Probe, Storage, WebAppProps",
    "import blueprints.rules, blueprints.release.writer, blueprints.release.synth",
])
def test_light_imports(statement: str) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE.format(statement=statement)],
                          capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == ""


def test_help_does_not_start_node() -> None:
    code = ("import sys\nfrom blueprints.cli.main import app\n"
            "try:\n    app(['synth', '--help'])\nexcept SystemExit:\n    pass\n"
            "print('cdk8s' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stderr.strip() == "False"
    assert "--kube-version" in done.stdout


def test_constructs_load_on_first_use() -> None:
    code = "import sys, blueprints\nblueprints.WebApp\nprint('cdk8s' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    assert (done.stdout.strip(), done.stderr) == ("True", "")


def test_lint_never_starts_node() -> None:
    corpus = Path(__file__).parent / "lint_corpus" / "seeds"
    code = ("import sys\nfrom blueprints.cli.main import app\n"
            f"try:\n    app(['lint', {str(corpus)!r}])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('cdk8s', 'jsii') if m in sys.modules), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stderr.strip() == "[]"
    assert "errors," in done.stdout


class TestNode:
    CODE = ("import os\nfrom blueprints._node import ensure_node, bundled_node\nensure_node()\n"
            "print(os.environ['JSII_NODE'] == str(bundled_node()), os.environ['JSII_NODE'])")

    def test_bundled_node_is_used(self) -> None:
        env = {k: v for k, v in os.environ.items() if k != "JSII_NODE"}
        done = subprocess.run([sys.executable, "-c", self.CODE], capture_output=True, text=True,
                              check=True, timeout=60, env=env)
        assert done.stdout.split()[0] == "True"
        version = subprocess.run([done.stdout.split()[1], "--version"], capture_output=True,
                                 text=True, check=True, timeout=60).stdout
        assert int(version.strip().lstrip("v").split(".")[0]) >= 22

    @pytest.mark.parametrize("name", ["App", "JsonPatch", "Testing"])
    def test_cdk8s_names_from_blueprints_run_the_bundled_node(self, name: str) -> None:
        """cdk8s's names, imported through blueprint (JsonPatch for the escape hatch: found on
        bookinfo, where ``from cdk8s import JsonPatch`` first started the system's Node 20)."""
        env = {k: v for k, v in os.environ.items() if k != "JSII_NODE"}
        code = (f"import os\nfrom blueprints import {name}\nimport cdk8s\n"
                "from blueprints._node import bundled_node\n"
                f"print({name} is cdk8s.{name}, os.environ['JSII_NODE'] == str(bundled_node()))")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True, timeout=60, env=env)
        assert done.stdout.split() == ["True", "True"], done.stderr

    def test_users_choice_is_kept(self) -> None:
        env = {**os.environ, "JSII_NODE": "/opt/my/node"}
        done = subprocess.run([sys.executable, "-c", self.CODE], capture_output=True, text=True,
                              check=True, timeout=60, env=env)
        assert done.stdout.split() == ["False", "/opt/my/node"]


class TestCollector:
    """Only the ``blueprint`` script tunes the garbage collector, never an import."""

    def test_imports_leave_the_collector_alone(self) -> None:
        code = ("import gc\nbefore = gc.get_threshold()\n"
                "import blueprints, blueprints.cli, blueprints.cli.main, blueprints.release.synth\n"
                "print(gc.get_threshold() == before, gc.get_freeze_count())")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True, timeout=60)
        assert done.stdout.split() == ["True", "0"]

    def test_the_script_raises_the_threshold_and_freezes_at_exit(self) -> None:
        code = ("import atexit, gc, sys\n"
                "atexit.register(lambda: print(gc.get_threshold()[0], gc.get_freeze_count() > 0,"
                " file=sys.stderr))\n"
                "sys.argv = ['blueprint', '--version']\n"
                "from blueprints.cli import main\nmain()")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=False, timeout=60)
        assert done.returncode == 0
        assert done.stdout.startswith("blueprint ")
        assert done.stderr.split() == ["1000000", "True"]


def test_a_yaml_blueprint_loads_only_its_kinds(tmp_path: Path) -> None:
    """Start-up is part of every synth: a blueprint of WebApps loads neither the other kinds,
    nor the diff machinery when the output is already up to date, nor the modules of props
    it does not set (exposures, permissions, hooks)."""
    (tmp_path / "blueprint.yaml").write_text(
        "apiVersion: blueprint.dev/v1\nrelease: shop\nversion: 1.0.0\ncomponents:\n"
        "  - {kind: WebApp, name: web, image: 'nginxinc/nginx-unprivileged:1.27.3'}\n")
    code = ("import sys\nfrom blueprints.cli.main import app\n"
            f"for _ in range(2):\n    try:\n        app(['synth', {str(tmp_path)!r}])\n"
            "    except SystemExit as exit:\n        assert not exit.code, exit.code\n"
            "print(sorted(m.rsplit('.', 1)[1] for m in sys.modules if m.startswith(("
            "'blueprints.core.', 'blueprints.release.diff')) and m.rsplit('.', 1)[1] in ("
            "'stateful_web_app', 'worker_with_init', 'jobs', 'data_migration', 'logging_stack', "
            "'diff', 'web_app', 'exposure', 'identity', 'hooks')), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    assert done.stderr.strip() == "['web_app']"
    assert (tmp_path / "dist" / "shop.k8s.yaml").is_file()


@pytest.mark.parametrize("blueprint", [
    "from blueprints import App, Release, WebApp\napp = App()\n"
    "WebApp(Release(app, 'shop'), 'web', image='nginx:1.27.3')\napp.synth()\n",
    "from blueprints import App, Release, StatefulWebApp\napp = App()\n"
    "StatefulWebApp(Release(app, 'shop'), 'db', image='postgres:16.4')\napp.synth()\n",
])
def test_props_nobody_sets_load_nothing(blueprint: str, tmp_path: Path) -> None:
    """The Python path too: exposures, permissions and hooks load when a component sets them."""
    (tmp_path / "blueprint.py").write_text(blueprint)
    code = ("import sys\nfrom pathlib import Path\nfrom blueprints.kube import DEFAULT\n"
            "from blueprints.release.synth import synthesize\n"
            f"synthesize(Path({str(tmp_path)!r}), kube_version=DEFAULT)\n"
            "print(sorted(m for m in ('blueprints.core.exposure', 'blueprints.core.identity', "
            "'blueprints.core.hooks') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    assert done.stdout.strip() == "[]"


def test_synth_lets_node_go_once_the_blueprint_has_run(tmp_path: Path) -> None:
    """In the command line's process, Node exits while Python checks and writes (it takes
    ~15 ms); the exit handlers wait for it, so jsii's temporary folder is still removed. A
    library user keeps Node: the same synth without ``one_shot`` leaves it running."""
    (tmp_path / "bp").mkdir()
    (tmp_path / "bp" / "blueprint.py").write_text(
        "from blueprints import App, Release, WebApp\napp = App()\n"
        "WebApp(Release(app, 'shop'), 'web', image='nginx:1.27.3')\napp.synth()\n")
    code = ("import sys, time\nfrom pathlib import Path\nimport blueprints._node as node\n"
            "from blueprints.kube import DEFAULT\nfrom blueprints.release.synth import synthesize\n"
            "if sys.argv[1] == 'cli':\n    node.one_shot()\n"
            f"synthesize(Path({str(tmp_path / 'bp')!r}), kube_version=DEFAULT)\n"
            "from jsii._runtime import kernel\nprocess = kernel.provider._process._process\n"
            "for _ in range(100):\n    if process.poll() is not None:\n        break\n"
            "    time.sleep(0.05)\nprint(process.poll() is not None)\n")
    for mode, gone in (("cli", "True"), ("library", "False")):
        scratch = tmp_path / f"tmp-{mode}"
        scratch.mkdir()
        done = subprocess.run([sys.executable, "-c", code, mode], capture_output=True, text=True,
                              check=True, timeout=120, env={**os.environ, "TMPDIR": str(scratch)})
        assert (done.stdout.strip(), done.stderr) == (gone, ""), done.stderr
        assert list(scratch.iterdir()) == []  # jsii's runtime folder removed at exit either way

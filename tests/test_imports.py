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
    "import blueprints.rules, blueprints.writer, blueprints.synth",
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

    def test_users_choice_is_kept(self) -> None:
        env = {**os.environ, "JSII_NODE": "/opt/my/node"}
        done = subprocess.run([sys.executable, "-c", self.CODE], capture_output=True, text=True,
                              check=True, timeout=60, env=env)
        assert done.stdout.split() == ["False", "/opt/my/node"]

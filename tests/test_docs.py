"""What a newcomer reads: the README's links, the published catalogue, the licence, the
distribution name, and texts that speak of the product."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from blueprints.explain import catalogue_markdown, explain_one
from blueprints.practices import PRACTICES
from tests.conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


class TestPublishedCatalogue:
    def test_docs_practices_is_the_generated_catalogue(self) -> None:
        committed = (ROOT / "docs" / "practices.md").read_text()
        assert committed == catalogue_markdown(), (
            "docs/practices.md is out of date: run `python -m blueprints.explain > "
            "docs/practices.md`")

    def test_every_practice_is_in_it_with_its_text(self) -> None:
        text = catalogue_markdown()
        for practice in PRACTICES.values():
            assert f"\n## {practice.id}\n" in text
            assert practice.description in text


class TestReadme:
    def test_links_stay_inside_the_repository(self) -> None:
        readme = (ROOT / "README.md").read_text()
        targets = re.findall(r"\]\(([^)\s]+)\)", readme)
        assert targets, "the README links to nothing: this test would prove nothing"
        for target in targets:
            if target.startswith(("https://", "http://", "#")):
                continue
            path = (ROOT / target.split("#")[0]).resolve()
            assert path.is_relative_to(ROOT), target
            assert path.exists(), target


class TestProductTexts:
    WHERE_THE_PRACTICES_CAME_FROM = re.compile(r"\bseeds?\b|\(general\)|study notes",
                                               re.IGNORECASE)

    @pytest.mark.parametrize("practice_id", sorted(PRACTICES))
    def test_explain_speaks_of_the_product(self, practice_id: str) -> None:
        assert not self.WHERE_THE_PRACTICES_CAME_FROM.search(explain_one(practice_id))

    def test_sarif_rule_descriptions_speak_of_the_product(self) -> None:
        for practice in PRACTICES.values():
            assert not self.WHERE_THE_PRACTICES_CAME_FROM.search(practice.description)

    def test_nothing_the_user_reads_mentions_the_seeds(self) -> None:
        sources = [*(ROOT / "blueprints").rglob("*.py"), *(ROOT / "cli").rglob("*.py"),
                   *(ROOT / "templates").rglob("*.j2"), ROOT / "README.md"]
        found = [f"{path.relative_to(ROOT)}:{number}"
                 for path in sources
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if self.WHERE_THE_PRACTICES_CAME_FROM.search(line.replace("seed_hosts", ""))]
        assert found == []


class TestDistribution:
    def test_the_name_is_not_the_unrelated_pypi_project(self) -> None:
        # "blueprint" on PyPI is an unrelated project from 2013.
        assert PYPROJECT["project"]["name"] == "blueprint-k8s"
        assert PYPROJECT["project"]["scripts"] == {"blueprint": "blueprints.cli:main"}

    def test_every_install_hint_names_the_distribution(self) -> None:
        name = PYPROJECT["project"]["name"]
        hints = [(path, match) for path in (ROOT / "blueprints").rglob("*.py")
                 for match in re.findall(r"pip install '([^'\[]+)\[", path.read_text())]
        assert hints, "no install hint found: this test would prove nothing"
        assert [(str(p.relative_to(ROOT)), m) for p, m in hints if m != name] == []
        assert f"{name}[test]" in PYPROJECT["project"]["optional-dependencies"]["dev"]

    def test_the_declared_licence_file_is_apache_2(self) -> None:
        assert PYPROJECT["project"]["license"] == "Apache-2.0"
        text = (ROOT / "LICENSE").read_text()
        assert "Apache License\n                           Version 2.0, January 2004" in text
        assert "END OF TERMS AND CONDITIONS" in text

    def test_the_dev_install_has_what_mypy_strict_needs(self) -> None:
        extras = PYPROJECT["project"]["optional-dependencies"]
        assert any(d.startswith("types-PyYAML") for d in extras["dev"])
        assert any(d.startswith("mypy") for d in extras["test"])


def test_readme_snapshot_example_records_then_guards(tmp_path: Path) -> None:
    """The README's snapshot test, run as a user runs it: it records with --snapshot-update,
    passes unchanged, and fails once the release changes."""
    import subprocess
    import sys

    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Snapshot your own releases", 1)[1]
    source = section.split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "test_shop.py").write_text(source)

    def pytest_run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               "--rootdir", str(tmp_path), *extra, str(tmp_path)],
                              cwd=tmp_path, capture_output=True, text=True, timeout=300,
                              check=False)

    assert pytest_run().returncode == 1  # nothing recorded yet
    assert pytest_run("--snapshot-update").returncode == 0
    recorded = list(tmp_path.rglob("snapshots/**/*.yaml"))
    assert recorded and "kind: Deployment" in recorded[0].read_text()
    assert pytest_run().returncode == 0
    (tmp_path / "test_shop.py").write_text(source.replace("1.27.3", "1.27.4"))
    assert pytest_run().returncode == 1

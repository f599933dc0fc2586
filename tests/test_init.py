"""``blueprint init`` on a path that cannot be a folder: one line, exit 1, nothing touched."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from blueprints.cli.main import app

runner = CliRunner()


class TestNotAFolder:
    def test_an_existing_file(self, tmp_path: Path) -> None:
        target = tmp_path / "notes.txt"
        target.write_text("mine\n")
        result = runner.invoke(app, ["init", str(target)])
        assert (result.exit_code, result.stderr) == (1, (
            f"error: init: DIR={target}: is not a folder; name a folder; blueprint init creates "
            "it when it is missing\n"))
        assert target.read_text() == "mine\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]

    def test_a_folder_below_a_file(self, tmp_path: Path) -> None:
        (tmp_path / "notes.txt").write_text("mine\n")
        target = tmp_path / "notes.txt" / "svc"
        result = runner.invoke(app, ["init", str(target), "--format", "python"])
        assert (result.exit_code, result.stderr) == (1, (
            f"error: init: DIR={target}: {tmp_path / 'notes.txt'} is not a folder; name a "
            "folder; blueprint init creates it when it is missing\n"))
        assert (tmp_path / "notes.txt").read_text() == "mine\n"

    @pytest.mark.parametrize("kind", ["WebApp", "CronJobApp"])
    def test_a_missing_folder_is_still_created(self, tmp_path: Path, kind: str) -> None:
        result = runner.invoke(app, ["init", str(tmp_path / "a" / "b"), "--kind", kind])
        assert result.exit_code == 0, result.output
        assert (tmp_path / "a" / "b" / "blueprint.yaml").is_file()

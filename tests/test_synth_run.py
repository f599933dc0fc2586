"""Running a blueprint and writing its output, as a user meets the faults: through the CLI.

User code that misbehaves, output folders that cannot take the output, and limits (time, file
size, replicas): each is one line on stderr, a defined exit code, no traceback, and an output
folder left as it was.
"""

from __future__ import annotations

import errno
import os
import re
import resource
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from blueprints.cli.main import app
from blueprints.core.release import ReleaseContext
from blueprints.core.stateful_web_app import (
    MAX_LISTED_PEERS,
    StatefulWebAppCore,
    StatefulWebAppProps,
)
from blueprints.release import output
from blueprints.release.output import MARKER, file_bytes
from tests.conftest import assert_valid, blueprint_exe, met_python_start

runner = CliRunner()

HEADER = ("from blueprints import App, Release, StatefulWebApp, WebApp\napp = App()\n"
          "shop = Release(app, 'shop', version='1.0.0')\n")
GOOD_PY = HEADER + "WebApp(shop, 'web', image='nginx:1.27.3')\napp.synth()\n"
GOOD_YAML = """apiVersion: blueprint.dev/v1
release: shop
version: 1.0.0
components:
  - kind: WebApp
    name: web
    image: nginxinc/nginx-unprivileged:1.27.3
    runAsUser: 101
    writablePaths: [/tmp, /var/cache/nginx]
"""


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every entry below ``folder``: files by content, links by target, folders as ``None``."""
    found: dict[str, bytes | None] = {}
    for root, folders, files in os.walk(folder):  # never follows links
        for name in folders + files:
            path = Path(root) / name
            key = str(path.relative_to(folder))
            if path.is_symlink():
                found[key] = b"-> " + os.fsencode(os.readlink(path))
            else:
                found[key] = None if path.is_dir() else path.read_bytes()
    return dict(sorted(found.items()))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """``svc/`` with a blueprint and a previous output (one marked release, a user file)."""
    monkeypatch.chdir(tmp_path)

    def make(source: str = GOOD_YAML, name: str = "blueprint.yaml") -> Path:
        folder = tmp_path / "svc"
        folder.mkdir()
        (folder / name).write_text(source)
        dist = folder / "dist"
        dist.mkdir()
        (dist / "shop.k8s.yaml").write_text(f"{MARKER}previous output\n")
        (dist / "notes.txt").write_text("mine\n")
        return folder

    return make


def run_cli(*args: str, limit_fsize: int | None = None) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if limit_fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_fsize, limit_fsize))

    return subprocess.run([blueprint_exe(), *args], capture_output=True, text=True, timeout=120,
                          check=False, preexec_fn=limit)


def one_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


class TestUserCode:
    """#11 item 6: what a blueprint.py does to the process is defined, one line each."""

    def test_a_base_exception_of_its_own(self, project: Callable[..., Path]) -> None:
        folder = project(HEADER + "class Boom(BaseException):\n    pass\nraise Boom('x')\n",
                         "blueprint.py")
        before = snapshot(folder / "dist")
        result = runner.invoke(app, ["synth", str(folder)])
        assert (result.exit_code, one_line(result.stderr)) == (1, (
            "error: svc/blueprint.py:6: Boom=x: the blueprint raised an exception; fix the "
            "blueprint there (--debug shows the traceback)"))
        assert snapshot(folder / "dist") == before

    def test_an_object_whose_str_raises(self, project: Callable[..., Path]) -> None:
        source = HEADER + ("class Weird:\n    def __str__(self):\n        raise ValueError\n"
                           "    __repr__ = __str__\n"
                           "WebApp(shop, 'web', image=Weird())\napp.synth()\n")
        folder = project(source, "blueprint.py")
        before = snapshot(folder / "dist")
        result = runner.invoke(app, ["synth", str(folder)])
        assert (result.exit_code, one_line(result.stderr)) == (1, (
            "error: shop/web: image=<Weird object>: must be a str, got Weird <Weird object>; "
            "pass a str"))
        assert snapshot(folder / "dist") == before

    def test_an_exception_whose_str_raises(self, project: Callable[..., Path]) -> None:
        source = HEADER + ("class Odd(Exception):\n    def __str__(self):\n        raise "
                           "ValueError\nraise Odd()\n")
        result = runner.invoke(app, ["synth", str(project(source, "blueprint.py"))])
        assert (result.exit_code, one_line(result.stderr)) == (1, (
            "error: svc/blueprint.py:7: Odd=<Odd whose str() raised>: the blueprint raised an "
            "exception; fix the blueprint there (--debug shows the traceback)"))

    def test_closing_stdout_and_stderr(self, project: Callable[..., Path]) -> None:
        """The blueprint's close reaches only its own view: synth still reports."""
        source = HEADER + ("import sys\nprint('from the blueprint')\nsys.stdout.close()\n"
                           "sys.stderr.close()\n" + GOOD_PY.removeprefix(HEADER))
        folder = project(source, "blueprint.py")
        result = runner.invoke(app, ["synth", str(folder)])
        assert result.exit_code == 0, result.output
        printed, wrote = result.stdout.splitlines()
        assert printed == "from the blueprint"
        size = (folder / "dist" / "shop.k8s.yaml").stat().st_size
        assert re.fullmatch(rf"wrote svc/dist/shop\.k8s\.yaml \(\d+ objects, {size} bytes\)", wrote)

    def test_ctrl_c_inside_the_blueprint(self, project: Callable[..., Path]) -> None:
        folder = project(HEADER + "raise KeyboardInterrupt\n", "blueprint.py")
        before = snapshot(folder / "dist")
        result = runner.invoke(app, ["synth", str(folder)])
        assert (result.exit_code, one_line(result.stderr)) == (130, (
            "error: synth: signal=SIGINT: interrupted; the output folder holds the old release "
            "set or the new one, never a mix; run synth again"))
        assert snapshot(folder / "dist") == before

    @pytest.mark.parametrize("delay", [0.6, 1.0, 2.0])  # Node starting, Node answering
    def test_ctrl_c_in_a_terminal(self, project: Callable[..., Path], delay: float) -> None:
        """Ctrl-C reaches the whole process group, Node included, while the blueprint talks to
        it: 130 and one line, never 0, a traceback or jsii's complaints about the channel."""
        source = HEADER + ("import cdk8s\nfor i in range(10**6):\n    cdk8s.ApiObject(shop, "
                           "f'cm{i}', api_version='v1', kind='ConfigMap')\napp.synth()\n")
        folder = project(source, "blueprint.py")
        before = snapshot(folder / "dist")
        proc = subprocess.Popen([blueprint_exe(), "synth", str(folder)], text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        if met_python_start(proc.returncode, err):
            pytest.skip("the signal met Python's own start, before blueprint's entry point")
        assert (proc.returncode, err) == (130, (
            "error: synth: signal=SIGINT: interrupted; the output folder holds the old release "
            "set or the new one, never a mix; run synth again\n"))
        assert snapshot(folder / "dist") == before

    def test_a_thread_that_never_ends(self, project: Callable[..., Path]) -> None:
        """synth exits when its work is done, whatever threads remain."""
        source = HEADER + ("import threading, time\nthreading.Thread(target=time.sleep, "
                           "args=(3600,)).start()\n" + GOOD_PY.removeprefix(HEADER))
        folder = project(source, "blueprint.py")
        done = run_cli("synth", str(folder))  # the timeout of 120 s would fail the test
        assert (done.returncode, done.stderr) == (0, ""), done.stderr
        assert done.stdout.startswith("wrote ")

    def test_a_blueprint_that_never_returns(self, project: Callable[..., Path]) -> None:
        """#12 item 4: --timeout stops it, even when it swallows every exception."""
        source = ("import time\nwhile True:\n    try:\n        time.sleep(1)\n"
                  "    except BaseException:\n        pass\n")
        folder = project(source, "blueprint.py")
        before = snapshot(folder / "dist")
        done = run_cli("synth", str(folder), "--timeout", "1")
        assert (done.returncode, one_line(done.stderr)) == (1, (
            f"error: {folder}: --timeout=1: the blueprint did not finish within 1 s; fix what "
            "loops or waits there, or pass a larger --timeout (0: none)"))
        assert snapshot(folder / "dist") == before


class TestLimits:
    def test_file_size_limit_while_starting_node(self, project: Callable[..., Path]) -> None:
        """``ulimit -f``: jsii cannot unpack its runtime; one line, not jsii's traceback."""
        folder = project(GOOD_PY, "blueprint.py")
        before = snapshot(folder / "dist")
        done = run_cli("synth", str(folder), limit_fsize=4096)
        assert done.returncode == 1
        assert "cdk8s could not start Node: [Errno 27] File too large" in one_line(done.stderr)
        assert snapshot(folder / "dist") == before

    def test_file_size_limit_while_writing(self, project: Callable[..., Path]) -> None:
        folder = project()
        before = snapshot(folder / "dist")
        done = run_cli("synth", str(folder), limit_fsize=1024)
        assert (done.returncode, one_line(done.stderr)) == (1, (
            "error: synth: --output=svc/dist: cannot write svc/dist/shop.k8s.yaml: File too "
            "large (EFBIG); raise the file size limit (ulimit -f)"))
        assert snapshot(folder / "dist") == before
        assert sorted(p.name for p in folder.iterdir()) == ["blueprint.yaml", "dist"]

    def test_replicas_beyond_int32(self, project: Callable[..., Path]) -> None:
        source = HEADER + ("StatefulWebApp(shop, 'db', image='nginx:1.27.3', "
                           "replicas=2**31)\napp.synth()\n")
        folder = project(source, "blueprint.py")
        result = runner.invoke(app, ["synth", str(folder)])
        assert (result.exit_code, one_line(result.stderr)) == (1, (
            "error: shop/db: replicas=2147483648: beyond 2147483647, the most the API takes "
            "(int32); pass a smaller number"))

    def test_peers_do_not_grow_with_replicas(self) -> None:
        release = ReleaseContext(name="shop", namespace="shop", part_of="shop")
        core = StatefulWebAppCore("db", StatefulWebAppProps(image="nginx:1.27.3",
                                                            replicas=2**31 - 1), release)
        manifests = core.render()
        assert_valid(manifests)
        (sts,) = [m for m in manifests if m["kind"] == "StatefulSet"]
        env = {e["name"]: e["value"] for e in sts["spec"]["template"]["spec"]["containers"][0]
               ["env"] if "value" in e}
        peers = env["PEERS"].split(",")
        assert len(peers) == MAX_LISTED_PEERS
        assert peers[0] == "db-0.db-headless.shop.svc"
        assert peers[-1] == "db-255.db-headless.shop.svc"
        assert len(env["PEERS"].encode()) < 128 * 1024  # one environment string's limit


class TestOutputFaults:
    """#11 item 4: one line naming the path and the cause; nothing written."""

    def synth(self, folder: Path, *args: str) -> str:
        result = runner.invoke(app, ["synth", str(folder), *args])
        assert result.exit_code == 1, result.output
        assert result.stdout == ""
        return one_line(result.stderr)

    def test_output_is_a_file(self, project: Callable[..., Path]) -> None:
        folder = project()
        (folder / "file").write_text("x")
        assert self.synth(folder, "-o", "svc/file") == (
            "error: synth: --output=svc/file: not a folder (synth writes one file per release "
            "into it); pass a folder, e.g. --output dist")
        assert (folder / "file").read_text() == "x"

    def test_output_is_dev_stdout(self, project: Callable[..., Path]) -> None:
        assert self.synth(project(), "-o", "/dev/stdout").startswith(
            "error: synth: --output=/dev/stdout: not a folder")

    def test_output_is_a_dangling_symlink(self, project: Callable[..., Path]) -> None:
        folder = project()
        (folder / "link").symlink_to("nowhere")
        assert self.synth(folder, "-o", "svc/link") == (
            "error: synth: --output=svc/link: a symbolic link to nowhere, which does not "
            "exist; create that folder, or pass another --output")
        assert not (folder / "nowhere").exists()

    def test_output_under_a_file(self, project: Callable[..., Path]) -> None:
        folder = project()
        (folder / "file").write_text("x")
        line = self.synth(folder, "-o", "svc/file/out/dist")
        assert line.startswith("error: synth: --output=svc/file/out/dist: cannot write ")
        assert line.endswith("Not a directory (ENOTDIR); a part of the path is a file: pass "
                             "a folder")

    @pytest.mark.parametrize("check", [False, True])
    def test_a_folder_where_a_release_file_goes(self, check: bool,
                                                project: Callable[..., Path]) -> None:
        folder = project()
        (folder / "dist" / "shop.k8s.yaml").unlink()
        (folder / "dist" / "shop.k8s.yaml").mkdir()
        before = snapshot(folder / "dist")
        assert self.synth(folder, *(["--check"] if check else [])) == (
            "error: synth: output file=svc/dist/shop.k8s.yaml: is a folder, where synth writes "
            "a release file; move that folder away, or rename the release")
        assert snapshot(folder / "dist") == before

    @pytest.mark.parametrize("check", [False, True])
    def test_a_link_where_a_release_file_goes(self, check: bool,
                                              project: Callable[..., Path]) -> None:
        folder = project()
        (folder / "dist" / "shop.k8s.yaml").unlink()
        (folder / "elsewhere.yaml").write_text("kind: ConfigMap\n")
        (folder / "dist" / "shop.k8s.yaml").symlink_to(folder / "elsewhere.yaml")
        before = snapshot(folder)
        assert self.synth(folder, *(["--check"] if check else [])).startswith(
            "error: synth: output file=svc/dist/shop.k8s.yaml: not written by blueprint synth")
        assert snapshot(folder) == before

    @pytest.mark.parametrize("check", [False, True])
    def test_a_release_file_it_did_not_write(self, check: bool,
                                             project: Callable[..., Path]) -> None:
        # --check says what synth would refuse, not "run blueprint synth" (found on bookinfo:
        # python blueprint.py had written cdk8s's own output there).
        folder = project()
        (folder / "dist" / "shop.k8s.yaml").write_text("kind: ConfigMap\n")
        before = snapshot(folder / "dist")
        assert self.synth(folder, *(["--check"] if check else [])) == (
            "error: synth: output file=svc/dist/shop.k8s.yaml: not written by blueprint synth "
            "(no marker line), so synth will not replace it; move it away, or delete it if an "
            "older blueprint wrote it (if python blueprint.py wrote it, give its App another "
            "outdir)")
        assert snapshot(folder / "dist") == before

    def test_output_dot_is_refused_and_keeps_manual_files(
            self, project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
        folder = project()
        (folder / "manual.k8s.yaml").write_text("kind: ConfigMap\n")
        monkeypatch.chdir(folder)
        before = snapshot(folder)
        result = runner.invoke(app, ["synth", ".", "--output", "."])
        assert (result.exit_code, one_line(result.stderr)) == (1, (
            "error: synth: --output=.: holds the current folder, and synth swaps its output "
            "folder as a whole (so a crash never mixes releases); pass a folder of its own, "
            "e.g. --output dist"))
        assert snapshot(folder) == before

    def test_the_blueprint_folder_from_outside_keeps_manual_files(
            self, project: Callable[..., Path]) -> None:
        """``--output`` naming the blueprint's own folder: its files are left where they are."""
        folder = project()
        (folder / "manual.k8s.yaml").write_text("kind: ConfigMap\n")
        result = runner.invoke(app, ["synth", str(folder), "--output", str(folder)])
        assert result.exit_code == 0, result.output
        assert (folder / "manual.k8s.yaml").read_text() == "kind: ConfigMap\n"
        assert (folder / "dist" / "notes.txt").read_text() == "mine\n"
        assert (folder / "shop.k8s.yaml").read_bytes().startswith(MARKER.encode())

    @pytest.fixture
    def tmpfs(self, tmp_path: Path) -> Iterator[Callable[[str, str], Path]]:
        """Mount a small tmpfs (root and CAP_SYS_ADMIN only; skipped elsewhere)."""
        mounted: list[Path] = []

        def mount(name: str, options: str) -> Path:
            point = tmp_path / name
            point.mkdir()
            done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)],
                                  capture_output=True, check=False)
            if done.returncode != 0:
                pytest.skip("cannot mount a tmpfs here")
            mounted.append(point)
            return point

        yield mount
        for point in mounted:
            subprocess.run(["umount", str(point)], check=True)

    def test_a_real_read_only_file_system(self, project: Callable[..., Path],
                                          tmpfs: Callable[[str, str], Path]) -> None:
        folder = project()
        tmpfs("ro", "ro,size=64k")
        assert self.synth(folder, "-o", "ro/dist") == (
            "error: synth: --output=ro/dist: cannot write ro: Read-only file system (EROFS); "
            "write to a writable file system")
        assert list(Path("ro").iterdir()) == []

    def test_a_real_full_disk(self, project: Callable[..., Path],
                              tmpfs: Callable[[str, str], Path]) -> None:
        folder = project()
        full = tmpfs("full", "size=8k")  # two pages: the previous output, then no room
        (full / "dist").mkdir()
        (full / "dist" / "shop.k8s.yaml").write_bytes(file_bytes("old: 1\n"))
        with suppress(OSError), open(full / "filler", "wb") as filler:
            while True:
                filler.write(b"x" * 1024)
                filler.flush()
        before = snapshot(full)
        assert self.synth(folder, "-o", "full/dist") == (
            "error: synth: --output=full/dist: cannot write full/dist/shop.k8s.yaml: No space "
            "left on device (ENOSPC); free some space on that file system")
        assert snapshot(full) == before

    @pytest.mark.parametrize(("code", "where", "fix"), [
        (errno.ENOSPC, "write", "free some space on that file system"),
        (errno.EROFS, "mkdtemp", "write to a writable file system"),
        (errno.EACCES, "mkdtemp", "check the permissions of the folder and the one above it"),
    ])
    def test_file_system_errors(self, project: Callable[..., Path],
                                monkeypatch: pytest.MonkeyPatch, code: int, where: str,
                                fix: str) -> None:
        """Full disk, read-only file system, permission denied (injected: the tests run as
        root, which permissions do not stop)."""
        folder = project()
        before = snapshot(folder / "dist")

        def fail(*args: object, **kwargs: object) -> None:
            raise OSError(code, os.strerror(code))

        if where == "write":
            monkeypatch.setattr(output, "_write", lambda *a: fail())
        else:
            import tempfile  # output imports it when it stages a new release set

            monkeypatch.setattr(tempfile, "mkdtemp", fail)
        line = self.synth(folder)
        name = errno.errorcode[code]
        written = "svc/dist/shop.k8s.yaml" if where == "write" else "svc/dist"
        assert line == (f"error: synth: --output=svc/dist: cannot write {written}: "
                        f"{os.strerror(code)} ({name}); {fix}")
        assert snapshot(folder / "dist") == before
        assert sorted(p.name for p in folder.iterdir()) == ["blueprint.yaml", "dist"]

    @pytest.mark.parametrize("name", ["shop.k8s.yaml", "notes.txt", "sub/deep.txt"])
    def test_an_immutable_file(self, project: Callable[..., Path], name: str) -> None:
        """#11 item 5's case: an immutable release file (or a user's file) stops the commit
        before anything moves, instead of leaving a mix (or an old folder it cannot remove)."""
        folder = project()
        (folder / "dist" / "sub").mkdir()
        (folder / "dist" / "sub" / "deep.txt").write_text("deep\n")
        path = folder / "dist" / name
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True,
                          check=False).returncode != 0:
            pytest.skip("chattr +i is not available here")
        try:
            before = snapshot(folder / "dist")
            line = self.synth(folder)
            assert snapshot(folder / "dist") == before
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        assert line == (f"error: synth: output file=svc/dist/{name}: is immutable or "
                        "append-only, so synth cannot swap the folder it is in; run chattr -i "
                        "-a on it, or move it out of svc/dist")
        assert sorted(p.name for p in folder.iterdir()) == ["blueprint.yaml", "dist"]

    def test_an_immutable_folder(self, project: Callable[..., Path]) -> None:
        """A real EPERM: ``chattr +i`` stops even root from adding or removing entries."""
        folder = project()
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True,
                          check=False).returncode != 0:
            pytest.skip("chattr +i is not available here")
        try:
            before = snapshot(folder / "dist")
            line = self.synth(folder)
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        assert line == ("error: synth: --output=svc/dist: cannot write svc: Operation not "
                        "permitted (EPERM); check the permissions (and immutable flags) of the "
                        "folder and its files")
        assert snapshot(folder / "dist") == before


# Output paths a user (or a typo) may pass: relative to a scratch folder holding a file,
# a dangling link, a link loop and a previous output, plus system paths nobody can write.
# A writable path outside the scratch folder ("/", "..", "/x") is left out: CI runs as root,
# so a write there would land on the machine (and a second example would find it unchanged).
SPECIAL = ["file", "file/x", "file/x/y", "dangling", "loop", "loop/x", "dist", "/dev/stdout",
           "/dev/null", "/proc/self", ".", "bp/..", "dist/shop.k8s.yaml", "dist/notes.txt"]


def _inside(name: str) -> bool:
    """Whether a generated name stays inside the scratch folder (not absolute, no ``..``)."""
    return name != "-" and not name.startswith("/") and ".." not in name.split("/")


# No NUL: a command line cannot carry one (argv strings end at it), and typer's own Path
# conversion raises on it before blueprint runs.
# Nor "-": that is stdout, not a folder (-o - has its own tests).
names = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                min_size=1, max_size=40).filter(_inside)
paths = st.one_of(st.sampled_from(SPECIAL), names,
                  st.builds(lambda a, b: f"{a}/{b}", st.sampled_from(SPECIAL), names),
                  st.just("x" * 300), st.just("a/" * 3 + "b" * 256))


@settings(max_examples=60)
@given(target=paths)
@example(target="/dev/stdout/0")  # found: resolved through /proc to a deleted file's name
@example(target="a/a/a/" + "b" * 300)  # found: left a/a/a behind on ENAMETOOLONG
def test_any_output_path_is_one_line_or_a_clean_write(target: str, tmp_path_factory:
                                                      pytest.TempPathFactory) -> None:
    """Generated ``--output`` values: exit 0 and a complete release, or exit 1 or 2 with one
    line on stderr and no traceback; either way nothing else changes."""
    base = tmp_path_factory.mktemp("paths")
    (base / "bp").mkdir()
    (base / "bp" / "blueprint.yaml").write_text(GOOD_YAML)
    (base / "file").write_text("x")
    (base / "dangling").symlink_to("nowhere")
    (base / "loop").symlink_to("loop")
    (base / "dist").mkdir()
    (base / "dist" / "shop.k8s.yaml").write_bytes(file_bytes("old: 1\n"))
    (base / "dist" / "notes.txt").write_text("mine\n")
    before = snapshot(base)
    cwd = Path.cwd()
    os.chdir(base)
    try:
        result = runner.invoke(app, ["synth", "bp", "--output", target])
    finally:
        os.chdir(cwd)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if result.exit_code == 0:
        written = (base / target) / "shop.k8s.yaml"
        assert written.read_bytes().startswith(MARKER.encode())
        assert result.stdout.startswith("wrote ")
        after = snapshot(base)
        changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        assert all((base / k).resolve().is_relative_to((base / target).resolve()) or k in (
            target, *(str(p) for p in Path(target).parents)) for k in changed), changed
    else:
        assert result.exit_code in (1, 2), result.output
        if result.exit_code == 1:
            (line,) = result.stderr.splitlines()
            assert line.startswith("error: ")
        assert snapshot(base) == before

"""The output commit (blueprints/release/output.py): all or nothing, locked, crash-safe.

The crash tests run the commit in a child process armed through ``BLUEPRINT_FAULT_AT`` to kill
itself (SIGKILL), interrupt itself (SIGINT) or fail (an injected OSError) at the n-th step of
the commit, for every n until the commit runs out of steps; each step is a write, a link, the
switch, or an unlink. After each run the folder must equal the old or the new set byte for
byte. The YAML blueprint keeps them fast: no Node.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from pathlib import Path

import pytest

from blueprints.errors import ConfigError
from blueprints.release import output
from blueprints.release.output import FAULT_ENV, MARKER, commit, file_bytes, plan_output
from tests.conftest import blueprint_exe, met_python_start

OLD = {"a.k8s.yaml": "a: old\n", "b.k8s.yaml": "b: old\n", "gone.k8s.yaml": "gone: old\n"}
NEW = {"a.k8s.yaml": "a: new\n", "b.k8s.yaml": "b: new\n", "c.k8s.yaml": "c: new\n"}
USER = {"manual.k8s.yaml": b"kind: ConfigMap\n", "notes.txt": b"mine\n",
        "sub/x.txt": b"kept\n"}

YAML_BLUEPRINT = """apiVersion: blueprint.dev/v1
release: {release}
version: 1.0.0
components:
  - kind: WebApp
    name: web
    image: nginxinc/nginx-unprivileged:1.27.3
    runAsUser: 101
    writablePaths: [/tmp, /var/cache/nginx]
"""

# Runs one commit into argv[1], as synth would, of NEW or of the JSON files in argv[2]; exit
# 130 on Ctrl-C like the CLI.
DRIVER = f"""
import json, sys
from pathlib import Path
from blueprints.release.output import commit
try:
    commit(Path(sys.argv[1]), json.loads(sys.argv[2]) if len(sys.argv) > 2 else {NEW!r})
except KeyboardInterrupt:
    sys.exit(130)
"""


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every entry below ``folder``: files by content, folders as ``None``."""
    found: dict[str, bytes | None] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        found[key] = None if path.is_dir() and not path.is_symlink() else path.read_bytes()
    return found


def old_folder(out: Path) -> dict[str, bytes | None]:
    out.mkdir(parents=True)
    for name, text in OLD.items():
        (out / name).write_bytes(file_bytes(text))
    for name, data in USER.items():
        (out / name).parent.mkdir(exist_ok=True)
        (out / name).write_bytes(data)
    return tree(out)


def new_tree() -> dict[str, bytes | None]:
    expected: dict[str, bytes | None] = {name: file_bytes(text) for name, text in NEW.items()}
    expected.update(USER)
    expected["sub"] = None
    return dict(sorted(expected.items()))


@pytest.fixture
def out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``root/out``: ``root`` holds nothing else, so leftovers beside ``out`` show."""
    monkeypatch.chdir(tmp_path)
    return tmp_path / "root" / "out"


def beside(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir())


class TestCommit:
    def test_replaces_own_files_keeps_the_users(self, out: Path) -> None:
        old_folder(out)
        notes_inode = (out / "notes.txt").stat().st_ino
        commit(out, NEW)
        assert tree(out) == new_tree()
        assert (out / "notes.txt").stat().st_ino == notes_inode  # the same file, not a copy
        assert beside(out) == ["out"]

    def test_first_synth_creates_the_folder_with_the_umask(self, out: Path) -> None:
        commit(out, NEW)
        assert tree(out) == {name: file_bytes(text) for name, text in NEW.items()}
        mask = os.umask(0)
        os.umask(mask)
        assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~mask

    def test_keeps_the_folder_mode_and_owner(self, out: Path) -> None:
        old_folder(out)
        out.chmod(0o750)
        if os.geteuid() == 0:
            os.chown(out, 1234, 5678)
        before = out.stat()
        commit(out, NEW)
        after = out.stat()
        assert stat.S_IMODE(after.st_mode) == 0o750
        assert (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)
        assert after.st_ino != before.st_ino  # a new folder, swapped in

    def test_the_same_output_again_touches_nothing(self, out: Path) -> None:
        old_folder(out)
        commit(out, NEW, {"kustomization.yaml": "k: 1\n"})
        before = {p: os.stat(p) for p in [out, *out.rglob("*")]}
        seen: list[Path] = []
        commit(out, NEW, {"kustomization.yaml": "k: 1\n"}, before=seen.append)
        after = {p: os.stat(p) for p in [out, *out.rglob("*")]}
        assert after.keys() == before.keys()
        for path, info in before.items():  # the same folder and files, not rewritten copies
            assert (after[path].st_ino, after[path].st_mtime_ns) == (
                info.st_ino, info.st_mtime_ns), path
        assert seen == []  # nothing is replaced, so there is nothing to warn of
        assert beside(out) == ["out"]

    @pytest.mark.parametrize("change", ["text", "extra", "fewer", "foreign", "unmarked"])
    def test_any_difference_is_committed(self, out: Path, change: str) -> None:
        extra = {"kustomization.yaml": "k: 1\n"}
        commit(out, NEW, extra)
        files = dict(NEW)
        if change == "text":
            files["a.k8s.yaml"] = "a: newer\n"
        elif change == "extra":
            extra = {"kustomization.yaml": "k: 2\n"}
        elif change == "fewer":
            del files["c.k8s.yaml"]
        elif change == "foreign":  # another file synth wrote, which the new set removes
            (out / "x.k8s.yaml").write_bytes(file_bytes("x: 1\n"))
        else:  # the same bytes but the marker removed by hand: not the output synth writes
            (out / "a.k8s.yaml").write_bytes(NEW["a.k8s.yaml"].encode())
        before = out.stat().st_ino
        with pytest.raises(ConfigError) if change == "unmarked" else nullcontext():
            commit(out, files, extra)
        if change == "unmarked":  # a hand-written file is never replaced, not even by equal YAML
            return
        assert out.stat().st_ino != before
        expected: dict[str, bytes | None] = {n: file_bytes(t) for n, t in files.items()}
        expected.update({n: t.encode() for n, t in extra.items()})
        assert tree(out) == dict(sorted(expected.items()))

    def test_never_replaces_a_file_it_did_not_write(self, out: Path) -> None:
        old_folder(out)
        (out / "a.k8s.yaml").write_text("hand-written\n")
        before = tree(out)
        with pytest.raises(ConfigError) as caught:
            commit(Path("root/out"), NEW)
        assert caught.value.lines() == [
            f"error: synth: output file={Path('root/out/a.k8s.yaml')}: not written by blueprint "
            "synth (no marker line), so synth will not replace it; move it away, or delete it "
            "if an older blueprint wrote it (if python blueprint.py wrote it, give its App "
            "another outdir)"]
        assert tree(out) == before and beside(out) == ["out"]

    def test_a_folder_where_a_release_file_goes(self, out: Path) -> None:
        old_folder(out)
        (out / "c.k8s.yaml").mkdir()
        before = tree(out)
        with pytest.raises(ConfigError, match=r"c\.k8s\.yaml: is a folder, where synth writes"):
            commit(out, NEW)
        assert tree(out) == before

    def test_a_symlink_to_a_folder_is_followed_and_kept(self, out: Path) -> None:
        old_folder(out)
        link = out.parent / "link"
        link.symlink_to("out")
        commit(link, NEW)
        assert link.is_symlink() and tree(out) == new_tree()

    def test_plan_knows_the_marker(self, out: Path) -> None:
        old_folder(out)
        (out / "b.k8s.yaml").write_bytes(file_bytes(NEW["b.k8s.yaml"]))
        assert plan_output(out, NEW) == (["a.k8s.yaml", "c.k8s.yaml"], ["gone.k8s.yaml"])

    def test_too_many_other_files(self, out: Path) -> None:
        out.mkdir(parents=True)
        for i in range(output.MAX_OTHER_ENTRIES + 1):
            (out / f"{i}.txt").touch()
        with pytest.raises(ConfigError, match="holds over 1000 files and folders"):
            commit(out, NEW)
        assert not list(out.glob("*.k8s.yaml"))

    def test_without_renameat2_two_renames(self, out: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(output, "_renameat2", lambda: None)
        old_folder(out)
        commit(out, NEW)
        assert tree(out) == new_tree() and beside(out) == ["out"]

    def test_recovery_puts_a_folder_moved_aside_back(self, out: Path) -> None:
        """A kill between the fallback's two renames leaves no folder at the path."""
        before = old_folder(out)
        out.rename(out.parent / ".out.blueprint-old-1234")
        (out.parent / ".out.blueprint-new-5678").mkdir()
        (out.parent / ".out.blueprint-new-5678" / "a.k8s.yaml").write_text("partial")
        commit(out, OLD | {"c.k8s.yaml": "c: new\n"})
        assert {k: v for k, v in tree(out).items() if k != "c.k8s.yaml"} == before
        assert beside(out) == ["out"]


class TestFaults:
    """#11: a failure at any step of the commit gives back the old folder byte for byte."""

    def test_failure_at_each_step(self, out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        before = old_folder(out)
        step = 0
        while True:
            step += 1
            monkeypatch.setenv(FAULT_ENV, f"raise@{step}")
            try:
                commit(out, NEW)
            except ConfigError as error:
                (line,) = error.lines()
                assert f"fault injected at step {step}" in line
                assert tree(out) == before, step
                assert beside(out) == ["out"], step
                continue
            break
        assert step > 8  # 3 writes, 4 links, the switch: each failed once
        assert tree(out) == new_tree()


def run_driver(out: Path, fault: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {FAULT_ENV: fault}
    return subprocess.run([sys.executable, "-c", DRIVER, str(out)], env=env, text=True,
                          capture_output=True, timeout=60, check=False)


def steps(out: Path, fault: str, run: Callable[[Path, str], subprocess.CompletedProcess[str]]
          = run_driver, least: int = 15, stride: int = 1) -> Iterator[
              tuple[int, subprocess.CompletedProcess[str]]]:
    """Arm ``fault`` at step 1, 1 + stride, ... on a fresh old folder, until the commit
    outruns it."""
    step = 1 - stride
    while True:
        step += stride
        if out.exists():
            subprocess.run(["rm", "-rf", str(out.parent)], check=True)
        old_folder(out)
        done = run(out, f"{fault}@{step}")
        if done.returncode == 0:
            assert step > least, "the commit has fewer steps than it should"
            return
        yield step, done


class TestCrash:
    """#12: SIGKILL at every step: the old or the new set, never a mix (SIGINT: below)."""

    def test_sigkill_at_every_step(self, out: Path) -> None:
        seen = set()
        for step, done in steps(out, "kill"):
            assert done.returncode == -signal.SIGKILL, (step, done.stderr)
            state, old = tree(out), self.old()
            assert state in (old, new_tree()), step
            seen.add("old" if state == old else "new")
            leftovers = [n for n in beside(out) if n != "out"]
            assert all(n.startswith(".out.blueprint-") for n in leftovers), leftovers
            commit(out, NEW)  # the next synth removes what the kill left beside the folder
            assert beside(out) == ["out"] and tree(out) == new_tree()
        assert seen == {"old", "new"}

    @staticmethod
    def old() -> dict[str, bytes | None]:
        expected: dict[str, bytes | None] = {n: file_bytes(t) for n, t in OLD.items()}
        expected.update(USER)
        expected["sub"] = None
        return dict(sorted(expected.items()))


class TestCrashThroughSynth:
    """The same through ``blueprint synth`` (a YAML blueprint: no Node): its new set is one
    release file, so a mix would be that file beside an old one. SIGKILL at every other step
    (the commit's every step is covered above); SIGINT, which only the command turns into its
    exit code and line, at every step."""

    @pytest.fixture
    def synth(self, tmp_path: Path) -> Callable[[Path, str], subprocess.CompletedProcess[str]]:
        folder = tmp_path / "bp"
        folder.mkdir()
        (folder / "blueprint.yaml").write_text(YAML_BLUEPRINT.format(release="shop"))

        def run(out: Path, fault: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([blueprint_exe(), "synth", str(folder), "-o", str(out)],
                                  env=os.environ | {FAULT_ENV: fault}, text=True,
                                  capture_output=True, timeout=60, check=False)

        return run

    @staticmethod
    def new(out: Path, synth: Callable[[Path, str], subprocess.CompletedProcess[str]]) -> (
            dict[str, bytes | None]):
        reference = out.parent.parent / "reference"
        assert synth(reference, "").returncode == 0
        expected = {k: v for k, v in tree(reference).items()} | dict(USER)
        expected["sub"] = None
        return dict(sorted(expected.items()))

    def test_sigkill_at_every_other_step(self, out: Path, synth: Callable[
            [Path, str], subprocess.CompletedProcess[str]]) -> None:
        new, seen = self.new(out, synth), set()
        files = {name: text.decode().removeprefix(MARKER) for name, text in new.items()
                 if name.endswith(".k8s.yaml") and name != "manual.k8s.yaml" and text}
        for step, done in steps(out, "kill", synth, least=10, stride=2):
            assert done.returncode == -signal.SIGKILL, (step, done.stderr)
            state = tree(out)
            assert state in (TestCrash.old(), new), step
            seen.add("new" if state == new else "old")
            assert all(n.startswith(".out.blueprint-") for n in beside(out) if n != "out")
            commit(out, files)  # the next synth's commit cleans up
            assert (tree(out), beside(out)) == (new, ["out"])
        assert seen == {"old", "new"}

    def test_sigint_at_every_step(self, out: Path, synth: Callable[
            [Path, str], subprocess.CompletedProcess[str]]) -> None:
        new = self.new(out, synth)
        for step, done in steps(out, "int", synth, least=10):
            assert (done.returncode, done.stderr) == (130, (
                "error: synth: signal=SIGINT: interrupted; the output folder holds the old "
                "release set or the new one, never a mix; run synth again\n")), step
            assert (tree(out), beside(out)) == (new, ["out"]), step


@pytest.fixture
def blueprints_dir(tmp_path: Path) -> Callable[[str], Path]:
    def make(release: str) -> Path:
        folder = tmp_path / f"bp-{release}"
        folder.mkdir()
        (folder / "blueprint.yaml").write_text(YAML_BLUEPRINT.format(release=release))
        return folder

    return make


class TestThroughTheCli:
    def test_sigint_during_the_commit_exits_130_with_one_line(
            self, tmp_path: Path, blueprints_dir: Callable[[str], Path]) -> None:
        folder = blueprints_dir("shop")
        out = tmp_path / "out"
        done = subprocess.run([blueprint_exe(), "synth", str(folder), "-o", str(out)],
                              env=os.environ | {FAULT_ENV: "int@2"}, text=True,
                              capture_output=True, timeout=60, check=False)
        assert done.returncode == 130
        assert done.stderr == ("error: synth: signal=SIGINT: interrupted; the output folder "
                               "holds the old release set or the new one, never a mix; run "
                               "synth again\n")
        assert sorted(p.name for p in out.iterdir()) == ["shop.k8s.yaml"]

    def test_two_synths_at_once_never_mix(self, tmp_path: Path,
                                          blueprints_dir: Callable[[str], Path]) -> None:
        """Rounds of two synths into one folder, each commit step slowed so they overlap."""
        shop, cart = blueprints_dir("shop"), blueprints_dir("cart")
        out = tmp_path / "out"
        out.mkdir()
        (out / "notes.txt").write_text("mine\n")
        env = os.environ | {FAULT_ENV: "slow@2"}
        expected = {}
        for folder in (shop, cart):
            subprocess.run([blueprint_exe(), "synth", str(folder), "-o", str(out)], check=True,
                           capture_output=True, env=env)
            expected[folder.name] = tree(out)
        assert expected["bp-shop"] != expected["bp-cart"]
        for _ in range(3):
            procs = [subprocess.Popen([blueprint_exe(), "synth", str(folder), "-o", str(out)],
                                      env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True) for folder in (shop, cart)]
            results = [(*p.communicate(timeout=60), p.returncode) for p in procs]
            assert [code for _, _, code in results] == [0, 0]
            # Each replaces the other's release, whose Namespace pruning would delete: the
            # immutable-field guard says so, as a warning (the write goes ahead).
            assert all(line.startswith("warning: Namespace/") and "(BP043)" in line
                       for _, err, _ in results for line in err.splitlines()), results
            assert tree(out) in (expected["bp-shop"], expected["bp-cart"])
            assert sorted(p.name for p in tmp_path.iterdir()) == ["bp-cart", "bp-shop", "out"]


def test_twenty_rounds_of_two_commits_never_mix(out: Path) -> None:
    """#12: two commits into one folder at once, 20 rounds, each step slowed so that they
    overlap: the folder always ends as one whole set, and nothing is left beside it."""
    old_folder(out)
    first = {"a.k8s.yaml": "a: 1\n", "b.k8s.yaml": "b: 1\n", "c.k8s.yaml": "c: 1\n"}
    second = {"a.k8s.yaml": "a: 2\n", "b.k8s.yaml": "b: 2\n", "d.k8s.yaml": "d: 2\n"}
    env = os.environ | {FAULT_ENV: "slow@2"}
    for _ in range(20):
        procs = [subprocess.Popen([sys.executable, "-c", DRIVER, str(out), json.dumps(files)],
                                  env=env, stderr=subprocess.PIPE, text=True)
                 for files in (first, second)]
        assert [(p.communicate(timeout=60)[1], p.returncode) for p in procs] == [("", 0)] * 2
        state = {k: v for k, v in tree(out).items() if k.endswith(".k8s.yaml")}
        wanted = [{n: file_bytes(t) for n, t in files.items()} | {
            "manual.k8s.yaml": USER["manual.k8s.yaml"]} for files in (first, second)]
        assert state in wanted
        assert beside(out) == ["out"]


def test_ctrl_c_at_any_moment_is_130_or_done(tmp_path: Path,
                                             blueprints_dir: Callable[[str], Path]) -> None:
    """Real SIGINTs at moments spread over a synth (no hook): exit 0 when the synth was done
    first, else 130 with one line; never a traceback, never a mix, no leftovers."""
    folder = blueprints_dir("shop")
    out = tmp_path / "out"
    out.mkdir()
    (out / "shop.k8s.yaml").write_bytes(file_bytes("old: 1\n"))
    old = tree(out)
    # The shorter of two synths: the second finds its output up to date and writes nothing,
    # as most rounds below do once one has written the new set.
    durations = []
    for _ in range(2):
        start = time.perf_counter()
        subprocess.run([blueprint_exe(), "synth", str(folder), "-o", str(tmp_path / "ref")],
                       check=True, capture_output=True)
        durations.append(time.perf_counter() - start)
    duration = min(durations)
    new = tree(tmp_path / "ref")
    codes = set()
    # Moments spread over a synth as long as the reference one on this machine (a loaded
    # machine starts Python slower); more rounds only while no signal has met the command yet.
    fractions = (0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 1.0, 0.5, 0.6, 0.65, 0.75, 0.8)
    for round_, fraction in enumerate(fractions):
        if round_ >= 6 and 130 in codes:
            break
        delay = duration * fraction
        proc = subprocess.Popen([blueprint_exe(), "synth", str(folder), "-o", str(out)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        if met_python_start(proc.returncode, err):
            continue  # before blueprint's entry point could take Ctrl-C over
        codes.add(proc.returncode)
        assert proc.returncode in (0, 130) and "Traceback" not in err, err
        if proc.returncode == 130:
            assert err.splitlines() in (  # before the command started, or in it
                ["error: blueprint: signal=SIGINT: interrupted; run the command again"],
                ["error: synth: signal=SIGINT: interrupted; the output folder holds the old "
                 "release set or the new one, never a mix; run synth again"])
        assert tree(out) in (old, new)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["bp-shop", "out", "ref"]
    assert 130 in codes


def test_extra_files_switch_with_the_release_files(out: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """``kustomization.yaml`` (synth --kustomization) is part of the same commit: a failure at
    any step leaves the old one beside the old releases, success the new one beside the new."""
    old_folder(out)
    (out / "kustomization.yaml").write_text("resources: [a.k8s.yaml, b.k8s.yaml]\n")
    before = tree(out)
    extra = {"kustomization.yaml": "resources: [a.k8s.yaml, b.k8s.yaml, c.k8s.yaml]\n"}
    step = 0
    while True:
        step += 1
        monkeypatch.setenv(FAULT_ENV, f"raise@{step}")
        try:
            commit(out, NEW, extra)
        except ConfigError:
            assert tree(out) == before, step
            continue
        break
    assert tree(out) == new_tree() | {"kustomization.yaml": extra["kustomization.yaml"].encode()}


@pytest.mark.parametrize("text", ["a: 1\n", "", "name: café ☕\n", "x: \U0001f600\n" * 3])
def test_the_size_synth_prints_is_the_size_it_writes(text: str) -> None:
    assert output.file_size(text) == len(file_bytes(text))

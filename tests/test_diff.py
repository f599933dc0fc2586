"""``blueprint diff`` and ``synth --check`` through the CLI, and the immutable-field guard.

Every guard case starts from what blueprint synthesizes now and an older release that differs
in one field, written by hand the way an earlier synth (or a hand edit) would have left it. The
expected refusals come from the Kubernetes validation cited in blueprints/release/immutable.py.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from blueprints.cli.main import app
from blueprints.errors import UnreadableInputError
from blueprints.kube import DEFAULT
from blueprints.release.diff import diff_files, render_json, render_text
from blueprints.release.immutable import check_change, check_removals, parse_quantity
from blueprints.release.synth import synthesize
from blueprints.release.writer import dump_documents
from tests.conftest import load_all

runner = CliRunner()

BLUEPRINT = """\
apiVersion: blueprint.dev/v1
release: shop
version: 1.0.0
components:
  - kind: StatefulWebApp
    name: db
    image: nginxinc/nginx-unprivileged:1.27.3
    port: 8080
    replicas: 2
    runAsUser: 101
    storage: {name: www, size: 1Gi, mountPath: /usr/share/nginx/html}
    writablePaths: [/tmp, /var/cache/nginx]
  - kind: DataMigration
    name: db-migrate
    stateful: db
    ordinals: [2]
    image: busybox:1.36.1
    command: [sh, -c, "cp -a /data/. /backup/"]
  - kind: WebApp
    name: web
    image: nginxinc/nginx-unprivileged:1.27.3
    replicas: 1
    runAsUser: 101
    writablePaths: [/tmp, /var/cache/nginx]
    mounts:
      - volume: {name: uploads, newClaim: {size: 2Gi}}
        path: /uploads
  - kind: DaemonApp
    name: agent
    image: busybox:1.36.1
    command: [sh, -c, "exec sleep 3600"]
"""

Docs = list[dict[str, Any]]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "blueprint.yaml").write_text(BLUEPRINT)
    return folder


def current(project: Path) -> Docs:
    result = synthesize(project, kube_version=DEFAULT)
    return load_all(result.files["shop.k8s.yaml"])


def find(docs: Docs, kind: str, name: str) -> dict[str, Any]:
    return next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name)


def old_release(project: Path, change: Callable[[Docs], None]) -> Path:
    """The current release with ``change`` applied, written as an older output folder."""
    docs = copy.deepcopy(current(project))
    change(docs)
    folder = project.parent / "old"
    folder.mkdir(exist_ok=True)
    (folder / "shop.k8s.yaml").write_text(dump_documents(docs))
    return folder


def run_diff(project: Path, *args: str) -> Any:
    return runner.invoke(app, ["diff", str(project), *args])


def set_path(kind: str, name: str, path: str, value: Any) -> Callable[[Docs], None]:
    def change(docs: Docs) -> None:
        target = find(docs, kind, name)
        *parents, last = path.split(".")
        for key in parents:
            target = target.setdefault(key, {})
        target[last] = value

    return change


# case -> (change to the old release, the guard's expected "error: <object>: <field>=" prefixes,
# one per line of stderr)
GUARD_CASES: dict[str, tuple[Callable[[Docs], None], str | tuple[str, ...]]] = {
    "Deployment selector": (
        set_path("Deployment", "web", "spec.selector", {"matchLabels": {"app": "web"}}),
        "error: Deployment/web: spec.selector.matchLabels.app=web -> <unset>: "),
    "DaemonSet selector": (
        set_path("DaemonSet", "agent", "spec.selector", {"matchLabels": {"app": "agent"}}),
        "error: DaemonSet/agent: spec.selector.matchLabels.app=agent -> <unset>: "),
    "StatefulSet selector": (
        set_path("StatefulSet", "db", "spec.selector", {"matchLabels": {"app": "db"}}),
        "error: StatefulSet/db: spec.selector.matchLabels.app=db -> <unset>: "),
    "StatefulSet volumeClaimTemplates": (
        set_path("StatefulSet", "db", "spec.volumeClaimTemplates", []),
        "error: StatefulSet/db: spec.volumeClaimTemplates=[] -> [www]: "),
    "StatefulSet serviceName": (
        set_path("StatefulSet", "db", "spec.serviceName", "db-old"),
        "error: StatefulSet/db: spec.serviceName=db-old -> db-headless: "),
    "StatefulSet podManagementPolicy": (
        set_path("StatefulSet", "db", "spec.podManagementPolicy", "Parallel"),
        "error: StatefulSet/db: spec.podManagementPolicy=Parallel -> OrderedReady: "),
    "Job template": (
        set_path("Job", "db-migrate", "spec.template.spec.activeDeadlineSeconds", 60),
        "error: Job/db-migrate: spec.template.spec.activeDeadlineSeconds=60 -> <unset>: "),
    "Job selector": (
        set_path("Job", "db-migrate", "spec.selector", {"matchLabels": {"job": "x"}}),
        "error: Job/db-migrate: spec.selector={\"matchLabels\":{\"job\":\"x\"}} -> <unset>: "),
    "Service clusterIP": (
        set_path("Service", "db-headless", "spec.clusterIP", "10.0.0.12"),
        "error: Service/db-headless: spec.clusterIP=10.0.0.12 -> None: "),
    "PVC storageClassName": (
        set_path("PersistentVolumeClaim", "uploads", "spec.storageClassName", "fast"),
        "error: PersistentVolumeClaim/uploads: spec.storageClassName=fast -> <unset>: "),
    "PVC accessModes": (
        set_path("PersistentVolumeClaim", "uploads", "spec.accessModes", ["ReadWriteMany"]),
        "error: PersistentVolumeClaim/uploads: spec.accessModes[0]=ReadWriteMany -> "
        "ReadWriteOnce: "),
    "PVC smaller request": (
        set_path("PersistentVolumeClaim", "uploads", "spec.resources.requests.storage", "5Gi"),
        "error: PersistentVolumeClaim/uploads: spec.resources.requests.storage=5Gi -> 2Gi: "
        "volumes never shrink"),
    "immutable ConfigMap data": (
        lambda docs: find(docs, "ConfigMap", "shop-applyset").update(
            immutable=True, data={"a": "1"}),
        ("error: ConfigMap/shop-applyset: immutable=true -> <unset>: an immutable object cannot "
         "become mutable again", "error: ConfigMap/shop-applyset: data=<changed>: an object with "
         "immutable: true cannot change its data")),
    "immutable ConfigMap made mutable": (
        lambda docs: find(docs, "ConfigMap", "shop-applyset").update(immutable=True),
        "error: ConfigMap/shop-applyset: immutable=true -> <unset>: "),
}


class TestGuardThroughTheCli:
    @pytest.mark.parametrize("case", list(GUARD_CASES))
    def test_refused_change_is_an_error(self, case: str, project: Path) -> None:
        change, expected = GUARD_CASES[case]
        old = old_release(project, change)
        result = run_diff(project, "--against", str(old))
        assert result.exit_code == 1, result.output
        errors = result.stderr.splitlines()
        prefixes = (expected,) if isinstance(expected, str) else expected
        assert len(errors) == len(prefixes), result.stderr
        for line, prefix in zip(errors, prefixes, strict=True):
            assert line.startswith(prefix), line
        assert "Traceback" not in result.output

    def test_growing_a_claim_is_allowed(self, project: Path) -> None:
        old = old_release(project, set_path("PersistentVolumeClaim", "uploads",
                                             "spec.resources.requests.storage", "1Gi"))
        result = run_diff(project, "--against", str(old))
        assert (result.exit_code, result.stderr) == (1, "")
        assert ("~ shop.k8s.yaml: PersistentVolumeClaim shop/uploads: "
                "spec.resources.requests.storage") in result.stdout

    def test_allowed_statefulset_fields_pass(self, project: Path) -> None:
        def change(docs: Docs) -> None:
            sts = find(docs, "StatefulSet", "db")["spec"]
            sts["replicas"] = 5
            sts["template"]["spec"]["terminationGracePeriodSeconds"] = 99

        result = run_diff(project, "--against", str(old_release(project, change)))
        assert (result.exit_code, result.stderr) == (1, "")
        assert ("~ shop.k8s.yaml: StatefulSet shop/db: spec.replicas, "
                "spec.template.spec.terminationGracePeriodSeconds") in result.stdout


class TestObjects:
    def test_nothing_changes(self, project: Path) -> None:
        assert runner.invoke(app, ["synth", str(project)]).exit_code == 0
        result = run_diff(project)  # against dist/, the folder synth writes
        assert (result.exit_code, result.stdout, result.stderr) == (0, "no changes\n", "")

    def test_added_removed_and_renamed(self, project: Path) -> None:
        def change(docs: Docs) -> None:
            docs.remove(find(docs, "DaemonSet", "agent"))  # added now
            old_web = copy.deepcopy(find(docs, "Deployment", "web"))
            old_web["metadata"]["name"] = "old-web"  # removed now
            docs.append(old_web)
            find(docs, "StatefulSet", "db")["metadata"]["name"] = "database"  # renamed
            find(docs, "PersistentVolumeClaim", "uploads")["metadata"]["name"] = "files"

        result = run_diff(project, "--against", str(old_release(project, change)))
        assert result.exit_code == 1
        out = result.stdout
        assert "+ shop.k8s.yaml: DaemonSet shop/agent\n" in out
        assert "+ shop.k8s.yaml: StatefulSet shop/db\n" in out
        assert "- shop.k8s.yaml: Deployment shop/old-web\n" in out
        assert "- shop.k8s.yaml: StatefulSet shop/database\n" in out
        assert "3 added, 3 removed, 0 changed\n" in out
        errors = result.stderr.splitlines()
        # in the file's order: claims before the workloads that mount them
        assert [e.split(":")[1] for e in errors] == [" PersistentVolumeClaim/files",
                                                     " StatefulSet/database"]
        assert "renamed: a delete and a create" in errors[1] and "(BP026)" in errors[1]
        assert "pruning deletes the claim" in errors[0]
        # The unified diff shows the whole added object.
        assert "+++ b/shop.k8s.yaml DaemonSet shop/agent\n" in out
        assert "+kind: DaemonSet\n" in out

    def test_json(self, project: Path) -> None:
        old = old_release(project, set_path("Deployment", "web", "spec.replicas", 4))
        result = run_diff(project, "--against", str(old), "--format", "json")
        assert result.exit_code == 1
        report = json.loads(result.stdout)
        assert (report["added"], report["removed"], report["errors"]) == ([], [], [])
        [changed] = report["changed"]
        assert (changed["kind"], changed["name"], changed["fields"]) == (
            "Deployment", "web", ["spec.replicas"])
        assert "-  replicas: 4\n+  replicas: 1\n" in changed["diff"]

    def test_label_paths_are_quoted(self, project: Path) -> None:
        old = old_release(project, set_path("Deployment", "web", "metadata.labels",
                                            {"app.kubernetes.io/name": "web"}))
        result = run_diff(project, "--against", str(old))
        assert 'metadata.labels["app.kubernetes.io/instance"]' in result.stdout

    def test_unreadable_old_output_is_exit_2(self, project: Path) -> None:
        old = project.parent / "old"
        old.mkdir()
        (old / "shop.k8s.yaml").write_text("a: [\n")
        result = run_diff(project, "--against", str(old))
        assert result.exit_code == 2
        assert len(result.stderr.splitlines()) == 1
        assert result.stderr.startswith("error: diff: old output=shop.k8s.yaml: not valid YAML")

    @pytest.mark.parametrize("kind", ["missing", "a file"])
    def test_against_a_folder_that_is_not_there_is_exit_2(self, kind: str,
                                                           project: Path) -> None:
        """README: exit 2 when the old output cannot be read; a missing --against folder is
        not "everything added"."""
        old = project.parent / "old"
        if kind == "a file":
            old.write_text("not a folder\n")
        result = run_diff(project, "--against", str(old))
        assert result.exit_code == 2, result.output
        assert result.stdout == ""
        reason = "no such folder" if kind == "missing" else "not a folder"
        assert result.stderr.splitlines() == [
            f"error: diff: --against={old}: {reason}; pass the folder that holds the old "
            "release files (for example dist/)"]

    def test_against_a_folder_that_cannot_be_listed_is_exit_2(
            self, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        import os

        old = project.parent / "old"
        old.mkdir()
        real = os.listdir

        def refuse(path: Any) -> list[str]:
            if Path(path) == old:
                raise PermissionError(13, "Permission denied")
            return real(path)

        monkeypatch.setattr(os, "listdir", refuse)  # the tests run as root: chmod would not do
        result = run_diff(project, "--against", str(old))
        assert result.exit_code == 2, result.output
        assert result.stderr.splitlines() == [
            f"error: diff: --against={old}: cannot list it: Permission denied; pass a folder "
            "you can read"]

    def test_missing_default_output_folder_is_a_first_release(self, project: Path) -> None:
        result = run_diff(project)  # dist/ does not exist yet: everything is added
        assert result.exit_code == 1 and result.stderr == ""
        assert " added, 0 removed, 0 changed" in result.stdout

    def test_both_against_options_is_a_usage_error(self, project: Path) -> None:
        result = run_diff(project, "--against", "x", "--against-git", "HEAD")
        assert result.exit_code == 2


class TestColour:
    def test_colour_only_for_a_terminal_without_no_color(self, project: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
        from blueprints.cli import diff as cli_diff

        monkeypatch.setattr("sys.stdout.isatty", lambda: True)
        monkeypatch.delenv("NO_COLOR", raising=False)
        assert cli_diff._colour() is True
        monkeypatch.setenv("NO_COLOR", "1")
        assert cli_diff._colour() is False
        monkeypatch.delenv("NO_COLOR")
        monkeypatch.setattr("sys.stdout.isatty", lambda: False)
        assert cli_diff._colour() is False

    def test_coloured_lines(self, project: Path) -> None:
        new = synthesize(project, kube_version=DEFAULT).files
        docs = load_all(new["shop.k8s.yaml"])
        find(docs, "Deployment", "web")["spec"]["replicas"] = 7
        changes = diff_files({"shop.k8s.yaml": dump_documents(docs)}, new)
        coloured = render_text(changes, colour=True)
        assert "\x1b[31m-  replicas: 7\x1b[0m\n" in coloured
        assert "\x1b[32m+  replicas: 1\x1b[0m\n" in coloured
        assert "\x1b[" not in render_text(changes, colour=False)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
class TestAgainstGit:
    @staticmethod
    def git(cwd: Path, *args: str) -> str:
        return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com",
                               *args], cwd=cwd, check=True, capture_output=True,
                              text=True).stdout

    def test_committed_output_at_a_ref(self, project: Path) -> None:
        repo = project.parent
        self.git(repo, "init", "-q", "-b", "main")
        assert runner.invoke(app, ["synth", str(project)]).exit_code == 0
        self.git(repo, "add", "-A")
        self.git(repo, "commit", "-q", "-m", "release 1")
        # The next release in the working tree: synth writes it, not yet committed.
        blueprint = project / "blueprint.yaml"
        blueprint.write_text(blueprint.read_text().replace("busybox:1.36.1\n    command: [sh, -c, "
                                                           '"exec', "busybox:1.37.0\n    command: "
                                                           '[sh, -c, "exec'))
        assert runner.invoke(app, ["synth", str(project)]).exit_code == 0
        assert run_diff(project).exit_code == 0  # the folder already holds it
        result = run_diff(project, "--against-git", "HEAD")
        assert result.exit_code == 1
        assert ("~ shop.k8s.yaml: DaemonSet shop/agent: "
                'metadata.labels["app.kubernetes.io/version"], ') in result.stdout
        self.git(repo, "commit", "-q", "-am", "release 2")
        assert run_diff(project, "--against-git", "HEAD").exit_code == 0
        assert run_diff(project, "--against-git", "HEAD~1").exit_code == 1

    def test_unknown_ref_is_exit_2(self, project: Path) -> None:
        self.git(project.parent, "init", "-q")
        result = run_diff(project, "--against-git", "no-such-ref")
        assert result.exit_code == 2
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: diff: --against-git=no-such-ref: ")

    def test_not_a_repository_is_exit_2(self, project: Path) -> None:
        result = run_diff(project, "--against-git", "HEAD")
        assert result.exit_code == 2
        assert len(result.stderr.splitlines()) == 1


def claim_template(path: str, value: Any) -> Callable[[Docs], None]:
    """Set ``path`` in the db StatefulSet's first volumeClaimTemplate of the old release."""
    def change(docs: Docs) -> None:
        target = find(docs, "StatefulSet", "db")["spec"]["volumeClaimTemplates"][0]
        *parents, last = path.split(".")
        for key in parents:
            target = target.setdefault(key, {})
        target[last] = value

    return change


STORAGE = "error: StatefulSet/db: spec.volumeClaimTemplates[0].spec.resources.requests.storage="


class TestStatefulSetStorageCases:
    """The four ways a StatefulSet's claim templates change, each with its own message and fix.

    The API server refuses every one (apps validation: volumeClaimTemplates are not among the
    mutable fields); what the user must do differs (kubernetes/website
    content/en/docs/concepts/storage/persistent-volumes.md, "Expanding Persistent Volumes
    Claims", and content/en/docs/tasks/run-application/delete-stateful-set.md).
    """

    def only_error(self, project: Path, change: Callable[[Docs], None]) -> str:
        result = run_diff(project, "--against", str(old_release(project, change)))
        assert result.exit_code == 1, result.output
        [line] = result.stderr.splitlines()
        assert "{" not in line.split(": ", 3)[2]  # the field and old -> new, never a JSON dump
        return line

    def test_grow(self, project: Path) -> None:
        line = self.only_error(project, claim_template("spec.resources.requests.storage",
                                                       "512Mi"))
        assert line == (
            f"{STORAGE}512Mi -> 1Gi: a StatefulSet's volumeClaimTemplates are immutable: grow "
            "the claims themselves; expand each claim (www-db-0 and www-db-1) with kubectl -n "
            "shop patch pvc <claim> -p '{\"spec\":{\"resources\":{\"requests\":{\"storage\":"
            "\"1Gi\"}}}}' (its StorageClass needs allowVolumeExpansion: true), then kubectl -n "
            "shop delete statefulset db --cascade=orphan (pods and claims stay) and apply again")

    def test_shrink(self, project: Path) -> None:
        line = self.only_error(project, claim_template("spec.resources.requests.storage", "5Gi"))
        assert line.startswith(f"{STORAGE}5Gi -> 1Gi: volumes never shrink: ")
        assert "keep 5Gi, or copy the data to a StatefulSet with a new name" in line
        assert "patch" not in line and "orphan" not in line  # neither helps a smaller volume

    def test_storage_class(self, project: Path) -> None:
        line = self.only_error(project, claim_template("spec.storageClassName", "fast"))
        assert line.startswith("error: StatefulSet/db: spec.volumeClaimTemplates[0].spec."
                               "storageClassName=fast -> <unset>: a claim's storage class is "
                               "fixed when it is created: the data must move; ")
        assert "keep storageClassName fast, or copy the data" in line
        assert "patch" not in line and "orphan" not in line

    def test_other_template_change(self, project: Path) -> None:
        line = self.only_error(project, claim_template("spec.accessModes", ["ReadWriteMany"]))
        assert line == (
            "error: StatefulSet/db: spec.volumeClaimTemplates[0].spec.accessModes[0]="
            "ReadWriteMany -> ReadWriteOnce: a StatefulSet's volumeClaimTemplates are immutable; "
            "kubectl -n shop delete statefulset db --cascade=orphan (pods and claims stay) and "
            "apply again; claims that exist keep their old spec, only new ones follow the "
            "template")

    def test_the_four_messages_differ(self, project: Path) -> None:
        changes = [claim_template("spec.resources.requests.storage", "512Mi"),
                   claim_template("spec.resources.requests.storage", "5Gi"),
                   claim_template("spec.storageClassName", "fast"),
                   claim_template("spec.accessModes", ["ReadWriteMany"])]
        whats = {self.only_error(project, c).split(": ", 3)[3] for c in changes}
        assert len(whats) == 4


class TestRefusedOrOrdinary:
    """CI tells a change the API server refuses from an ordinary one: both exit 1 (DESIGN:
    1 is "a diff with changes"); a refused one adds error: lines on stderr, a summary line,
    and the refused list in JSON. Plain synth warns; synth --check does not advise a commit."""

    def test_ordinary_change_has_no_errors(self, project: Path) -> None:
        old = old_release(project, set_path("StatefulSet", "db", "spec.replicas", 5))
        for output in ("text", "json"):
            result = run_diff(project, "--against", str(old), "--format", output)
            assert (result.exit_code, result.stderr) == (1, "")
        assert json.loads(result.stdout)["refused"] == []
        assert "the API server refuses" not in run_diff(project, "--against", str(old)).stdout

    def test_refused_change_in_text_and_json(self, project: Path) -> None:
        old = old_release(project, claim_template("spec.storageClassName", "fast"))
        text = run_diff(project, "--against", str(old))
        assert ("1 of the changes the API server refuses or that lose data: see the error: "
                "lines") in text.stdout.splitlines()
        assert text.stderr.startswith("error: StatefulSet/db: ")
        data = json.loads(run_diff(project, "--against", str(old), "--format", "json").stdout)
        assert data["refused"] == [{
            "object": "StatefulSet/db",
            "field": "spec.volumeClaimTemplates[0].spec.storageClassName",
            "change": "fast -> <unset>",
            "what": "a claim's storage class is fixed when it is created: the data must move",
            "fix": data["refused"][0]["fix"], "practice": None}]
        assert data["errors"] == text.stderr.splitlines()

    def test_plain_synth_warns_and_writes(self, project: Path) -> None:
        dist = project / "dist"
        assert runner.invoke(app, ["synth", str(project)]).exit_code == 0
        target = dist / "shop.k8s.yaml"
        docs = load_all(target.read_text())
        claim_template("spec.resources.requests.storage", "512Mi")(docs)
        from blueprints.release.output import MARKER

        target.write_text(MARKER + dump_documents(docs))
        result = runner.invoke(app, ["synth", str(project)])
        assert result.exit_code == 0, result.output
        [warning] = result.stderr.splitlines()
        assert warning.startswith(STORAGE.replace("error:", "warning:") + "512Mi -> 1Gi: ")
        assert "storage: \"1Gi\"" in target.read_text()  # written: the blueprint asked for it
        again = runner.invoke(app, ["synth", str(project)])
        assert (again.exit_code, again.stderr) == (0, "")  # nothing changes: nothing to warn

    def test_check_does_not_advise_committing_a_refused_change(self, project: Path) -> None:
        assert runner.invoke(app, ["synth", str(project)]).exit_code == 0
        target = project / "dist" / "shop.k8s.yaml"
        docs = load_all(target.read_text())
        claim_template("spec.storageClassName", "fast")(docs)
        from blueprints.release.output import MARKER

        target.write_text(MARKER + dump_documents(docs))
        result = runner.invoke(app, ["synth", str(project), "--check"])
        assert result.exit_code == 1
        assert "run blueprint synth and commit" not in result.stderr
        assert result.stderr.splitlines()[-1].endswith(
            "would change, and the API server refuses part of the change (the errors above); "
            "follow their fixes, or undo that change in the blueprint")


class TestGuardOnKindsBlueprintDoesNotMake:
    """Kinds that only reach a release through cdk8s escape hatches or plain charts."""

    @staticmethod
    def obj(kind: str, api: str, **body: Any) -> dict[str, Any]:
        return {"apiVersion": api, "kind": kind, "metadata": {"name": "x", "namespace": "n"},
                **body}

    def test_replicaset_selector(self) -> None:
        old = self.obj("ReplicaSet", "apps/v1", spec={"selector": {"matchLabels": {"a": "1"}}})
        new = self.obj("ReplicaSet", "apps/v1", spec={"selector": {"matchLabels": {"a": "2"}}})
        [problem] = check_change(old, new)
        assert (problem.field, problem.value, problem.practice) == (
            "spec.selector.matchLabels.a", "1 -> 2", "BP004")

    def test_immutable_secret_data(self) -> None:
        old = self.obj("Secret", "v1", immutable=True, data={"k": "YQ=="})
        new = self.obj("Secret", "v1", immutable=True, data={"k": "Yg=="})
        assert [p.field for p in check_change(old, new)] == ["data"]
        assert check_change(old, copy.deepcopy(old)) == []

    def test_service_to_external_name_is_refused_from_is_not(self) -> None:
        cluster = self.obj("Service", "v1", spec={"type": "ClusterIP", "ports": []})
        external = self.obj("Service", "v1", spec={"type": "ExternalName",
                                                   "externalName": "db.example.com"})
        assert [p.field for p in check_change(cluster, external)] == ["spec.type"]
        assert check_change(external, cluster) == []

    def test_job_completion_mode(self) -> None:
        old = self.obj("Job", "batch/v1", spec={"completionMode": "NonIndexed"})
        new = self.obj("Job", "batch/v1", spec={"completionMode": "Indexed"})
        assert [p.field for p in check_change(old, new)] == ["spec.completionMode"]

    def test_a_namespace_that_leaves_the_release_would_be_pruned(self) -> None:
        """``create_namespace=False`` on a release that made its Namespace: pruning deletes
        the Namespace, and with it everything inside."""
        old = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
        (problem,) = check_removals([old], [])
        assert problem.line() == (
            "error: Namespace/shop: metadata.name=shop: removed from the release: pruning "
            "deletes the Namespace and every object in it (BP043); detach it first (kubectl "
            "label namespace shop applyset.kubernetes.io/part-of-), or keep create_namespace")

    def test_renamed_statefulset_without_claims_loses_nothing(self) -> None:
        old = self.obj("StatefulSet", "apps/v1", spec={})
        new = copy.deepcopy(old)
        new["metadata"]["name"] = "y"
        assert check_removals([old], [new]) == []

    @pytest.mark.parametrize(("text", "value"), [
        ("1Gi", 2.0**30), ("500M", 5e8), ("1.5", 1.5), ("2e3", 2000.0), ("100m", 0.1),
        ("1Ti", 2.0**40), ("bad", None), ("", None)])
    def test_quantities(self, text: str, value: float | None) -> None:
        assert parse_quantity(text) == value


class TestHostileOldOutput:
    """Whatever an old release file holds, diff answers or refuses in one line: never a
    traceback (the guard reads fields of any shape)."""

    NEW: ClassVar[dict[str, str]] = {"shop.k8s.yaml": dump_documents([
        {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "x", "namespace": "shop"},
         "spec": {"selector": {"matchLabels": {"a": "1"}}, "volumeClaimTemplates": [
             {"metadata": {"name": "d"}}], "resources": {"requests": {"storage": "1Gi"}}}}
        for kind in ("StatefulSet", "PersistentVolumeClaim", "Job", "Service", "ConfigMap")])}

    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8),
                        st.dates(), st.binary(max_size=4))
    values = st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
        max_leaves=12)

    @given(spec=values, extra=values, kind=st.sampled_from(
        ["StatefulSet", "PersistentVolumeClaim", "Job", "Service", "ConfigMap", "Deployment"]),
        name=st.sampled_from(["x", "y"]))
    @settings(max_examples=300)
    @example(spec={"resources": [1], "volumeClaimTemplates": [1]}, extra={"d": date(2020, 1, 1)},
             kind="PersistentVolumeClaim", name="x")
    def test_any_object_shape(self, spec: Any, extra: Any, kind: str, name: str) -> None:
        old = {"apiVersion": "v1", "kind": kind, "metadata": {"name": name, "namespace": "shop"},
               "spec": spec, "immutable": True, "data": extra}
        text = yaml.safe_dump_all([old, extra])
        try:
            result = diff_files({"shop.k8s.yaml": text}, self.NEW)
        except UnreadableInputError as error:
            assert len(error.lines()) == 1
            return
        render_text(result)
        render_json(result)
        for problem in result.problems:
            assert "\n" not in problem.line()

    @given(text=st.text(max_size=60))
    def test_any_text(self, text: str) -> None:
        try:
            diff_files({"shop.k8s.yaml": text}, self.NEW)
        except UnreadableInputError as error:
            assert len(error.lines()) == 1


class TestOnlyChangedDocumentsAreParsed:
    """diff parses only documents whose text differs; files in other shapes read whole."""

    def test_one_change_in_a_large_release(self, project: Path) -> None:
        new = synthesize(project, kube_version=DEFAULT).files
        docs = load_all(new["shop.k8s.yaml"])
        find(docs, "Deployment", "web")["spec"]["replicas"] = 9
        result = diff_files({"shop.k8s.yaml": dump_documents(docs)}, new)
        assert [(c.ref, c.fields) for c in result.changed] == [
            ("Deployment shop/web", ("spec.replicas",))]
        assert (result.added, result.removed) == ([], [])

    @pytest.mark.parametrize("header", [
        "# Code generated by blueprint synth. DO NOT EDIT.\n",  # a marker comment
        "%YAML 1.1\n---\n",  # a directive: the first cut alone is not YAML
    ])
    def test_other_file_shapes(self, header: str, project: Path) -> None:
        new = synthesize(project, kube_version=DEFAULT).files
        docs = load_all(new["shop.k8s.yaml"])
        find(docs, "DaemonSet", "agent")["spec"]["minReadySeconds"] = 5
        old = {"shop.k8s.yaml": header + dump_documents(docs)}
        result = diff_files(old, new)
        assert [(c.ref, c.fields) for c in result.changed] == [
            ("DaemonSet shop/agent", ("spec.minReadySeconds",))]
        assert (result.added, result.removed) == ([], [])
        assert diff_files({"shop.k8s.yaml": header + new["shop.k8s.yaml"]}, new).empty

    def test_an_object_moved_between_files_is_no_change(self, project: Path) -> None:
        (text,) = synthesize(project, kube_version=DEFAULT).files.values()
        first, rest = text.split("---\n", 1)
        assert diff_files({"a.k8s.yaml": first, "b.k8s.yaml": rest},
                          {"a.k8s.yaml": text}).empty

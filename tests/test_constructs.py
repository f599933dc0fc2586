"""The constructs: variants snapshotted and schema-validated, and real cdk8s interop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cdk8s
import pytest

from blueprints import (
    App,
    ConfigFiles,
    ConfigMapKeyRef,
    CronJobApp,
    DaemonApp,
    DataMigration,
    Mount,
    Probe,
    Release,
    Resources,
    SecretKeyRef,
    SecretRef,
    StatefulWebApp,
    Storage,
    Volume,
    WebApp,
    WorkerWithInit,
)
from blueprints import Testing as Cdk8sTesting  # not named Test*, or pytest collects it
from blueprints.errors import ConfigError
from tests.conftest import assert_valid

IMAGE = "nginxinc/nginx-unprivileged:1.27.3"


def variant(name: str) -> Release:
    app = App()
    shop = Release(app, "shop", version="1.4.2", part_of="store", namespace="store-prod",
                   annotations={"blueprint.dev/owner": "team-a"})
    if name == "web-app-defaults":
        WebApp(shop, "web", image=IMAGE)
    elif name == "web-app-everything":
        WebApp(shop, "api", image="ghcr.io/acme/api@sha256:" + "ab" * 32, port=9000,
               port_name="grpc", replicas=1, component="backend", version="2.0.0",
               command=["/api"], args=["--port", "9000"],
               env={"MODE": "prod", "DB_PASSWORD": SecretKeyRef("db", "password"),
                    "LEVEL": ConfigMapKeyRef("cfg", "level")},
               env_from=[SecretRef("extra")], resources=Resources(cpu="250m", memory="256Mi",
                                                                 memory_limit="512Mi",
                                                                 cpu_limit="1"),
               readiness=Probe.grpc(), liveness=Probe.tcp(period_seconds=20),
               startup=Probe.grpc(failure_threshold=30), service_account="api",
               image_pull_secrets=["regcred"], node_selector={"pool": "general"},
               tolerations=[{"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}],
               labels={"team": "a"}, annotations={"blueprint.dev/source": "git@x:y"},
               allow_from=["namespace:ingress-nginx"], writable_paths=["/tmp"])
    elif name == "stateful-web-app":
        db = StatefulWebApp(shop, "db", image=IMAGE, replicas=3,
                            storage=[Storage(size="10Gi", mount_path="/data",
                                             storage_class="fast")],
                            retain_claims_on_scale_down=False)
        WebApp(shop, "web", image=IMAGE, env={"DB": db.hostname(0)})
    elif name == "worker-with-init":
        db = StatefulWebApp(shop, "db", image=IMAGE, replicas=1)
        WorkerWithInit(shop, "worker", image="busybox:1.36.1", wait_for=[db, "cache:6379",
                                                                            "search.infra"],
                       command=["/bin/sh", "-c", "exec worker"], wait_timeout_seconds=60)
    elif name == "data-migration":
        db = StatefulWebApp(shop, "db", image=IMAGE, replicas=2,
                            storage=[Storage(size="10Gi", mount_path="/data")])
        DataMigration(shop, "db-migrate", stateful=db, ordinals=[2], image="busybox:1.36.1",
                      command=["sh", "-c", "exec cp -a /departed/2/data/. /tmp/out"],
                      writable_paths=["/tmp/out"])
    elif name == "node-agent-and-cron-job":
        conf = ConfigFiles(shop, "agent-conf", data={"agent.conf": "level = info\n"})
        DaemonApp(shop, "log-agent", image="busybox:1.36.1",
                  command=["sh", "-c", "exec tail -F /var/log/app.log"],
                  mounts=[Mount(Volume.host_path("logs", "/var/log/app"), "/var/log"),
                          Mount(conf.volume(), "/etc/agent")])
        CronJobApp(shop, "report", image="busybox:1.36.1", schedule="0 3 * * *",
                   time_zone="Europe/Berlin", command=["echo", "report"],
                   active_deadline_seconds=600)
    else:
        raise AssertionError(name)
    return shop


VARIANTS = ["data-migration", "node-agent-and-cron-job", "stateful-web-app", "web-app-defaults",
            "web-app-everything", "worker-with-init"]


@pytest.mark.parametrize("name", VARIANTS)
def test_variant_snapshot(name: str, snapshot_yaml: Any) -> None:
    release = variant(name)
    assert_valid(release.manifests())
    assert snapshot_yaml == release


class TestStatefulWebApp:
    def test_hostnames(self) -> None:
        app = App()
        db = StatefulWebApp(Release(app, "shop"), "db", image=IMAGE, replicas=3)
        assert db.hostname(1) == "db-1.db-headless.shop.svc"
        assert db.peer_hostnames() == [f"db-{i}.db-headless.shop.svc" for i in range(3)]
        assert db.headless_service_name == "db-headless"

    def test_name_limit_52(self) -> None:
        with pytest.raises(ConfigError, match=r"is 53 characters; the limit is 52 \(BP006\)"):
            StatefulWebApp(Release(App(), "shop"), "a" * 53, image=IMAGE)


class TestWorkerWithInit:
    def test_construct_dependency_opens_its_network_policy(self) -> None:
        shop = variant("worker-with-init")
        policy = next(m for m in shop.manifests() if m["kind"] == "NetworkPolicy"
                      and m["metadata"]["name"] == "db")
        sources = [peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
                   for peer in policy["spec"]["ingress"][0]["from"]]
        assert sources == ["worker"]  # replicas=1: no peers to admit

    def test_cross_release_dependency(self) -> None:
        app = App()
        data = Release(app, "data")
        db = WebApp(data, "db", image=IMAGE)
        worker = WorkerWithInit(Release(app, "jobs"), "worker", image="busybox:1.36.1",
                                wait_for=[db])
        init = worker.core.render()[0]["spec"]["template"]["spec"]["initContainers"][0]
        assert {"name": "WAIT_HOST", "value": "db.data.svc"} in init["env"]
        policy = next(m for m in data.manifests() if m["kind"] == "NetworkPolicy")
        (peer,) = policy["spec"]["ingress"][0]["from"]
        assert peer["namespaceSelector"] == {"matchLabels": {"kubernetes.io/metadata.name": "jobs"}}

    def test_worker_admits_no_ingress(self) -> None:
        shop = variant("worker-with-init")
        policy = next(m for m in shop.manifests() if m["kind"] == "NetworkPolicy"
                      and m["metadata"]["name"] == "worker")
        assert policy["spec"]["ingress"] == []


class TestCdk8sInterop:
    SCRIPT = ("from blueprints import App, Release, WebApp\napp = App()\n"
              "shop = Release(app, 'shop', version='1.0.0')\n"
              f"WebApp(shop, 'web', image='{IMAGE}', calls={{calls}})\napp.synth()\n")

    def run_script(self, tmp_path: Path, calls: str) -> Any:
        import subprocess
        import sys

        (tmp_path / "blueprint.py").write_text(self.SCRIPT.replace("{calls}", calls))
        return subprocess.run([sys.executable, "blueprint.py"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120, check=False)

    def test_python_blueprint_py_fails_with_the_error_not_jsiis_frames(
            self, tmp_path: Path) -> None:
        """``python blueprint.py`` (what ``cdk8s synth`` runs): the ConfigError and its one
        line, not a RuntimeError under a page of jsii's frames."""
        done = self.run_script(tmp_path, "['api']")
        assert done.returncode == 1
        assert done.stderr.splitlines()[-1] == (
            "blueprints.errors.ConfigError: error: shop/web: calls=api: names no component of "
            'the release (BP042); use a component (web) or an external "host:port"')
        assert "jsii" not in done.stderr and len(done.stderr.splitlines()) <= 6, done.stderr
        assert not (tmp_path / "dist").exists()

    def test_blueprint_synth_renders_each_release_once(self, tmp_path: Path) -> None:
        """The command line captures App.synth: the check that runs before Node under
        ``python blueprint.py`` must not render the releases a second time."""
        import subprocess
        import sys

        (tmp_path / "blueprint.py").write_text(
            "from blueprints import App, Release, WebApp\napp = App()\n"
            f"WebApp(Release(app, 'a'), 'web', image='{IMAGE}')\n"
            f"WebApp(Release(app, 'b'), 'web', image='{IMAGE}')\napp.synth()\n")
        code = ("import sys\nimport blueprints.core.release as core\nrendered = []\n"
                "assemble = core.assemble_release\n"
                "def counted(context, *rest):\n    rendered.append(context.name)\n"
                "    return assemble(context, *rest)\n"
                "core.assemble_release = counted\n"
                "from blueprints.cli.main import app\n"
                f"try:\n    app(['synth', {str(tmp_path)!r}, '-o', '-'])\n"
                "except SystemExit as done:\n    assert not done.code\n"
                "print(sorted(rendered), file=sys.stderr)\n")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=120, check=True)
        assert done.stderr.strip() == "['a', 'b']"

    def test_python_blueprint_py_writes_what_blueprint_synth_writes(
            self, tmp_path: Path) -> None:
        import yaml

        from blueprints.kube import DEFAULT
        from blueprints.release.synth import synthesize

        done = self.run_script(tmp_path, "[]")
        assert done.returncode == 0, done.stderr
        written = list(yaml.safe_load_all((tmp_path / "dist" / "shop.k8s.yaml").read_text()))
        ours = synthesize(tmp_path, kube_version=DEFAULT).files["shop.k8s.yaml"]
        assert written == [d for d in yaml.safe_load_all(ours) if d is not None]

    def test_testing_synth_sees_every_object(self) -> None:
        app = Cdk8sTesting.app()
        shop = Release(app, "shop")
        WebApp(shop, "web", image=IMAGE)
        kinds = [m["kind"] for m in Cdk8sTesting.synth(shop)]
        # The ApplySet parent too: cdk8s synth writes what blueprint synth writes.
        assert kinds == ["Namespace", "NetworkPolicy", "PodDisruptionBudget", "Service",
                         "Deployment", "ConfigMap"]

    def test_cdk8s_plus_inside_a_release_gets_the_release_metadata(self) -> None:
        plus = pytest.importorskip("cdk8s_plus_33")
        app = App()
        shop = Release(app, "shop", annotations={"blueprint.dev/owner": "a"})
        WebApp(shop, "web", image=IMAGE)
        plus.ConfigMap(shop, "settings", data={"k": "v"})
        (config,) = [m for m in shop.manifests() if m["kind"] == "ConfigMap"
                     and m["metadata"]["name"] == "shop-settings"]
        # cdk8s names it: chart id + construct id
        assert config["kind"] == "ConfigMap" and config["metadata"]["name"] == "shop-settings"
        assert config["metadata"]["namespace"] == "shop"
        assert config["metadata"]["labels"]["app.kubernetes.io/instance"] == "shop"
        assert config["metadata"]["annotations"] == {"blueprint.dev/owner": "a"}

    def test_escape_hatch_patches_the_emitted_object(self) -> None:
        app = App()
        shop = Release(app, "shop")
        web = WebApp(shop, "web", image=IMAGE)
        web.api_object("Deployment").add_json_patch(
            cdk8s.JsonPatch.add("/spec/template/spec/priorityClassName", "high"))
        (deploy,) = [m for m in shop.manifests() if m["kind"] == "Deployment"]
        assert deploy["spec"]["template"]["spec"]["priorityClassName"] == "high"
        assert [m["kind"] for m in shop.manifests()] == [
            "Namespace", "NetworkPolicy", "PodDisruptionBudget", "Service", "Deployment",
            "ConfigMap"]

    def test_escape_hatch_unknown_object(self) -> None:
        web = WebApp(Release(App(), "shop"), "web", image=IMAGE)
        with pytest.raises(ConfigError, match="renders no such object"):
            web.api_object("StatefulSet")

    def test_component_in_a_plain_chart_emits_api_objects(self) -> None:
        app = Cdk8sTesting.app()
        chart = cdk8s.Chart(app, "plain", namespace="ns1")
        WebApp(chart, "web", image=IMAGE)
        manifests = Cdk8sTesting.synth(chart)
        assert [(m["kind"], m["metadata"]["namespace"]) for m in manifests] == [
            ("Deployment", "ns1"), ("Service", "ns1"), ("PodDisruptionBudget", "ns1"),
            ("NetworkPolicy", "ns1")]

    def test_duplicate_component_id(self) -> None:
        shop = Release(App(), "shop")
        WebApp(shop, "web", image=IMAGE)
        with pytest.raises(ConfigError, match="two components of the release share the id"):
            WebApp(shop, "web", image=IMAGE)


class TestJobsAndAgents:
    def test_config_change_rolls_the_pods(self) -> None:
        def template_annotations(text: str) -> dict[str, str]:
            release = Release(App(), "shop")
            conf = ConfigFiles(release, "conf", data={"a.conf": text})
            WebApp(release, "web", image=IMAGE, mounts=[Mount(conf.volume(), "/etc/a")])
            deploy = next(m for m in release.manifests() if m["kind"] == "Deployment")
            return dict(deploy["spec"]["template"]["metadata"]["annotations"])

        first, second = template_annotations("x = 1"), template_annotations("x = 2")
        assert first != second
        assert first == template_annotations("x = 1")

    @pytest.mark.parametrize(("props", "what"), [
        ({"schedule": "every day"}, "not a cron schedule"),
        ({"schedule": "@hourly", "backoff_limit": 50}, "must be 0 to 10"),
        ({"schedule": "@hourly", "concurrency_policy": "Sometimes"}, "not allowed"),
    ])
    def test_cron_job_refusals(self, props: dict[str, object], what: str) -> None:
        with pytest.raises(ConfigError, match=what):
            CronJobApp(Release(App(), "shop"), "report", image="busybox:1.36.1", **props)

    def test_config_files_refusals(self) -> None:
        with pytest.raises(ConfigError, match="needs at least one file"):
            ConfigFiles(Release(App(), "shop"), "conf", data={})
        with pytest.raises(ConfigError, match="not a ConfigMap key"):
            ConfigFiles(Release(App(), "shop"), "conf", data={"a/b": "x"})


class TestDataMigration:
    @staticmethod
    def stateful(replicas: int = 2, **props: object) -> tuple[Release, StatefulWebApp]:
        release = Release(App(), "shop")
        return release, StatefulWebApp(release, "db", image=IMAGE, replicas=replicas,
                                       storage=Storage(size="1Gi", mount_path="/data"), **props)

    def test_departed_claims_and_peers(self) -> None:
        release, db = self.stateful()
        DataMigration(release, "migrate", stateful=db, ordinals=[3, 2], image="busybox:1.36.1",
                      command=["true"])
        job = next(m for m in release.manifests() if m["kind"] == "Job")
        pod = job["spec"]["template"]["spec"]
        assert [v["persistentVolumeClaim"] for v in pod["volumes"]] == [
            {"claimName": "data-db-2", "readOnly": True},
            {"claimName": "data-db-3", "readOnly": True}]
        env = {e["name"]: e["value"] for e in pod["containers"][0]["env"]}
        assert env == {"DEPARTED_ORDINALS": "2,3",
                       "PEERS": "db-0.db-headless.shop.svc,db-1.db-headless.shop.svc"}
        policy = next(m for m in release.manifests() if m["kind"] == "NetworkPolicy"
                      and m["metadata"]["name"] == "db")
        names = [p["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
                 for p in policy["spec"]["ingress"][0]["from"]]
        assert sorted(names) == ["db", "migrate"]  # sorted by labels, not by declaration

    @pytest.mark.parametrize(("ordinals", "props", "what"), [
        ([1], {}, "is still a member"),
        ([], {}, "names no departing member"),
        ([2, 2], {}, "lists an ordinal twice"),
        ([2], {"retain_claims_on_scale_down": False}, "deletes its claims on scale-down"),
    ])
    def test_refusals(self, ordinals: list[int], props: dict[str, object], what: str) -> None:
        release, db = self.stateful(**props)
        with pytest.raises(ConfigError, match=what):
            DataMigration(release, "migrate", stateful=db, ordinals=ordinals,
                          image="busybox:1.36.1")


def test_config_files_from_files(tmp_path: Path) -> None:
    (tmp_path / "app.conf").write_text("level = debug\n")
    release = Release(App(), "shop")
    conf = ConfigFiles.from_files(release, "conf", [tmp_path / "app.conf"])
    (config,) = [m for m in release.manifests() if m["metadata"]["name"] == "conf"]
    assert config["data"] == {"app.conf": "level = debug\n"}
    assert conf.volume().content_hash is not None
    with pytest.raises(ConfigError, match="no such file"):
        ConfigFiles.from_files(Release(App(), "other"), "conf", [tmp_path / "missing.conf"])

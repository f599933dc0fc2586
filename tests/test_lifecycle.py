"""Volumes by survival need, hooks and sidecars: rendering, refusals and opt-outs."""

from __future__ import annotations

from typing import Any

import pytest

from blueprints import App, Hook, Mount, Release, Sidecar, Survives, Volume, WebApp
from blueprints.core.release import ReleaseContext
from blueprints.core.web_app import WebAppCore, WebAppProps
from blueprints.errors import ConfigError
from blueprints.rules import check
from tests.conftest import assert_valid

RELEASE = ReleaseContext(name="shop", namespace="shop", part_of="shop")
IMAGE = "nginxinc/nginx-unprivileged:1.27.3"


def pod(**props: Any) -> dict[str, Any]:
    manifests = WebAppCore("web", WebAppProps(image=IMAGE, **props), RELEASE).render()
    return next(m for m in manifests if m["kind"] == "Deployment")["spec"]["template"]["spec"]


class TestVolumeChoice:
    @pytest.mark.parametrize(("need", "details", "source"), [
        ("nothing", {}, None),
        ("container-restart", {"size_limit": "1Gi"}, {"emptyDir": {"sizeLimit": "1Gi"}}),
        ("pod-deletion", {"path": "/srv/cache"},
         {"hostPath": {"path": "/srv/cache", "type": "Directory"}}),
        ("node-change", {"claim_name": "data"}, {"persistentVolumeClaim": {"claimName": "data"}}),
    ])
    def test_decision_list(self, need: str, details: dict[str, str],
                           source: dict[str, Any] | None) -> None:
        volume = Volume.for_data("data", survives=need, **details)
        assert (volume.source if volume else None) == source

    @pytest.mark.parametrize(("need", "details", "field"), [
        ("node-change", {"path": "/srv"}, "path"),
        ("node-change", {}, "claim_name"),
        ("container-restart", {"claim_name": "x"}, "claim_name"),
        ("pod-deletion", {}, "path"),
    ])
    def test_a_choice_that_cannot_meet_the_need(self, need: str, details: dict[str, str],
                                                field: str) -> None:
        with pytest.raises(ConfigError) as caught:
            Volume.for_data("data", survives=need, **details)
        problem = caught.value.problems[0]
        assert (problem.field, problem.practice) == (field, "BP012")

    def test_unknown_need(self) -> None:
        with pytest.raises(ConfigError, match="not a survival need"):
            Volume.for_data("data", survives="forever")

    def test_survives_enum(self) -> None:
        assert Volume.for_data("c", survives=Survives.CONTAINER_RESTART) == Volume.empty_dir("c")


class TestVolumeKinds:
    def test_config_map_and_secret_are_read_only(self) -> None:
        config = Volume.config_map("config", "log-config", items={"log_level": "log_level"})
        secret = Volume.secret("creds", "db")
        spec = pod(mounts=[Mount(config, "/etc/config"), Mount(secret, "/etc/creds")])
        assert spec["volumes"] == [
            {"name": "config", "configMap": {"name": "log-config", "items": [
                {"key": "log_level", "path": "log_level"}], "defaultMode": 0o444}},
            {"name": "creds", "secret": {"secretName": "db", "defaultMode": 0o400}},
        ]
        assert spec["containers"][0]["volumeMounts"] == [
            {"name": "config", "mountPath": "/etc/config", "readOnly": True},
            {"name": "creds", "mountPath": "/etc/creds", "readOnly": True},
        ]

    def test_memory_empty_dir(self) -> None:
        assert Volume.empty_dir("tmp", memory=True).render() == {
            "name": "tmp", "emptyDir": {"medium": "Memory"}}

    @pytest.mark.parametrize(("path", "what"), [
        ("relative", "normalized absolute path"), ("/var/../etc", "normalized absolute path"),
        ("/", "node root"), ("/var/run/docker.sock", "node root")])
    def test_host_path_refused(self, path: str, what: str) -> None:
        with pytest.raises(ConfigError, match=what):
            Volume.host_path("h", path)

    def test_host_path_outside_a_daemon_set_needs_a_reason(self) -> None:
        with pytest.raises(ConfigError) as caught:
            pod(mounts=[Mount(Volume.host_path("logs", "/var/log/app"), "/logs")])
        assert caught.value.problems[0].practice == "BP012"
        volume = Volume.host_path("logs", "/var/log/app", outside_daemon_reason="node cache")
        deploy = WebAppCore("web", WebAppProps(image=IMAGE, mounts=[Mount(volume, "/logs")]),
                            RELEASE).render()[0]
        # BP041: baseline Pod Security forbids hostPath, so the opt-out is recorded too.
        assert deploy["metadata"]["annotations"]["blueprint.dev/ignore"] == (
            "BP012: hostPath /var/log/app outside a DaemonSet: node cache; "
            "BP041: hostPath /var/log/app (node access)")
        mount = deploy["spec"]["template"]["spec"]["containers"][0]["volumeMounts"][0]
        assert mount == {"name": "logs", "mountPath": "/logs", "readOnly": True}

    def test_writable_host_path_needs_a_reason(self) -> None:
        volume = Volume.host_path("logs", "/var/log/app", outside_daemon_reason="x")
        with pytest.raises(ConfigError, match=r"a writable hostPath mount \(BP013\)"):
            pod(mounts=[Mount(volume, "/logs", read_only=False)])

    def test_git_clone_replaces_git_repo(self) -> None:
        volume = Volume.git_clone("site", "https://example.com/site.git", revision="v1.0.0")
        spec = pod(mounts=[Mount(volume, "/usr/share/nginx/html", read_only=True)])
        (clone,) = spec["initContainers"]
        assert clone["command"] == ["git", "clone", "--depth", "1", "--branch", "v1.0.0", "--",
                                    "https://example.com/site.git", "/repository"]
        assert clone["image"] == "alpine/git:2.47.2"
        assert clone["terminationMessagePolicy"] == "FallbackToLogsOnError"
        assert spec["volumes"] == [{"name": "site", "emptyDir": {}}]

    @pytest.mark.parametrize(("mounts", "what"), [
        ([Mount(Volume.empty_dir("a"), "/x"), Mount(Volume.empty_dir("b"), "/x")],
         "two volumes mounted at one path"),
        ([Mount(Volume.empty_dir("a"), "x")], "mount paths are absolute"),
        ([Mount(Volume.empty_dir("a"), "/x"), Mount(Volume.config_map("a", "c"), "/y")],
         "two different volumes share the name"),
    ])
    def test_mounts_are_checked(self, mounts: list[Mount], what: str) -> None:
        with pytest.raises(ConfigError, match=what):
            pod(mounts=mounts)


class TestHooks:
    def test_post_start_and_custom_pre_stop(self) -> None:
        container = pod(post_start=Hook.exec("sh", "-c", "echo started > /tmp/started"),
                        pre_stop=Hook.exec("nginx", "-s", "quit", log_to_main=True),
                        pre_stop_seconds=10, writable_paths=["/tmp"])["containers"][0]
        assert container["lifecycle"] == {
            "postStart": {"exec": {"command": ["sh", "-c", "echo started > /tmp/started"]}},
            "preStop": {"exec": {"command": ["sh", "-c", 'exec "$@" > /proc/1/fd/1 2>&1',
                                             "hook", "nginx", "-s", "quit"]}},
        }

    def test_sleep_hook_sets_the_pause_and_the_grace(self) -> None:
        spec = pod(pre_stop=Hook.sleep(12))
        assert spec["containers"][0]["lifecycle"] == {"preStop": {"sleep": {"seconds": 12}}}
        assert spec["terminationGracePeriodSeconds"] == 12 + 25

    def test_http_hook_uses_the_main_port(self) -> None:
        container = pod(pre_stop=Hook.http("/drain"), pre_stop_seconds=5)["containers"][0]
        assert container["lifecycle"]["preStop"] == {"httpGet": {"path": "/drain",
                                                                 "port": "http"}}

    @pytest.mark.parametrize(("props", "what"), [
        ({"post_start": Hook.sleep(5)}, "only makes sense before stopping"),
        ({"pre_stop": Hook.sleep(0)}, "sleep seconds are 1 to 3600"),
        ({"post_start": Hook.exec()}, "an exec hook needs a command"),
        ({"pre_stop": Hook.http("drain")}, "starts with '/'"),
    ])
    def test_refused(self, props: dict[str, Hook], what: str) -> None:
        with pytest.raises(ConfigError, match=what):
            pod(**props)


class TestSidecars:
    def test_shared_volume_and_practices(self) -> None:
        html = Volume.empty_dir("html")
        spec = pod(mounts=[Mount(html, "/usr/share/nginx/html", read_only=True)],
                   sidecars=[Sidecar(name="writer", image="busybox:1.36.1",
                                     command=["sh", "-c", "exec sleep 3600"],
                                     mounts=[Mount(html, "/html")])])
        writer = spec["containers"][1]
        assert writer["name"] == "writer" and writer["volumeMounts"] == [
            {"name": "html", "mountPath": "/html"}]
        assert writer["securityContext"]["readOnlyRootFilesystem"] is True
        assert writer["resources"]["requests"] == {"cpu": "50m", "memory": "64Mi"}
        assert spec["volumes"] == [{"name": "html", "emptyDir": {}}]

    def test_unpinned_sidecar(self) -> None:
        with pytest.raises(ConfigError, match=r"no tag \(the runtime pulls latest\) \(BP001\)"):
            pod(sidecars=[Sidecar(name="writer", image="busybox")])

    def test_construct_output_is_schema_valid_and_lints_clean(self) -> None:
        html = Volume.empty_dir("html")
        app = App()
        release = Release(app, "shop")
        WebApp(release, "web", image=IMAGE, run_as_user=101, writable_paths=["/tmp"],
               mounts=[Mount(html, "/usr/share/nginx/html", read_only=True),
                       Mount(Volume.config_map("conf", "nginx-conf"), "/etc/nginx/conf.d")],
               post_start=Hook.exec("sh", "-c", "date > /tmp/started"),
               sidecars=[Sidecar(name="writer", image="busybox:1.36.1",
                                 command=["sh", "-c", "exec sleep 3600"],
                                 mounts=[Mount(html, "/html")])])
        manifests = release.manifests()
        assert_valid(manifests)
        assert [f.rule for f in check(manifests) if f.severity.value != "info"] == []


class TestNewClaim:
    def test_single_replica_creates_its_claim(self) -> None:
        data = Volume.new_claim("data", size="10Gi", storage_class="fast")
        manifests = WebAppCore("web", WebAppProps(image=IMAGE, replicas=1,
                                                  mounts=[Mount(data, "/data")]),
                               RELEASE).render()
        claim = manifests[0]
        assert (claim["kind"], claim["metadata"]["name"], claim["spec"]) == (
            "PersistentVolumeClaim", "data", {"accessModes": ["ReadWriteOnce"], "resources": {
                "requests": {"storage": "10Gi"}}, "storageClassName": "fast"})
        assert_valid(manifests)

    def test_read_write_once_cannot_serve_several_replicas(self) -> None:
        data = Volume.new_claim("data", size="10Gi")
        with pytest.raises(ConfigError, match=r"cannot serve several pods .*\(BP012\)"):
            pod(replicas=2, mounts=[Mount(data, "/data")])
        shared = Volume.new_claim("data", size="10Gi", access_modes=["ReadWriteMany"])
        assert pod(replicas=2, mounts=[Mount(shared, "/data")])["volumes"] == [
            {"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]

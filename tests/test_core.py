"""The pure core: image references, names, quantities, targets, props checks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from blueprints.core.image import ImageRef, default_pull_policy, parse_image, pull_policy
from blueprints.core.names import is_ip_literal, name_problem
from blueprints.core.quantity import parse_quantity
from blueprints.core.release import ReleaseContext
from blueprints.core.web_app import WebAppCore, WebAppProps
from blueprints.core.worker_with_init import Dependency, parse_dependency
from blueprints.errors import ConfigError
from blueprints.kube import DEFAULT, parse_kube_version

RELEASE = ReleaseContext(name="shop", namespace="shop", part_of="shop")


class TestImage:
    @pytest.mark.parametrize(("text", "expected"), [
        ("nginx:1.27.3", ("docker.io", "library/nginx", "1.27.3", None)),
        ("luksa/kubia:v1", ("docker.io", "luksa/kubia", "v1", None)),
        ("ghcr.io/org/app/api:2.0", ("ghcr.io", "org/app/api", "2.0", None)),
        ("localhost:5000/app:1", ("localhost:5000", "app", "1", None)),
        ("nginx@sha256:" + "a" * 64, ("docker.io", "library/nginx", None, "sha256:" + "a" * 64)),
        ("nginx", ("docker.io", "library/nginx", None, None)),
    ])
    def test_parse(self, text: str, expected: tuple[object, ...]) -> None:
        ref = parse_image(text)
        assert (ref.registry, ref.repository, ref.tag, ref.digest) == expected

    @pytest.mark.parametrize("text", ["", "NGINX:1", "nginx:", "nginx:1 2", "nginx@sha256:12",
                                      "-nginx:1", "nginx:-1", "Org/app:1", "a//b:1"])
    def test_invalid(self, text: str) -> None:
        with pytest.raises(ConfigError) as caught:
            parse_image(text, component="shop/web")
        assert caught.value.problems[0].practice == "BP001"

    @pytest.mark.parametrize(("text", "pinned", "policy", "version"), [
        ("nginx:1.27.3", True, "IfNotPresent", "1.27.3"),
        ("nginx:latest", False, "Always", "latest"),
        ("nginx", False, "Always", "latest"),
        ("nginx@sha256:" + "0123456789ab" * 6, True, "IfNotPresent", "sha256-0123456789ab"),
        # A tag must name a version: a digit, and not a well-known moving tag (BP001).
        ("redis:alpine", False, "Always", "alpine"),
        ("nginx:stable", False, "Always", "stable"),
        ("nginx:mainline", False, "Always", "mainline"),
        ("node:lts", False, "Always", "lts"),
        ("app:main", False, "Always", "main"),
        ("debian:bookworm-slim", False, "Always", "bookworm-slim"),
        ("redis:7.4.1-alpine", True, "IfNotPresent", "7.4.1-alpine"),
        ("app:v2", True, "IfNotPresent", "v2"),
        ("app:latest@sha256:" + "0123456789ab" * 6, True, "IfNotPresent", "latest"),
    ])
    def test_pinned_policy_and_version(self, text: str, pinned: bool, policy: str,
                                       version: str) -> None:
        ref = parse_image(text)
        assert (ref.pinned, pull_policy(ref), ref.version) == (pinned, policy, version)

    @pytest.mark.parametrize(("text", "reason"), [
        ("nginx", "no tag (the runtime pulls latest)"),
        ("redis:alpine", "'alpine' is a moving tag"),
        ("nginx:Latest", "'Latest' is a moving tag"),
        ("app:edge-debian", "the tag 'edge-debian' names no version (no digit)"),
        ("nginx:1.27.3", None),
    ])
    def test_moving_reason(self, text: str, reason: str | None) -> None:
        assert parse_image(text).moving_reason == reason

    @pytest.mark.parametrize(("text", "policy"), [
        ("nginx", "Always"), ("nginx:latest", "Always"), ("redis:alpine", "IfNotPresent"),
        ("nginx:1.27.3", "IfNotPresent"), ("nginx@sha256:" + "ab" * 32, "IfNotPresent"),
        ("nginx:latest@sha256:" + "ab" * 32, "Always"),
    ])
    def test_default_pull_policy_is_the_api_servers(self, text: str, policy: str) -> None:
        """SetDefaults_Container (kubernetes pkg/apis/core/v1/defaults.go): Always only when
        ParseImageName yields the tag ``latest``, which it does for a bare name too, never for
        a digest-only reference."""
        assert default_pull_policy(parse_image(text)) == policy

    def test_ref_keeps_the_text(self) -> None:
        assert parse_image("nginx:1").text == "nginx:1"
        assert isinstance(parse_image("nginx:1"), ImageRef)

    def test_repeated_references_parse_alike_and_errors_name_each_caller(self) -> None:
        first = parse_image("registry.example.com:5000/team/app:2.1.0", component="a")
        again = parse_image("registry.example.com:5000/team/app:2.1.0", component="b")
        assert again == first and (again.registry, again.repository, again.tag) == (
            "registry.example.com:5000", "team/app", "2.1.0")
        for component in ("shop/web", "shop/worker"):
            with pytest.raises(ConfigError) as error:
                parse_image("Bad Image:1", component=component)
            assert str(error.value).startswith(f"error: {component}: ")


class TestNames:
    @pytest.mark.parametrize(("value", "kind", "limit", "ok"), [
        ("web", "label", None, True),
        ("Web", "label", None, False),
        ("web-", "label", None, False),
        ("a" * 63, "label", None, True),
        ("a" * 64, "label", None, False),
        ("a" * 53, "label", 52, False),
        ("1web", "service", None, False),
        ("1web", "label", None, True),
        ("http", "port", None, True),
        ("a" * 16, "port", None, False),
        ("80", "port", None, False),
        ("a.b", "subdomain", None, True),
        (7, "label", None, False),
    ])
    def test_name_problem(self, value: object, kind: str, limit: int | None, ok: bool) -> None:
        assert (name_problem(value, kind=kind, max_length=limit) is None) == ok

    @pytest.mark.parametrize(("value", "ip"), [("10.0.0.1", True), ("::1", True),
                                               ("[fe80::1]", True), ("mydb", False)])
    def test_ip_literal(self, value: str, ip: bool) -> None:
        assert is_ip_literal(value) == ip


class TestQuantity:
    @pytest.mark.parametrize(("text", "value"), [
        ("100m", Decimal("0.1")), ("128Mi", Decimal(128 * 1024**2)), ("1Gi", Decimal(1024**3)),
        ("0.5", Decimal("0.5")), ("1e3", Decimal(1000)), ("2k", Decimal(2000)), (3, Decimal(3)),
        ("-1", Decimal(-1)),
    ])
    def test_parse(self, text: str, value: Decimal) -> None:
        assert parse_quantity(text) == value

    @pytest.mark.parametrize("text", ["", "1 Gi", "1GB", "Mi", "1.2.3", None, True])
    def test_malformed(self, text: object) -> None:
        assert parse_quantity(text) is None


class TestKubeVersion:
    def test_default_is_1_35(self) -> None:
        assert DEFAULT == (1, 35)

    @pytest.mark.parametrize(("text", "version"), [("1.30", (1, 30)), ("v1.37", (1, 37))])
    def test_accepted(self, text: str, version: tuple[int, int]) -> None:
        assert parse_kube_version(text) == version

    @pytest.mark.parametrize("text", ["1.29", "1.38", "2.0", "latest", ""])
    def test_refused(self, text: str) -> None:
        with pytest.raises(ConfigError, match=r"targets Kubernetes 1\.30 to 1\.37"):
            parse_kube_version(text)


class TestDependency:
    @pytest.mark.parametrize(("text", "dep"), [
        ("mydb", Dependency("mydb")),
        ("mydb:5432", Dependency("mydb", None, 5432)),
        ("mydb.data:5432", Dependency("mydb", "data", 5432)),
    ])
    def test_parse(self, text: str, dep: Dependency) -> None:
        assert parse_dependency(text, component="shop/w") == dep

    @pytest.mark.parametrize(("text", "practice"), [
        ("10.0.0.7", "BP010"), ("10.0.0.7:5432", "BP010"), ("::1", "BP010"),
        ("My_DB", "BP006"), ("mydb:0", None), ("a.b.c", "BP006"),
    ])
    def test_refused(self, text: str, practice: str | None) -> None:
        with pytest.raises(ConfigError) as caught:
            parse_dependency(text, component="shop/w")
        assert caught.value.problems[0].practice == practice


class TestWorkloadChecks:
    """Each prop check, with its message, through the pure core."""

    @pytest.mark.parametrize(("props", "line"), [
        (dict(image="nginx"), "error: shop/web: image=nginx: no tag (the runtime pulls latest): "
         "replicas would run different code (BP001); pin a version tag such as :1.27.3 or a "
         "digest (or pass allow_latest=True)"),
        (dict(image="nginx:1", port=0), "error: shop/web: port=0: ports are 1 to 65535; pass a "
         "port in that range, e.g. 8080"),
        (dict(image="nginx:1", port=65536), "error: shop/web: port=65536: ports are 1 to 65535; "
         "pass a port in that range, e.g. 8080"),
        (dict(image="nginx:1", replicas=-1), "error: shop/web: replicas=-1: must be a whole "
         "number >= 0; pass replicas=1 or more"),
        (dict(image="nginx:1", pre_stop_seconds=10, termination_grace_seconds=10),
         "error: shop/web: termination_grace_seconds=10: must be greater than the preStop pause "
         "(10s): the grace period counts from the deletion, pause included (BP023); raise it "
         "above 10, or set shutdown_seconds instead"),
        (dict(image="nginx:1", run_as_user=0), "error: shop/web: run_as_user=0: runs as root "
         "(BP041); pick a non-root user ID, or pass allow_root=True to opt out on the record"),
        (dict(image="nginx:1", env={"DB": "10.1.2.3"}), "error: shop/web: env['DB']=10.1.2.3: an "
         "IP address: pods move and IPs change (BP010); use the Service name (e.g. "
         "mydb.shop.svc)"),
    ])
    def test_refused_with_message(self, props: dict[str, object], line: str) -> None:
        with pytest.raises(ConfigError) as caught:
            WebAppCore("web", WebAppProps(**props), RELEASE)  # type: ignore[arg-type]
        assert caught.value.lines() == [line]

    def test_allow_latest_records_the_opt_out_and_pulls_always(self) -> None:
        core = WebAppCore("web", WebAppProps(image="nginx:latest", allow_latest=True), RELEASE)
        deploy = core.render()[0]
        assert deploy["metadata"]["annotations"]["blueprint.dev/ignore"] == (
            "BP001: unpinned image accepted with allow_latest=True")
        assert deploy["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] == "Always"

    def test_identical_liveness_and_readiness_refused(self) -> None:
        from blueprints import Probe

        probe = Probe.http("/healthz")
        with pytest.raises(ConfigError, match=r"\(BP017\)"):
            WebAppCore("web", WebAppProps(image="nginx:1", readiness=probe, liveness=probe),
                       RELEASE)

    def test_single_replica_has_no_pdb(self) -> None:
        kinds = [m["kind"] for m in WebAppCore("web", WebAppProps(image="nginx:1", replicas=1),
                                               RELEASE).render()]
        assert kinds == ["Deployment", "Service", "NetworkPolicy"]


class TestOptOuts:
    def test_every_loosening_is_recorded_with_its_reason(self) -> None:
        props = WebAppProps(image="nginx:1", run_as_user=0, allow_root=True,
                            read_only_root_filesystem=False, mount_service_account_token=True)
        deploy = WebAppCore("web", props, RELEASE).render()[0]
        assert deploy["metadata"]["annotations"]["blueprint.dev/ignore"] == (
            "BP041: runs as root (allow_root=True), writable root filesystem "
            "(read_only_root_filesystem=False), API token mounted "
            "(mount_service_account_token=True)")

    def test_opted_out_objects_pass_the_registry(self) -> None:
        from blueprints.rules import check

        props = WebAppProps(image="nginx:latest", allow_latest=True, run_as_user=0,
                            allow_root=True, mount_service_account_token=True)
        manifests = WebAppCore("web", props, RELEASE).render()
        assert [f.rule for f in check(manifests) if f.rule in ("BP001", "BP041")] == []


class TestLowPorts:
    """A component that is not root and serves a port below 1024 can bind it."""

    @staticmethod
    def pod_spec(**props: object) -> dict[str, object]:
        deploy = WebAppCore("web", WebAppProps(image="nginx:1.27.3", **props),  # type: ignore[arg-type]
                            RELEASE).render()[0]
        spec: dict[str, object] = deploy["spec"]["template"]["spec"]
        return spec

    @pytest.mark.parametrize(("props", "value"), [
        ({"port": 80}, "80"),
        ({"port": 8080, "extra_ports": {"https": 443, "metrics": 9090}}, "443"),
        ({"port": 8080}, None),
        ({"port": 80, "run_as_user": 0, "allow_root": True}, None),  # root binds it anyway
    ])
    def test_the_pod_lowers_the_unprivileged_port_start(self, props: dict[str, object],
                                                         value: str | None) -> None:
        security = self.pod_spec(**props)["securityContext"]
        assert isinstance(security, dict)
        expected = [{"name": "net.ipv4.ip_unprivileged_port_start", "value": value}]
        assert security.get("sysctls") == (expected if value is not None else None)

    def test_the_pod_still_meets_restricted_and_the_schema(self) -> None:
        from blueprints.core.namespace import pod_security_level
        from blueprints.rules import check
        from tests.conftest import assert_valid

        manifests = WebAppCore("web", WebAppProps(image="nginx:1.27.3", port=80),
                               RELEASE).render()
        assert pod_security_level(manifests, DEFAULT) == ("restricted", [])
        assert [f for f in check(manifests) if f.rule == "BP041"] == []
        assert_valid(manifests)


class TestPodAnnotations:
    def test_they_go_on_the_pods_only_beside_the_config_hash(self) -> None:
        import dataclasses

        from blueprints.core.volumes import Mount, Volume

        conf = dataclasses.replace(Volume.config_map("conf", "conf"), content_hash="conf-1a2b")
        props = WebAppProps(image="nginx:1.27.3", pod_annotations={"prometheus.io/scrape": "true"},
                            annotations={"team": "shop"}, mounts=[Mount(conf, "/etc/conf")])
        manifests = WebAppCore("web", props, RELEASE).render()
        deploy = next(m for m in manifests if m["kind"] == "Deployment")
        pod = deploy["spec"]["template"]["metadata"]["annotations"]
        assert pod == {"blueprint.dev/config-hash": "conf-1a2b", "prometheus.io/scrape": "true"}
        assert all("prometheus.io/scrape" not in m["metadata"].get("annotations", {})
                   for m in manifests)

    def test_the_config_hash_is_blueprints(self) -> None:
        props = WebAppProps(image="nginx:1.27.3",
                            pod_annotations={"blueprint.dev/config-hash": "x"})
        with pytest.raises(ConfigError, match="blueprint sets it"):
            WebAppCore("web", props, RELEASE)

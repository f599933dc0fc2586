"""No input gives a traceback: random props either build or raise a one-line BlueprintError."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from blueprints.core.connections import resolve_connections
from blueprints.core.exposure import HTTPRoute, Ingress, LoadBalancer, NodePort
from blueprints.core.release import ReleaseContext
from blueprints.core.stateful_web_app import StatefulWebAppCore, StatefulWebAppProps, Storage
from blueprints.core.web_app import WebAppCore, WebAppProps
from blueprints.core.worker_with_init import WorkerWithInitCore, WorkerWithInitProps
from blueprints.errors import BlueprintError
from blueprints.rules import check

RELEASE = ReleaseContext(name="shop", namespace="shop", part_of="shop")
DB = WebAppCore("db", WebAppProps(image="nginx:1.27.3"), RELEASE)  # a callee to resolve against

anything = st.one_of(st.none(), st.booleans(), st.integers(-10, 70000), st.text(max_size=20),
                     st.floats(allow_nan=True), st.lists(st.text(max_size=8), max_size=3))
images = st.one_of(st.sampled_from(["nginx:1.27.3", "nginx", "nginx:latest", "a/b@sha256:" +
                                    "f" * 64, "UPPER:1", "x:1 2"]), st.text(max_size=30))
ids = st.one_of(st.sampled_from(["web", "a" * 60, "1web", "-x"]), st.text(max_size=12))

props = st.fixed_dictionaries({"image": images}, optional={
    "port": anything, "replicas": anything, "pre_stop_seconds": anything,
    "shutdown_seconds": anything, "termination_grace_seconds": anything,
    "run_as_user": anything, "version": anything, "component": anything,
    "writable_paths": st.lists(st.text(max_size=10), max_size=2),
    "env": st.dictionaries(st.text(max_size=6), st.text(max_size=12), max_size=2),
    "allow_from": st.lists(st.one_of(st.text(max_size=12), st.sampled_from(
        ["anywhere", "0.0.0.0/0", "10.0.0.0/8", "10.0.0.1/8", "namespace:x"])), max_size=2),
    "calls": st.one_of(anything, st.lists(st.one_of(st.text(max_size=16), st.sampled_from(
        ["db", "db:http", "db:9", "api.example.com:443", "a.b:x", "1.2.3.4:5"])), max_size=3),
        st.dictionaries(st.text(max_size=6), st.text(max_size=12), max_size=2)),
    "egress": anything,
})
web_props = st.fixed_dictionaries({}, optional={"service_port": anything})


def _build(kind: str, id: Any, values: dict[str, Any]) -> None:
    try:
        core: Any
        if kind == "web":
            core = WebAppCore(id, WebAppProps(**values), RELEASE)
        elif kind == "stateful":
            storage = Storage(size=str(values.pop("version", "1Gi")), mount_path="/d")
            core = StatefulWebAppCore(id, StatefulWebAppProps(**values, storage=storage), RELEASE)
        else:
            values.pop("port", None)
            core = WorkerWithInitCore(id, WorkerWithInitProps(**values, wait_for=[
                str(values.get("component", "db"))]), RELEASE)
        resolve_connections([core, DB])
        check(core.render())
    except BlueprintError as error:
        lines = error.lines()
        assert lines and all(line.startswith("error: ") and "\n" not in line for line in lines)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["web", "stateful", "worker"]), ids, props)
def test_no_traceback(kind: str, id: Any, values: dict[str, Any]) -> None:
    _build(kind, id, values)


exposures = st.one_of(
    anything,
    st.builds(Ingress, host=st.one_of(st.text(max_size=12), st.just("a.example.com")),
              path=st.one_of(st.just("/"), st.text(max_size=5))),
    st.builds(HTTPRoute, gateway=st.text(max_size=8), hostnames=st.one_of(
        st.lists(st.text(max_size=8), max_size=2), st.text(max_size=8))),
    st.builds(LoadBalancer, source_ranges=st.one_of(
        st.lists(st.one_of(st.text(max_size=12), st.none(), st.just("0.0.0.0/0")), max_size=2),
        st.text(max_size=8))),
    st.builds(NodePort, source_ranges=st.just(["10.0.0.0/8"]), node_port=anything),
)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["web", "stateful"]), props, web_props, st.lists(exposures, max_size=2))
def test_no_traceback_with_exposure(kind: str, values: dict[str, Any], extra: dict[str, Any],
                                    expose: list[Any]) -> None:
    _build(kind, "web", {**values, **extra, "expose": expose})

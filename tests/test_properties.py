"""No input gives a traceback: random props either build or raise a one-line BlueprintError."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from blueprints.core.release import ReleaseContext
from blueprints.core.stateful_web_app import StatefulWebAppCore, StatefulWebAppProps, Storage
from blueprints.core.web_app import WebAppCore, WebAppProps
from blueprints.core.worker_with_init import WorkerWithInitCore, WorkerWithInitProps
from blueprints.errors import BlueprintError
from blueprints.rules import check

RELEASE = ReleaseContext(name="shop", namespace="shop", part_of="shop")

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
    "allow_from": st.lists(st.text(max_size=12), max_size=2),
})


def _build(kind: str, id: Any, values: dict[str, Any]) -> None:
    try:
        if kind == "web":
            core: Any = WebAppCore(id, WebAppProps(**values), RELEASE)
        elif kind == "stateful":
            storage = Storage(size=str(values.pop("version", "1Gi")), mount_path="/d")
            core = StatefulWebAppCore(id, StatefulWebAppProps(**values, storage=storage), RELEASE)
        else:
            values.pop("port", None)
            core = WorkerWithInitCore(id, WorkerWithInitProps(**values, wait_for=[
                str(values.get("component", "db"))]), RELEASE)
        check(core.render())
    except BlueprintError as error:
        lines = error.lines()
        assert lines and all(line.startswith("error: ") and "\n" not in line for line in lines)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["web", "stateful", "worker"]), ids, props)
def test_no_traceback(kind: str, id: Any, values: dict[str, Any]) -> None:
    _build(kind, id, values)

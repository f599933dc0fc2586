"""WorkerWithInit: a Deployment whose init containers wait for each dependency (BP015)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Unpack

from constructs import Construct

from blueprints.cdk._component import Component, _sequence
from blueprints.core.release import ReleaseContext
from blueprints.core.worker_with_init import (
    WorkerWithInitCore,
    WorkerWithInitProps,
    dependency_on,
)

if TYPE_CHECKING:
    from blueprints.cdk._kwargs import WorkerWithInitKwargs

__all__ = ["WorkerWithInit"]


class WorkerWithInit(Component):
    """A worker that starts only once its dependencies answer.

    ``wait_for`` lists Service names (``"mydb"``, ``"mydb:5432"``) or blueprint constructs. For
    each, an init container waits in a bounded loop, logging each attempt: until the port accepts
    TCP connections when it is known, else until the name resolves. A construct dependency's
    NetworkPolicy admits the worker.
    """

    props_class: ClassVar[type[WorkerWithInitProps]] = WorkerWithInitProps
    core_class: ClassVar[type[WorkerWithInitCore]] = WorkerWithInitCore
    core: WorkerWithInitCore
    construct_props: ClassVar[frozenset[str]] = Component.construct_props | {"wait_for"}

    def __init__(self, scope: Construct, id: str, **props: Unpack[WorkerWithInitKwargs]) -> None:
        super().__init__(scope, id, **props)

    def _convert(
        self, context: ReleaseContext, path: str, props: dict[str, Any]
    ) -> dict[str, Any]:
        if "wait_for" in props:
            props["wait_for"] = [
                dependency_on(entry.core, context.namespace) if isinstance(entry, Component) else entry
                for entry in _sequence(props["wait_for"], path, "wait_for")
            ]
        return props

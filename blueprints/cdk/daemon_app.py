"""DaemonApp: a DaemonSet for node agents, with read-only hostPath mounts (BP012, BP013)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Unpack

from constructs import Construct

from blueprints.cdk._component import Component
from blueprints.core.jobs import DaemonAppCore, DaemonAppProps

if TYPE_CHECKING:
    from blueprints.cdk._kwargs import DaemonAppKwargs

__all__ = ["DaemonApp"]


class DaemonApp(Component):
    """A node agent: one pod per node, the place for read-only, typed hostPath volumes.

    ``DaemonApp(release, "log-agent", image=..., mounts=[Mount(Volume.host_path("logs",
    "/var/log"), "/var/log")])``. It serves nothing by default, so its NetworkPolicy admits no
    ingress. Props are those of :class:`~blueprints.core.workload.WorkloadProps`.
    """

    props_class: ClassVar[type[DaemonAppProps]] = DaemonAppProps
    core_class: ClassVar[type[DaemonAppCore]] = DaemonAppCore
    core: DaemonAppCore

    def __init__(self, scope: Construct, id: str, **props: Unpack[DaemonAppKwargs]) -> None:
        super().__init__(scope, id, **props)

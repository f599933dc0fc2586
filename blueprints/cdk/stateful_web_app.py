"""StatefulWebApp: a StatefulSet, a headless and a client Service, a PDB and a NetworkPolicy."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Unpack

from constructs import Construct

from blueprints.cdk._component import Component
from blueprints.core.stateful_web_app import StatefulWebAppCore, StatefulWebAppProps

if TYPE_CHECKING:
    from blueprints.cdk._kwargs import StatefulWebAppKwargs

__all__ = ["StatefulWebApp"]


class StatefulWebApp(Component):
    """A replicated app with stable identity and per-pod storage (BP010, BP011, BP012).

    Each pod ``<id>-<n>`` is reachable at :meth:`hostname`; the ``PEERS`` environment variable
    lists them (the first 256 when there are more). The headless Service ``<id>-headless``
    publishes not-ready pods so peers can find each other while starting; the Service ``<id>``
    is for clients. Claims are kept on scale-down and deletion unless the props say otherwise.
    """

    props_class: ClassVar[type[StatefulWebAppProps]] = StatefulWebAppProps
    core_class: ClassVar[type[StatefulWebAppCore]] = StatefulWebAppCore
    core: StatefulWebAppCore

    def __init__(self, scope: Construct, id: str, **props: Unpack[StatefulWebAppKwargs]) -> None:
        super().__init__(scope, id, **props)

    @property
    def service_name(self) -> str:
        """The client Service's name."""
        return self.core.service_name

    @property
    def headless_service_name(self) -> str:
        """The headless Service's name, the StatefulSet's ``serviceName``."""
        return self.core.headless_service_name

    @property
    def port(self) -> int:
        """The port the Services expose."""
        return self.core.props.port

    def hostname(self, ordinal: int) -> str:
        """The stable DNS name of pod ``ordinal``, e.g. ``web-0.web-headless.shop.svc``."""
        return self.core.hostname(ordinal)

    def peer_hostnames(self) -> list[str]:
        """The stable DNS names of the pods, in ordinal order: all, or the first 256."""
        return self.core.peer_hostnames()

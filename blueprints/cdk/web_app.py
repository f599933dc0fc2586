"""WebApp: a Deployment, a Service, a PodDisruptionBudget (replicas > 1) and a NetworkPolicy."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Unpack

from constructs import Construct

from blueprints.cdk._component import Component
from blueprints.core.web_app import WebAppCore, WebAppProps

if TYPE_CHECKING:
    from blueprints.cdk._kwargs import WebAppKwargs

__all__ = ["WebApp"]


class WebApp(Component):
    """A stateless web app behind a Service.

    ``WebApp(release, "kubia", image="luksa/kubia:v1", replicas=3)``. Props are those of
    :class:`~blueprints.WebAppProps`: a readiness probe (TCP on the port unless given), a
    preStop pause of 5 s and a grace period of pause + ``shutdown_seconds`` (25 s), requests and
    a memory limit, the restricted security context and a NetworkPolicy.
    """

    props_class: ClassVar[type[WebAppProps]] = WebAppProps
    core_class: ClassVar[type[WebAppCore]] = WebAppCore
    core: WebAppCore

    def __init__(self, scope: Construct, id: str, **props: Unpack[WebAppKwargs]) -> None:
        super().__init__(scope, id, **props)

    @property
    def service_name(self) -> str:
        """The Service's name."""
        return self.core.service_name

    @property
    def port(self) -> int:
        """The port the Service exposes."""
        return self.core.props.port

    @property
    def hostname(self) -> str:
        """The Service's DNS name, ``<name>.<namespace>.svc`` (no hard-coded cluster domain)."""
        return f"{self.core.service_name}.{self.core.namespace}.svc"

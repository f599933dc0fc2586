"""LoggingStack: the EFK stack as one construct (BP031)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Unpack

from constructs import Construct

from blueprints.cdk._signatures import sign
from blueprints.cdk.release import Release
from blueprints.core.logging_stack import LoggingStackCore, LoggingStackProps
from blueprints.core.prop_types import build_props
from blueprints.errors import ConfigError, Problem

if TYPE_CHECKING:
    from blueprints.cdk._kwargs import LoggingStackKwargs

__all__ = ["LoggingStack"]


class _Part:
    """One part of the stack, registered with the release like a component."""

    def __init__(self, core: Any) -> None:
        self.core = core
        self.escaped: dict[tuple[str, str], object] = {}


class LoggingStack(Construct):
    """Fluentd on every node, Elasticsearch, Kibana and index retention, as one construct.

    ``LoggingStack(release, "logs", credentials_secret="es-credentials")``. Props are those of
    :class:`~blueprints.core.logging_stack.LoggingStackProps`; the module docstring states the
    security trade-offs (passwords from a Secret, TLS between nodes, no privileged sysctl by
    default). Every part follows the practices of the other constructs.
    """

    def __init__(self, scope: Construct, id: str, **props: Unpack[LoggingStackKwargs]) -> None:
        if not isinstance(scope, Release):
            raise ConfigError(Problem(id, "scope", type(scope).__name__,
                                      "a LoggingStack belongs to a Release", "create it in one"))
        path = f"{scope.context.name}/{id}"
        stack_props = build_props(
            LoggingStackProps, props, component=path, owner="LoggingStack",
            hints={"credentials_secret": "name the Secret with the elastic and kibana_system "
                                         "passwords (BP031)"})
        self.core = LoggingStackCore(id, stack_props, scope.context)
        parts = self.core.parts()
        for part in parts:
            scope._check_new_id(part.id)
        super().__init__(scope, id)
        for part in parts:
            scope._add(_Part(part), part.id)

    @property
    def elasticsearch_url(self) -> str:
        """Where the stack's Elasticsearch answers, by Service name (BP010)."""
        props = self.core.props
        if props.existing_elasticsearch:
            return props.existing_elasticsearch
        return f"http://{self.core.id}-elasticsearch.{self.core.release.namespace}.svc:9200"


sign(LoggingStack, LoggingStackProps)

"""Probes (BP016, BP017): how Kubernetes asks a container whether it is ready or alive."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack

from blueprints.errors import ConfigError, Problem

__all__ = ["Probe", "Timing"]

# Probe timings are ``format: int32`` in the Kubernetes API (api/openapi-spec,
# io.k8s.api.core.v1.Probe: initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold).
_INT32_MAX = 2**31 - 1


class Timing(TypedDict, total=False):
    """The timing fields of a probe, as keyword arguments of its constructors."""

    initial_delay_seconds: int
    period_seconds: int
    timeout_seconds: int
    failure_threshold: int


@dataclass(frozen=True, kw_only=True, slots=True)
class Probe:
    """A readiness, liveness or startup probe. Build one with :meth:`http`, :meth:`tcp`,
    :meth:`exec` or :meth:`grpc`.

    Attributes:
        handler: ``http``, ``tcp``, ``exec`` or ``grpc``.
        path: The HTTP path (``http`` only).
        port: The port to probe; ``None`` means the component's main port.
        command: The command to run (``exec`` only), in exec form.
        initial_delay_seconds: Seconds before the first probe. Default 0.
        period_seconds: Seconds between probes. Default 10.
        timeout_seconds: Seconds before a probe times out. Default 1.
        failure_threshold: Failures in a row before the probe fails. Default 3.
    """

    handler: str
    path: str | None = None
    port: int | None = None
    command: Sequence[str] = ()
    initial_delay_seconds: int = 0
    period_seconds: int = 10
    timeout_seconds: int = 1
    failure_threshold: int = 3

    @classmethod
    def http(cls, path: str = "/", *, port: int | None = None, **timing: Unpack[Timing]) -> Probe:
        """An HTTP GET on ``path``; a status in 200-399 passes."""
        return cls(handler="http", path=path, port=port, **timing)

    @classmethod
    def tcp(cls, *, port: int | None = None, **timing: Unpack[Timing]) -> Probe:
        """A TCP connection to the port; it passes when the connection opens."""
        return cls(handler="tcp", port=port, **timing)

    @classmethod
    def exec(cls, *command: str, **timing: Unpack[Timing]) -> Probe:
        """A command run in the container, exec form; exit code 0 passes. ``Probe.exec("ls",
        "/var/ready")`` passes once the app has created ``/var/ready``."""
        return cls(handler="exec", command=tuple(command), **timing)

    @classmethod
    def grpc(cls, *, port: int | None = None, **timing: Unpack[Timing]) -> Probe:
        """A gRPC health check on the port."""
        return cls(handler="grpc", port=port, **timing)

    def render(
        self, *, component: str, field: str, default_port: int | None, port_name: str | None
    ) -> dict[str, Any]:
        """The Kubernetes probe object.

        Raises:
            ConfigError: The probe is malformed, or needs a port the component does not have.
        """
        problem = self._problem(default_port)
        if problem is not None:
            value, what, fix = problem
            raise ConfigError(Problem(component, field, value, what, fix, "BP016"))
        port: int | str | None = self.port if self.port is not None else port_name or default_port
        body: dict[str, Any]
        if self.handler == "http":
            body = {"httpGet": {"path": self.path, "port": port}}
        elif self.handler == "tcp":
            body = {"tcpSocket": {"port": port}}
        elif self.handler == "grpc":
            body = {"grpc": {"port": self.port if self.port is not None else default_port}}
        else:
            body = {"exec": {"command": list(self.command)}}
        if self.initial_delay_seconds:
            body["initialDelaySeconds"] = self.initial_delay_seconds
        body["periodSeconds"] = self.period_seconds
        body["timeoutSeconds"] = self.timeout_seconds
        body["failureThreshold"] = self.failure_threshold
        return body

    def _problem(self, default_port: int | None) -> tuple[object, str, str] | None:
        if self.handler not in {"http", "tcp", "exec", "grpc"}:
            return self.handler, "unknown probe handler", "use Probe.http, tcp, exec or grpc"
        if self.handler == "exec" and (
            not self.command or not all(isinstance(c, str) and c for c in self.command)
        ):
            return list(self.command), "an exec probe needs a command", 'e.g. Probe.exec("ls", "/ready")'
        if self.handler == "http" and not (isinstance(self.path, str) and self.path.startswith("/")):
            return self.path, "an HTTP probe path starts with '/'", 'e.g. Probe.http("/healthz")'
        if self.handler != "exec" and self.port is None and default_port is None:
            return None, "the probe needs a port and the component has none", "pass port=..."
        if self.port is not None and not (isinstance(self.port, int) and 0 < self.port < 65536):
            return self.port, "ports are 1 to 65535", "pass a port in that range"
        timing = {
            "initial_delay_seconds": (self.initial_delay_seconds, 0),
            "period_seconds": (self.period_seconds, 1),
            "timeout_seconds": (self.timeout_seconds, 1),
            "failure_threshold": (self.failure_threshold, 1),
        }
        for name, (value, low) in timing.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                return value, f"{name} must be an integer of at least {low}", f"set {name}>={low}"
            if value > _INT32_MAX:
                return value, f"{name} is beyond {_INT32_MAX}, the most the API takes (int32)", (
                    "set a smaller number")
        return None

"""Lifecycle hooks (BP020, BP021).

Kubernetes runs ``postStart`` in parallel with the container's main process, not before it;
while it runs, the container stays ``Waiting`` and the pod ``Pending``; if it fails, the
container is killed; and its output is not in ``kubectl logs``. ``preStop`` runs before the
stop signal, and its failure does not stop termination, so it cannot be trusted with critical
work. ``Hook.exec(..., log_to_main=True)`` sends the hook's output to the main process's
stdout (``/proc/1/fd/1``), where ``kubectl logs`` shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from blueprints.errors import ConfigError, Problem

__all__ = ["Hook"]

# exec "$@" keeps the arguments exactly as given; the shell only redirects.
_TO_MAIN = 'exec "$@" > /proc/1/fd/1 2>&1'


@dataclass(frozen=True, kw_only=True, slots=True)
class Hook:
    """A ``postStart`` or ``preStop`` handler. Build one with :meth:`exec`, :meth:`http` or
    (``preStop`` only) :meth:`sleep`.

    Attributes:
        handler: ``exec``, ``http`` or ``sleep``.
        command: The command (``exec``), exec form.
        log_to_main: Redirect an exec hook's output to the main process's stdout; needs ``sh``
            in the image.
        path: The HTTP path (``http``). port: the port, default the component's main port.
        seconds: The pause (``sleep``).
    """

    handler: str
    command: Sequence[str] = ()
    log_to_main: bool = False
    path: str = "/"
    port: int | None = None
    seconds: int = 0

    @classmethod
    def exec(cls, *command: str, log_to_main: bool = False) -> Hook:
        """Run ``command`` in the container (exec form)."""
        return cls(handler="exec", command=tuple(command), log_to_main=log_to_main)

    @classmethod
    def http(cls, path: str = "/", *, port: int | None = None) -> Hook:
        """An HTTP GET on the pod's own IP (never another host: BP021)."""
        return cls(handler="http", path=path, port=port)

    @classmethod
    def sleep(cls, seconds: int) -> Hook:
        """Pause (``preStop`` only): the native ``sleep`` action, no shell needed."""
        return cls(handler="sleep", seconds=seconds)

    def render(self, *, component: str, field: str, default_port: int | str | None
               ) -> dict[str, Any]:
        """The Kubernetes handler.

        Raises:
            ConfigError: The hook is malformed or does not fit ``field``.
        """
        problem = self._problem(field, default_port)
        if problem is not None:
            value, what, fix = problem
            raise ConfigError(Problem(component, field, value, what, fix, "BP020"))
        if self.handler == "sleep":
            return {"sleep": {"seconds": self.seconds}}
        if self.handler == "http":
            return {"httpGet": {"path": self.path,
                                "port": self.port if self.port is not None else default_port}}
        command = list(self.command)
        if self.log_to_main:
            command = ["sh", "-c", _TO_MAIN, "hook", *command]
        return {"exec": {"command": command}}

    def _problem(self, field: str, default_port: int | str | None
                 ) -> tuple[object, str, str] | None:
        if self.handler not in {"exec", "http", "sleep"}:
            return self.handler, "unknown hook handler", "use Hook.exec, Hook.http or Hook.sleep"
        if self.handler == "sleep" and field != "pre_stop":
            return "sleep", "a sleep hook only makes sense before stopping", "use it as pre_stop"
        if self.handler == "sleep" and (isinstance(self.seconds, bool)
                                        or not isinstance(self.seconds, int)
                                        or not 0 < self.seconds <= 3600):
            return self.seconds, "sleep seconds are 1 to 3600", "pass a few seconds, e.g. 5"
        if self.handler == "exec" and (
            not self.command or not all(isinstance(c, str) and c for c in self.command)
        ):
            return list(self.command), "an exec hook needs a command", 'e.g. Hook.exec("nginx", '\
                '"-s", "quit")'
        if self.handler == "http":
            if not isinstance(self.path, str) or not self.path.startswith("/"):
                return self.path, "an HTTP hook path starts with '/'", 'e.g. Hook.http("/drain")'
            if self.port is None and default_port is None:
                return None, "the hook needs a port and the component has none", "pass port=..."
        return None

"""Connections: one declaration per edge (``calls=``), resolved when the whole app is known.

From a component's ``calls`` blueprint derives the address each client gets (an environment
variable per callee), the callee's NetworkPolicy (exactly its callers, on exactly the ports they
call, across releases and namespaces), the client's egress policy when asked, and its waits.
Resolution runs at render, over every component of the app, so declaration order never
changes the output.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from blueprints.core.names import PORT_NAME, is_ip_literal
from blueprints.errors import ConfigError, Problem, choices

if TYPE_CHECKING:
    from blueprints.core.workload import Workload

__all__ = [
    "EGRESS_MODES",
    "Call",
    "Connection",
    "Declared",
    "address",
    "parse_calls",
    "resolve_connections",
]

#: ``egress=`` values: ``open`` leaves egress alone; ``declared`` admits the callees and DNS.
EGRESS_MODES = ("open", "declared")
_HOST = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_ENV_NAME = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")


@dataclass(frozen=True, slots=True)
class Call:
    """A call with more to say than the callee: another port (``Call(db, "metrics")``), or
    the host and the port in variables of their own, for apps that read them apart
    (``Call(db, host_env="DB_HOST", port_env="DB_PORT")``).

    The variables follow the callee: a new ``service_port`` or a callee moved to another
    release changes them all, so they never go stale apart from each other.

    Attributes:
        target: The component (a construct, or a component name of the release), or an
            external ``"host:port"``.
        port: The port's name or its Service port number. Default: the main port.
        host_env: A variable that gets the host alone (``db``, or ``db.<namespace>.svc``
            across namespaces). Default none.
        port_env: A variable that gets the Service port alone (``3306``). Default none.
    """

    target: Any
    port: int | str | None = None
    host_env: str | None = None
    port_env: str | None = None


@dataclass(frozen=True, slots=True)
class Declared:
    """A ``calls`` entry as declared: a component or a name still to resolve, or external.
    ``env`` is the address variable's name when given, ``split`` the host and port variables'
    (``None`` for each not asked for); a call that names only those has no address variable."""

    env: str | None
    target: Workload | str
    port: int | str | None
    text: str
    split: tuple[str | None, str | None] = (None, None)


@dataclass(frozen=True, slots=True)
class Connection:
    """A resolved call: its env variables (the address ``host:port``, and the host and the
    port alone when asked for), and the callee's pod port when known."""

    env: tuple[tuple[str, str], ...]
    callee: Workload | None
    host: str
    service_port: int
    pod_port: int


def parse_calls(component: Workload, calls: object) -> tuple[Declared, ...]:
    """Check the shape of ``calls`` (list or ``{ENV: callee}``) and of each external address.

    Raises:
        ConfigError: Not a list or mapping, a bad env name, an IP, a malformed "host:port".
    """
    if not calls and type(calls) in (list, tuple, dict):
        return ()  # most components call nothing
    from blueprints.core.workload import Workload

    path = component.path
    if isinstance(calls, Mapping):
        items: list[tuple[str | None, object]] = list(calls.items())
    elif isinstance(calls, list | tuple):
        items = [(None, entry) for entry in calls]
    else:
        raise ConfigError(Problem(path, "calls", calls, "must be a list or a mapping",
                                  'pass calls=[cart, "api.example.com:443"] or '
                                  'calls={"CART_ADDR": cart}', "BP042"))
    result: list[Declared] = []
    for env, given in items:
        entry = given
        if env is not None and (not isinstance(env, str) or not _ENV_NAME.fullmatch(env)):
            raise ConfigError(Problem(path, "calls", env, "not a valid variable name",
                                      "use letters, digits, '_', '-' and '.'"))
        port: int | str | None = None
        split: tuple[str | None, str | None] = (None, None)
        if isinstance(entry, Call):
            entry, port, split = entry.target, entry.port, (entry.host_env, entry.port_env)
            if port is not None and (isinstance(port, bool) or not isinstance(port, int | str)):
                raise ConfigError(Problem(path, "calls", port, "a port is a name or a number",
                                          'e.g. Call(db, "metrics")', "BP042"))
            for name in split:
                if name is not None and (not isinstance(name, str)
                                         or not _ENV_NAME.fullmatch(name)):
                    raise ConfigError(Problem(path, "calls", name, "not a valid variable name",
                                              "use letters, digits, '_', '-' and '.'"))
        if isinstance(entry, Workload):
            result.append(Declared(env, entry, port, entry.path, split))
            continue
        if not isinstance(entry, str):
            raise ConfigError(Problem(
                path, "calls", entry, "names nothing: an entry is a component or "
                '"host:port"', 'pass a construct, a component name or "api.example.com:443"',
                "BP042"))
        result.append(_parse_text(path, env, entry, port, split))
    envs = [name for d in result for name in (d.env, *d.split) if name is not None]
    for env in envs:
        if envs.count(env) > 1:
            raise ConfigError(Problem(path, "calls", env, "two calls share the variable",
                                      "give each call its own name", "BP042"))
    return tuple(result)


def _parse_text(path: str, env: str | None, text: str, port: int | str | None,
                split: tuple[str | None, str | None]) -> Declared:
    host, sep, port_text = text.rpartition(":")
    if not sep:
        host, port_text = text, ""
    if is_ip_literal(text) or is_ip_literal(host):
        raise ConfigError(Problem(path, "calls", text, "an IP address: pods move and IPs change",
                                  'name the host, e.g. "mydb:5432"', "BP010"))
    if not _HOST.fullmatch(host) or (sep and not port_text):
        raise ConfigError(Problem(path, "calls", text, 'not "host:port" nor a component name',
                                  'e.g. "cart", "cart:grpc" or "api.example.com:443"', "BP042"))
    if port_text:
        if port_text.isdigit():
            number = int(port_text)
            if not 0 < number < 65536:
                raise ConfigError(Problem(path, "calls", text, "ports are 1 to 65535",
                                          'e.g. "api.example.com:443"', "BP042"))
            port = number
        elif PORT_NAME.fullmatch(port_text) and "." not in host:
            port = port_text  # a component's named port, checked at resolution
        else:
            raise ConfigError(Problem(path, "calls", text, 'not "host:port"',
                                      'e.g. "api.example.com:443"', "BP042"))
    return Declared(env, host, port, text, split)


def address(callee: Workload, service_port: int, caller_namespace: str) -> tuple[str, str]:
    """``(host, host:port)``: the short Service name inside the caller's namespace,
    ``<service>.<namespace>.svc`` across namespaces; never the cluster domain."""
    service = str(getattr(callee, "service_name", callee.id))
    host = service if callee.namespace == caller_namespace else (
        f"{service}.{callee.namespace}.svc")
    return host, f"{host}:{service_port}"


def default_env(name: str) -> str:
    """``cart`` -> ``CART_ADDR``; ``api.example.com`` -> ``API_EXAMPLE_COM_ADDR``."""
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper() + "_ADDR"


def resolve_connections(workloads: Sequence[Workload]) -> None:
    """Resolve every component's calls against every component of the app (BP042).

    Resets and recomputes each component's callers and connections, so it may run once per
    rendered release and always gives the same answer.

    Raises:
        ConfigError: Every entry that names nothing, or a port the callee does not expose.
    """
    problems: list[Problem] = []
    known: dict[tuple[str, str], Workload] = {}
    by_path: dict[str, Workload] = {}
    for workload in workloads:
        workload._incoming = []
        workload._connections = []
        workload._admitted_by = []
        known.setdefault((workload.release.name, workload.id), workload)
        by_path.setdefault(workload.path, workload)
    for caller in workloads:
        for declared in caller.calls:
            try:
                connection = _resolve(caller, declared, known)
            except ConfigError as error:
                problems.extend(error.problems)
                continue
            caller._connections.append(connection)
            if connection.callee is not None:
                connection.callee._incoming.append((caller.client_ref(), connection.pod_port))
        for callee, pod_port in caller.waited_components():
            callee._incoming.append((caller.client_ref(), pod_port))
        # Clients admitted without a call (allow_from naming a component, a LoggingStack's
        # parts, a DataMigration) may reach it through their egress policy too.
        for client in caller._clients:
            source = by_path.get(client.name)
            if source is not None and source is not caller:
                source._admitted_by.append(caller)
    for caller in workloads:
        envs = [name for c in caller._connections for name, _ in c.env]
        for env in envs:
            if env in caller.props.env:
                problems.append(Problem(caller.path, "calls", env,
                                        "the variable is set by a call and by env",
                                        "remove it from env (the call sets it), or give the call "
                                        'another name: calls={"OTHER_ADDR": ...}', "BP042"))
                break
            if envs.count(env) > 1:
                problems.append(Problem(caller.path, "calls", env,
                                        "two calls set the variable",
                                        'name one of them: calls={"OTHER_ADDR": ...}', "BP042"))
                break
    if problems:
        raise ConfigError(problems)


def _resolve(caller: Workload, declared: Declared, known: Mapping[tuple[str, str], Workload]
             ) -> Connection:
    target, port = declared.target, declared.port
    callee = target if not isinstance(target, str) else known.get((caller.release.name, target))
    if callee is None:
        assert isinstance(target, str)
        near = _near(caller, target, known)
        if port is None or (near and not isinstance(port, int)):
            names = sorted(id for release, id in known if release == caller.release.name)
            raise ConfigError(Problem(
                caller.path, "calls", declared.text, "names no component of the release",
                f"did you mean {near}? (an external address is \"host:port\")" if near else
                f"use a component ({choices(names) or 'none'}) or an external "
                '"host:port"', "BP042"))
        if not isinstance(port, int):
            raise ConfigError(Problem(caller.path, "calls", declared.text,
                                      "names no component of the release, and an external "
                                      "address needs a port number",
                                      'e.g. "api.example.com:443"', "BP042"))
        return Connection(_variables(declared, target, target, port), None, target, port, port)
    ports = callee.service_ports()
    if not ports:
        raise ConfigError(Problem(caller.path, "calls", declared.text,
                                  f"{callee.path} has no Service to call",
                                  "call a WebApp or StatefulWebApp", "BP042"))
    if port is None:
        chosen = ports[0]
    else:
        matches = [p for p in ports if port in (p[0], p[1])]
        if not matches:
            offered = ", ".join(f"{name}={number}" for name, number, _ in ports)
            raise ConfigError(Problem(caller.path, "calls", declared.text,
                                      f"{callee.path} does not expose port {port}",
                                      f"call one of its Service ports ({offered})", "BP042"))
        chosen = matches[0]
    host, _ = address(callee, chosen[1], caller.namespace)
    # Another port than the main one gets its own variable: CART_METRICS_ADDR.
    suffix = f"-{chosen[0]}" if chosen is not ports[0] else ""
    return Connection(_variables(declared, callee.id + suffix, host, chosen[1]), callee, host,
                      chosen[1], chosen[2])


def _near(caller: Workload, target: str, known: Mapping[tuple[str, str], Workload]) -> str | None:
    """The component of the caller's release that ``target`` most likely misspells: one with
    a Service to call, never the caller itself."""
    import difflib

    names = [id for (release, id), w in known.items() if release == caller.release.name
             and w is not caller and w.service_ports()]
    near = difflib.get_close_matches(target, names, n=1)
    return near[0] if near else None


def _variables(declared: Declared, name: str, host: str,
               port: int) -> tuple[tuple[str, str], ...]:
    """The call's variables: the address (named, or ``<NAME>_ADDR`` unless the call names
    only its host and port variables), then the host and the port alone when asked for."""
    host_env, port_env = declared.split
    env = declared.env or (None if host_env or port_env else default_env(name))
    variables = [(env, f"{host}:{port}")] if env else []
    if host_env:
        variables.append((host_env, host))
    if port_env:
        variables.append((port_env, str(port)))
    return tuple(variables)

"""``blueprint init``: a commented blueprint, values per environment and a .gitignore."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from blueprints.errors import ConfigError, Problem
from blueprints.release.writer import write_files

__all__ = ["FORMATS", "KINDS", "init"]

FORMATS = ("yaml", "python")
_NGINX = "nginxinc/nginx-unprivileged"
# Per kind: values (name -> YAML literal), per-env overrides, YAML props, Python props.
_KINDS: dict[str, dict[str, Any]] = {
    "WebApp": {
        "values": {"tag": '"1.27.3"', "replicas": 2}, "dev": {"replicas": 1},
        "prod": {"replicas": 3},
        "yaml": ['image: "' + _NGINX + ':{{ values.tag }}"', 'replicas: "{{ values.replicas }}"',
                 "port: 8080", "runAsUser: 101              # the image's nginx user (BP041)",
                 "writablePaths: [/tmp, /var/cache/nginx]   # the root filesystem is read-only",
                 "readiness: {http: /}        # no traffic before it is ready (BP016)"],
        "python": ['image=f"' + _NGINX + ':{VALUES[\'tag\']}"', 'replicas=VALUES["replicas"]',
                   "port=8080", "run_as_user=101", 'writable_paths=["/tmp", "/var/cache/nginx"]',
                   'readiness=Probe.http("/")'],
        "imports": "App, Probe, Release, WebApp",
    },
    "StatefulWebApp": {
        "values": {"tag": '"1.27.3"', "replicas": 2, "size": "1Gi"}, "dev": {"size": "100Mi"},
        "prod": {"replicas": 3, "size": "10Gi"},
        "yaml": ['image: "' + _NGINX + ':{{ values.tag }}"', 'replicas: "{{ values.replicas }}"',
                 "runAsUser: 101", "writablePaths: [/tmp, /var/cache/nginx]",
                 'storage: {name: data, size: "{{ values.size }}", mountPath: /data}'
                 "   # a claim per pod (BP012)",
                 "readiness: {http: /}"],
        "python": ['image=f"' + _NGINX + ':{VALUES[\'tag\']}"', 'replicas=VALUES["replicas"]',
                   "run_as_user=101", 'writable_paths=["/tmp", "/var/cache/nginx"]',
                   'storage=Storage(name="data", size=VALUES["size"], mount_path="/data")',
                   'readiness=Probe.http("/")'],
        "imports": "App, Probe, Release, StatefulWebApp, Storage",
    },
    "WorkerWithInit": {
        "values": {"database": "mydb"}, "dev": {}, "prod": {},
        "yaml": ["image: busybox:1.36.1",
                 'command: [sh, -c, "echo working && exec sleep 3600"]   # exec: BP027',
                 'waitFor: ["{{ values.database }}"]   # a bounded wait per dependency (BP015)'],
        "python": ['image="busybox:1.36.1"',
                   'command=["sh", "-c", "echo working && exec sleep 3600"]',
                   'wait_for=[VALUES["database"]]'],
        "imports": "App, Release, WorkerWithInit",
    },
    "DaemonApp": {
        "values": {"interval": 60}, "dev": {}, "prod": {},
        "yaml": ["image: busybox:1.36.1",
                 'command: [sh, -c, "trap \'exit 0\' TERM; while true; do sleep '
                 '{{ values.interval }} & wait $!; done"]'],
        "python": ['image="busybox:1.36.1"',
                   'command=["sh", "-c", "trap \'exit 0\' TERM; while true; do sleep '
                   '" + str(VALUES["interval"]) + " & wait $!; done"]'],
        "imports": "App, DaemonApp, Release",
    },
    "CronJobApp": {
        "values": {"schedule": '"0 3 * * *"'}, "dev": {"schedule": '"*/15 * * * *"'}, "prod": {},
        "yaml": ["image: busybox:1.36.1", 'schedule: "{{ values.schedule }}"',
                 "command: [echo, report]"],
        "python": ['image="busybox:1.36.1"', 'schedule=VALUES["schedule"]',
                   'command=["echo", "report"]'],
        "imports": "App, CronJobApp, Release",
    },
}
KINDS = tuple(_KINDS)


def init(directory: Path, *, kind: str, format: str, force: bool = False) -> list[Path]:
    """Write a blueprint of ``kind`` in ``format`` with values and a .gitignore.

    Returns:
        The files written.

    Raises:
        ConfigError: Unknown kind or format, ``directory`` is a file, or files exist and
            ``force`` is not set.
    """
    if kind not in _KINDS:
        raise ConfigError(Problem("init", "--kind", kind, "not a kind blueprint init knows",
                                  f"use one of {', '.join(KINDS)}"))
    if format not in FORMATS:
        raise ConfigError(Problem("init", "--format", format, "not a format",
                                  "use yaml or python"))
    for folder in (directory, *directory.parents):
        if folder.exists() or folder.is_symlink():
            if not folder.is_dir():
                raise ConfigError(Problem(
                    "init", "DIR", str(directory),
                    "is not a folder" if folder == directory else
                    f"{folder} is not a folder",
                    "name a folder; blueprint init creates it when it is missing"))
            break
    name = re.sub(r"[^a-z0-9-]+", "-", directory.resolve().name.lower()).strip("-")[:40]
    if not name or not name[0].isalpha():
        name = f"app-{name}".strip("-") if name else "app"
    spec = _KINDS[kind]
    blueprint = "blueprint.yaml" if format == "yaml" else "blueprint.py"
    values = spec["values"] if format == "yaml" else {
        key: repr(_literal(str(value))) for key, value in spec["values"].items()}
    files = {
        blueprint: _render(f"{blueprint}.j2", kind=kind, name=name, values=values,
                           props=spec[format], imports=spec["imports"]),
        "values/dev.yaml": _render("values-dev.yaml.j2", dev=spec["dev"]),
        "values/prod.yaml": _render("values-prod.yaml.j2", prod=spec["prod"]),
        ".gitignore": _render("gitignore.j2"),
    }
    if format == "python":
        del files["values/dev.yaml"], files["values/prod.yaml"]
    existing = [n for n in files if (directory / n).exists()]
    if existing and not force:
        raise ConfigError(Problem("init", "DIR", str(directory / existing[0]), "already exists",
                                  "pass --force to overwrite, or choose another folder"))
    return write_files(directory, files)


def _literal(text: str) -> Any:
    import yaml

    return yaml.safe_load(text)


def _render(template: str, **context: Any) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("blueprints.templates", "init"),
                             keep_trailing_newline=True, autoescape=False,
                             undefined=jinja2.StrictUndefined)
    return env.get_template(template).render(**context)

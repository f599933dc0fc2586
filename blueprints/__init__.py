"""blueprint: Kubernetes practices as typed cdk8s constructs.

``import blueprints`` is light and never starts Node: every public name loads on first use,
and the constructs (and cdk8s's ``App``, ``JsonPatch`` and ``Testing``, re-exported so that
blueprint can choose a recent Node first) start Node only then.

    from blueprints import App, Release, StatefulWebApp, WorkerWithInit

    app = App()
    shop = Release(app, "shop", version="1.4.2")
    web = StatefulWebApp(shop, "web", image="nginxinc/nginx-unprivileged:1.27.3", ...)
    WorkerWithInit(shop, "worker", image="busybox:1.36.1", wait_for=[web, "mydb"])
    app.synth()
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cdk8s import App, JsonPatch, Testing

    from blueprints.cdk.config_files import ConfigFiles
    from blueprints.cdk.cron_job_app import CronJobApp
    from blueprints.cdk.daemon_app import DaemonApp
    from blueprints.cdk.data_migration import DataMigration
    from blueprints.cdk.logging_stack import LoggingStack
    from blueprints.cdk.release import Release
    from blueprints.cdk.stateful_web_app import StatefulWebApp
    from blueprints.cdk.web_app import WebApp
    from blueprints.cdk.worker_with_init import WorkerWithInit
    from blueprints.core.connections import Call
    from blueprints.core.exposure import HTTPRoute, Ingress, LoadBalancer, NodePort
    from blueprints.core.hooks import Hook
    from blueprints.core.identity import Permission
    from blueprints.core.probes import Probe
    from blueprints.core.stateful_web_app import StatefulWebAppProps, Storage
    from blueprints.core.volumes import Mount, Survives, Volume
    from blueprints.core.web_app import WebAppProps
    from blueprints.core.worker_with_init import WorkerWithInitProps
    from blueprints.core.workload import (
        ConfigMapKeyRef,
        ConfigMapRef,
        Resources,
        SecretKeyRef,
        SecretRef,
        Sidecar,
        WorkloadProps,
    )
    from blueprints.errors import BlueprintError, ConfigError, ValidationError

__all__ = [
    "App",
    "BlueprintError",
    "Call",
    "ConfigError",
    "ConfigFiles",
    "ConfigMapKeyRef",
    "ConfigMapRef",
    "CronJobApp",
    "DaemonApp",
    "DataMigration",
    "HTTPRoute",
    "Hook",
    "Ingress",
    "JsonPatch",
    "LoadBalancer",
    "LoggingStack",
    "Mount",
    "NodePort",
    "Permission",
    "Probe",
    "Release",
    "Resources",
    "SecretKeyRef",
    "SecretRef",
    "Sidecar",
    "StatefulWebApp",
    "StatefulWebAppProps",
    "Storage",
    "Survives",
    "Testing",
    "ValidationError",
    "Volume",
    "WebApp",
    "WebAppProps",
    "WorkerWithInit",
    "WorkerWithInitProps",
    "WorkloadProps",
    "__version__",
]

__version__ = "0.1.0"

_LAZY = {
    "BlueprintError": "blueprints.errors",
    "ConfigError": "blueprints.errors",
    "ValidationError": "blueprints.errors",
    "Probe": "blueprints.core.probes",
    "Call": "blueprints.core.connections",
    "HTTPRoute": "blueprints.core.exposure",
    "Ingress": "blueprints.core.exposure",
    "LoadBalancer": "blueprints.core.exposure",
    "NodePort": "blueprints.core.exposure",
    "Hook": "blueprints.core.hooks",
    "Permission": "blueprints.core.identity",
    "Mount": "blueprints.core.volumes",
    "Survives": "blueprints.core.volumes",
    "Volume": "blueprints.core.volumes",
    "Sidecar": "blueprints.core.workload",
    "Storage": "blueprints.core.stateful_web_app",
    "StatefulWebAppProps": "blueprints.core.stateful_web_app",
    "WebAppProps": "blueprints.core.web_app",
    "WorkerWithInitProps": "blueprints.core.worker_with_init",
    "ConfigMapKeyRef": "blueprints.core.workload",
    "ConfigMapRef": "blueprints.core.workload",
    "Resources": "blueprints.core.workload",
    "SecretKeyRef": "blueprints.core.workload",
    "SecretRef": "blueprints.core.workload",
    "WorkloadProps": "blueprints.core.workload",
    "App": "cdk8s",
    "JsonPatch": "blueprints.cdk._patching",  # cdk8s's, its patches recorded for the checks
    "Testing": "cdk8s",
    "Release": "blueprints.cdk.release",
    "ConfigFiles": "blueprints.cdk.config_files",
    "CronJobApp": "blueprints.cdk.cron_job_app",
    "DaemonApp": "blueprints.cdk.daemon_app",
    "LoggingStack": "blueprints.cdk.logging_stack",
    "DataMigration": "blueprints.cdk.data_migration",
    "StatefulWebApp": "blueprints.cdk.stateful_web_app",
    "WebApp": "blueprints.cdk.web_app",
    "WorkerWithInit": "blueprints.cdk.worker_with_init",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'blueprints' has no attribute {name!r}")
    if module.startswith(("cdk8s", "blueprints.cdk")):
        from blueprints._node import ensure_node

        ensure_node()
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """Every public name, loaded or not, so that ``dir()`` and REPL completion show them."""
    return sorted({*globals(), *__all__})

"""Calls that type checkers must accept, and calls they must reject.

Checked by ``tests/typing/test_typing.py`` under ``mypy --strict --warn-unused-ignores`` (and
pyright with ``reportUnnecessaryTypeIgnoreComment``): each ``# type: ignore[<code>]`` marks an
expected error, so a rejected call that a checker accepts fails the test as an unused ignore,
and an accepted call that it rejects fails it as an error. Never executed.
"""

from __future__ import annotations

from typing import Any, assert_type

from blueprints import (
    App,
    Call,
    ConfigFiles,
    CronJobApp,
    DaemonApp,
    DataMigration,
    LoggingStack,
    Probe,
    Release,
    Resources,
    StatefulWebApp,
    Storage,
    WebApp,
    WorkerWithInit,
)
from blueprints.core.jobs import CronJobAppProps
from blueprints.core.logging_stack import LoggingStackProps
from blueprints.core.web_app import WebAppProps
from blueprints.core.workload import SecretKeyRef

app = App()
shop = Release(app, "shop", version="1.0.0", namespace="shop")

# -- accepted ----------------------------------------------------------------------------------
web = WebApp(shop, "web", image="nginx:1.27.3", replicas=3, port=8080,
             resources=Resources(cpu="250m", memory="256Mi"), readiness=Probe.http("/healthz"),
             env={"MODE": "prod", "TOKEN": SecretKeyRef("api", "token")},
             writable_paths=["/tmp"], extra_ports={"metrics": 9090})
assert_type(web, WebApp)
assert_type(web.port, int)
assert_type(web.hostname, str)
db = StatefulWebApp(shop, "db", image="postgres:16.4", storage=Storage(size="1Gi",
                                                                       mount_path="/data"))
worker = WorkerWithInit(shop, "worker", image="busybox:1.36.1", wait_for=[db, "cache:6379"],
                        allow_from=[web, "namespace:monitoring"])
DaemonApp(shop, "agent", image="busybox:1.36.1", tolerations=[{"operator": "Exists"}])
CronJobApp(shop, "report", image="busybox:1.36.1", schedule="0 3 * * *", suspend=True)
DataMigration(shop, "db-migrate", stateful=db, ordinals=[2], image="busybox:1.36.1")
LoggingStack(shop, "logs", credentials_secret="es-credentials", retention_days=3)
ConfigFiles(shop, "conf", data={"app.conf": "x = 1\n"})
WebApp(shop, "front", image="nginx:1.27.3", calls=[web, "db:5432", Call(db, host_env="DB_HOST")])
WebApp(shop, "front2", image="nginx:1.27.3", calls={"WEB_ADDR": web, "API": "api.example.com:443"})
assert_type(WebAppProps(image="nginx:1.27.3", replicas=3).replicas, int)
assert_type(shop.manifests(), list[dict[str, Any]])

# -- rejected: a wrong type --------------------------------------------------------------------
WebApp(shop, "w1", image=123)  # type: ignore[arg-type]
WebApp(shop, "w2", image="nginx:1.27.3", replicas="two")  # type: ignore[arg-type]
WebApp(shop, "w3", image="nginx:1.27.3", port="8080")  # type: ignore[arg-type]
WebApp(shop, "w4", image="nginx:1.27.3", writable_paths=3)  # type: ignore[arg-type]
WebApp(shop, "w5", image="nginx:1.27.3", calls={"WEB_ADDR": 5})  # type: ignore[dict-item]
WebApp(shop, "w6", image="nginx:1.27.3", calls=[web, 8080])  # type: ignore[list-item]
WebApp(shop, "w5", image="nginx:1.27.3", resources={"cpu": "1"})  # type: ignore[arg-type]
WebApp(shop, "w6", image="nginx:1.27.3", env={"N": 4})  # type: ignore[dict-item]
StatefulWebApp(shop, "s1", image="postgres:16.4", storage="1Gi")  # type: ignore[arg-type]
DataMigration(shop, "m1", stateful=web, ordinals=[2], image="busybox:1")  # type: ignore[arg-type]
LoggingStack(shop, "l1", credentials_secret="s", retention_days="7")  # type: ignore[arg-type]
Release(app, "r1", version=1)  # type: ignore[arg-type]
WorkerWithInit(shop, "w7", image="busybox:1.36.1", wait_for=[3])  # type: ignore[list-item]
DaemonApp(shop, "w8", image="busybox:1.36.1", run_as_user="1000")  # type: ignore[arg-type]
ConfigFiles(shop, "w9", data={"a.conf": 1})  # type: ignore[dict-item]
WebAppProps(image="nginx:1.27.3", replicas="3")  # type: ignore[arg-type]

# -- rejected: an unknown prop -----------------------------------------------------------------
WebApp(shop, "u1", image="nginx:1.27.3", replcas=3)  # type: ignore[call-arg]
CronJobApp(shop, "u2", image="busybox:1.36.1", schedule="@daily", port=80)  # type: ignore[call-arg]
LoggingStack(shop, "u3", credentials_secret="s", replicas=2)  # type: ignore[call-arg]
StatefulWebApp(shop, "u4", image="postgres:16.4", storage_size="1Gi")  # type: ignore[call-arg]
LoggingStackProps(credentials_secret="s", replica=1)  # type: ignore[call-arg]

# -- rejected: a missing required prop ---------------------------------------------------------
WebApp(shop, "r2")  # type: ignore[call-arg]
CronJobApp(shop, "r3", image="busybox:1.36.1")  # type: ignore[call-arg]
DataMigration(shop, "r4", stateful=db, image="busybox:1.36.1")  # type: ignore[call-arg]
DataMigration(shop, "r5", ordinals=[1], image="busybox:1.36.1")  # type: ignore[call-arg]
LoggingStack(shop, "r6")  # type: ignore[call-arg]
ConfigFiles(shop, "r7")  # type: ignore[call-arg]
DaemonApp(shop, "r8", command=["run"])  # type: ignore[call-arg]
WorkerWithInit(shop, "r9", wait_for=["db"])  # type: ignore[call-arg]
CronJobAppProps(image="busybox:1.36.1")  # type: ignore[call-arg]

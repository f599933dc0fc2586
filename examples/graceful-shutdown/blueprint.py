"""A web app that drains requests before it stops.

Deletion removes the pod from the Service's endpoints while kube-proxies and ingress
controllers still route to it for a few seconds. The preStop pause keeps the app serving
through that window; then the stop signal (SIGQUIT, nginx's graceful stop) lets in-flight
requests finish. The grace period covers both: 10 s pause + 20 s shutdown = 30 s.
"""

from blueprints import App, Probe, Release, WebApp

app = App()
release = Release(app, "storefront", version="2.3.0", part_of="shop", annotations={
    "blueprint.dev/owner": "shop-team",
})
WebApp(
    release,
    "frontend",
    image="nginxinc/nginx-unprivileged:1.27.3",
    port=8080,
    replicas=3,
    run_as_user=101,
    writable_paths=["/tmp", "/var/cache/nginx"],
    readiness=Probe.http("/", period_seconds=5),
    pre_stop_seconds=10,
    shutdown_seconds=20,
    allow_from=["namespace:ingress-nginx"],
    description="drains in-flight requests on shutdown",
)
app.synth()

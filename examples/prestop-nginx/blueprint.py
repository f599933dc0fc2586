"""nginx stopped gracefully by a preStop hook (BP021, BP022, BP023).

The hook first pauses while endpoints drain, then asks nginx to quit gracefully and waits for
it; its output goes to `kubectl logs`. A failing preStop does not stop termination, so nothing
critical depends on it; the grace period (10 s declared for the hook + 20 s shutdown) covers it.
"""

from blueprints import App, Hook, Probe, Release, WebApp

app = App()
release = Release(app, "prestop-nginx", version="1.0.0",
                  annotations={"blueprint.dev/source": "examples/prestop-nginx"})
WebApp(
    release,
    "prestop-demo",
    image="nginxinc/nginx-unprivileged:1.27.3",
    run_as_user=101,
    writable_paths=["/tmp"],
    readiness=Probe.http("/"),
    pre_stop=Hook.exec("sh", "-c", "sleep 5 && echo Hello from the preStop handler "
                       "&& nginx -s quit", log_to_main=True),
    pre_stop_seconds=10,
    shutdown_seconds=20,
)
app.synth()

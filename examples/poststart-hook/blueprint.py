"""A postStart hook whose output is visible (BP020).

postStart runs beside the main process, holds the pod Pending until it ends and kills the
container when it fails; its output is not in `kubectl logs`. Here it writes the seed's
message to a file and, with `log_to_main`, to the main process's stdout, where
`kubectl logs` shows it.
"""

from blueprints import App, Hook, Probe, Release, WebApp

app = App()
release = Release(app, "poststart-hook", version="1.0.0",
                  annotations={"blueprint.dev/source": "examples/poststart-hook"})
WebApp(
    release,
    "lifecycle-demo",
    image="nginxinc/nginx-unprivileged:1.27.3",
    run_as_user=101,
    replicas=1,
    writable_paths=["/tmp", "/usr/share/message"],
    readiness=Probe.http("/"),
    post_start=Hook.exec("sh", "-c", "echo Hello from the postStart handler "
                         "| tee /usr/share/message/message", log_to_main=True),
)
app.synth()

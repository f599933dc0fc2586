"""A sidecar writes, nginx serves: two containers sharing an emptyDir (BP012, BP024, BP041).

The seed's busybox loop appends the date to index.html every 5 seconds and nginx serves it.
The sidecar gets every container practice (pinned image, termination message, restricted
security, requests and limits). A shell is PID 1 of the sidecar and ignores SIGTERM unless the
script traps it (BP027): the seed's bare loop would hold every shutdown for the whole grace
period. This one traps TERM and sleeps in the background so the trap fires at once.
"""

from blueprints import App, Mount, Probe, Release, Sidecar, Volume, WebApp

app = App()
release = Release(app, "sidecar-log-writer", version="1.0.0",
                  annotations={"blueprint.dev/source": "examples/sidecar-log-writer"})
html = Volume.empty_dir("shared-data")
WebApp(
    release,
    "sidecar-container-demo",
    image="nginxinc/nginx-unprivileged:1.27.3",
    run_as_user=101,
    replicas=1,
    writable_paths=["/tmp"],
    readiness=Probe.http("/"),
    mounts=[Mount(html, "/usr/share/nginx/html", read_only=True)],
    sidecars=[Sidecar(
        name="writer",
        image="busybox:1.36.1",
        command=["sh", "-c",
                 "trap 'exit 0' TERM; "
                 "while true; do date >> /var/log/index.html; sleep 5 & wait $!; done"],
        mounts=[Mount(html, "/var/log")],
    )],
)
app.synth()

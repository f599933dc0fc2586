"""nginx as a 2-replica StatefulSet, each pod with its own 1Gi `www` volume.

The seeds' stateful example: stable pod names (web-0, web-1), a headless Service for their DNS
names, and a PersistentVolumeClaim per pod that survives rescheduling and node changes.
"""

from blueprints import App, Probe, Release, StatefulWebApp, Storage

app = App()
release = Release(app, "nginx", version="1.0.0", annotations={
    "blueprint.dev/owner": "web-team",
    "blueprint.dev/source": "examples/nginx",
})
StatefulWebApp(
    release,
    "web",
    image="nginxinc/nginx-unprivileged:1.27.3",  # runs as user 101 on port 8080
    port=8080,
    replicas=2,
    run_as_user=101,
    storage=Storage(name="www", size="1Gi", mount_path="/usr/share/nginx/html"),
    writable_paths=["/tmp", "/var/cache/nginx"],  # nginx's pid file and caches
    readiness=Probe.http("/"),
    description="nginx serving each pod's own www volume",
)
app.synth()

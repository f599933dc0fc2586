"""A ConfigMap mounted as files (BP012: unchanging configuration belongs in a configMap volume).

The seed mounts the key `log_level` of `log-config` at /etc/config/log_level. Here blueprint
writes the ConfigMap too, and stamps a hash of it on the pod template: changing the level rolls
the pods, which a hand-made ConfigMap would not do.
"""

from blueprints import App, ConfigFiles, Mount, Release, WorkerWithInit

app = App()
release = Release(app, "configmap-volume", version="1.0.0",
                  annotations={"blueprint.dev/source": "examples/configmap-volume"})
log_config = ConfigFiles(release, "log-config", data={"log_level": "INFO\n"})
WorkerWithInit(
    release,
    "test",
    image="busybox:1.36.1",
    command=["sh", "-c", "cat /etc/config/log_level && exec sleep 3600"],
    mounts=[Mount(log_config.volume("config-vol", items={"log_level": "log_level"}),
                  "/etc/config")],
)
app.synth()

"""A node agent that reads a node directory through hostPath (BP012, BP013).

hostPath belongs to node agents, so this is a DaemonSet, not the seed's Pod; the volume is
typed and scoped to the exact directory, and mounted read-only in every container. The seed's
`DirectoryOrCreate`/`FileOrCreate` would let the pod create paths on the node; a reader needs
`Directory`.
"""

from blueprints import App, DaemonApp, Mount, Release, Volume

app = App()
release = Release(app, "hostpath-readonly", version="1.0.0",
                  annotations={"blueprint.dev/source": "examples/hostpath-readonly"})
DaemonApp(
    release,
    "test-webserver",
    image="busybox:1.36.1",
    command=["sh", "-c", "ls /var/local/aaa && exec sleep 3600"],
    mounts=[Mount(Volume.host_path("mydir", "/var/local/aaa", type="Directory"),
                  "/var/local/aaa")],
)
app.synth()

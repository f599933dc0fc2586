"""A cache that survives container restarts but not the pod (BP012: emptyDir).

`Volume.for_data` follows the seed's decision list: data that must survive only a container
restart gets an emptyDir; it is gone with the pod, which is right for a cache.
"""

from blueprints import App, Mount, Release, Survives, Volume, WebApp

app = App()
release = Release(app, "emptydir-cache", version="1.0.0",
                  annotations={"blueprint.dev/source": "examples/emptydir-cache"})
cache = Volume.for_data("cache-volume", survives=Survives.CONTAINER_RESTART, size_limit="1Gi")
WebApp(
    release,
    "test-webserver",
    image="nginxinc/nginx-unprivileged:1.27.3",
    run_as_user=101,
    replicas=1,
    writable_paths=["/tmp"],
    mounts=[Mount(cache, "/cache")],
)
app.synth()

"""`myapp`: a worker whose pod starts only once `myservice` and `mydb` exist.

The seeds' init-container example, with the waits bounded and logged, and the namespace taken
from the downward API.
"""

from blueprints import App, Release, WorkerWithInit

app = App()
release = Release(app, "myapp", version="1.0.0", annotations={
    "blueprint.dev/owner": "platform-team",
})
WorkerWithInit(
    release,
    "myapp",
    image="busybox:1.36.1",
    command=["sh", "-c", "echo The app is running! && exec sleep 3600"],
    wait_for=["myservice", "mydb"],
    wait_timeout_seconds=300,
    description="waits for myservice and mydb, then runs",
)
app.synth()

"""kubia: a 3-replica web app that is ready only while `/var/ready` exists.

The seeds' readiness example: `kubectl exec <pod> -- touch /var/ready` puts a pod into the
Service's endpoints; removing the file takes it out again.
"""

from blueprints import App, Probe, Release, WebApp

app = App()
release = Release(app, "kubia", version="1.0.0", annotations={
    "blueprint.dev/source": "https://github.com/luksa/kubernetes-in-action",
})
WebApp(
    release,
    "kubia",
    image="luksa/kubia:v1",
    port=8080,
    replicas=3,
    run_as_user=1000,  # the node image's "node" user
    readiness=Probe.exec("ls", "/var/ready"),
    description="answers with its pod name; ready only while /var/ready exists",
)
app.synth()

"""sock-shop: Weaveworks' Sock Shop, fourteen services, every edge declared once.

From github.com/microservices-demo/microservices-demo: images and ports from
deploy/kubernetes/complete-demo.yaml, MONGO_HOST from deploy/docker-compose/docker-compose.yml,
and the edges from its own NetworkPolicies (deploy/kubernetes/manifests-policy/), plus
front-end -> session-db (SESSION_REDIS=true), which those policies leave out.

Each ``calls=`` gives the caller an address variable and the callee a NetworkPolicy that admits
exactly its callers on the port they call; ``egress="declared"`` limits every pod's egress to
its callees and the cluster DNS. The apps find each other by the Service names the demo
hard-codes (``catalogue``, ``carts``, ...), which are the names blueprint gives them; ``user``
reads its database address from ``MONGO_HOST``, so that call is named. Only the front-end is
exposed, through an Ingress; queue-master, which nobody calls, admits its release. The
catalogue database reads its root password from the Secret ``catalogue-db`` (key
``root-password``), which must exist in the namespace: no secret value is written here.
"""

from blueprints import (
    App,
    Ingress,
    Probe,
    Release,
    Resources,
    SecretKeyRef,
    StatefulWebApp,
    Storage,
    WebApp,
)

JAVA_OPTS = ("-Xms64m -Xmx128m -XX:+UseG1GC -Djava.security.egd=file:/dev/urandom "
             "-Dspring.zipkin.enabled=false")
JAVA = Resources(cpu="100m", memory="400Mi")
# Java services start slowly: ready after /health answers, with up to 5 minutes to start.
JAVA_STARTUP = Probe.http("/health", period_seconds=10, failure_threshold=30)

app = App()
shop = Release(app, "sock-shop", version="0.3.12", egress="declared", annotations={
    "blueprint.dev/source": "https://github.com/microservices-demo/microservices-demo",
})


def mongo(name: str, image: str = "mongo:3.4.24") -> StatefulWebApp:
    """A single MongoDB with its own volume (the demo runs mongo:3.4 as a Deployment)."""
    return StatefulWebApp(
        shop, name, image=image, port=27017, port_name="mongo", replicas=1,
        run_as_user=999, storage=Storage(size="1Gi", mount_path="/data/db"),
        writable_paths=["/tmp"], resources=Resources(cpu="100m", memory="256Mi"),
        component="database", description=f"MongoDB of {name.removesuffix('-db')}")


def java(name: str, image: str, calls: list[object]) -> WebApp:
    """A Spring Boot service of the demo on port 80, with /tmp writable."""
    return WebApp(
        shop, name, image=image, port=80, run_as_user=10001, env={"JAVA_OPTS": JAVA_OPTS},
        writable_paths=["/tmp"], resources=JAVA, startup=JAVA_STARTUP,
        readiness=Probe.http("/health"), calls=calls)


front_end = WebApp(
    shop, "front-end", image="weaveworksdemos/front-end:0.3.12", port=8079, service_port=80,
    run_as_user=10001, env={"SESSION_REDIS": "true"}, readiness=Probe.http("/"),
    resources=Resources(cpu="100m", memory="300Mi"),
    expose=Ingress(host="socks.example.com", class_name="nginx"),
    calls=["catalogue", "carts", "orders", "user", "session-db"],
    description="the web shop; the only component reachable from outside")
catalogue = WebApp(
    shop, "catalogue", image="weaveworksdemos/catalogue:0.3.5", command=["/app"],
    args=["-port=8080"], port=8080, service_port=80, run_as_user=10001,
    readiness=Probe.http("/health"), calls=["catalogue-db"])
WebApp(
    shop, "catalogue-db", image="weaveworksdemos/catalogue-db:0.3.0", port=3306,
    port_name="mysql", replicas=1, run_as_user=999,
    env={"MYSQL_ROOT_PASSWORD": SecretKeyRef("catalogue-db", "root-password"),
         "MYSQL_DATABASE": "socksdb"},
    writable_paths=["/var/lib/mysql", "/var/run/mysqld", "/tmp"],
    resources=Resources(cpu="100m", memory="512Mi"), component="database",
    description="MySQL loaded with the catalogue at every start")
java("carts", "weaveworksdemos/carts:0.4.8", ["carts-db"])
mongo("carts-db")
java("orders", "weaveworksdemos/orders:0.4.7",
     ["orders-db", "carts", "user", "payment", "shipping"])
mongo("orders-db")
WebApp(shop, "payment", image="weaveworksdemos/payment:0.4.3", port=80, run_as_user=10001,
       readiness=Probe.http("/health"))
java("shipping", "weaveworksdemos/shipping:0.4.8", ["rabbitmq"])
java("queue-master", "weaveworksdemos/queue-master:0.3.1", ["rabbitmq"])
WebApp(
    shop, "rabbitmq", image="rabbitmq:3.6.8-management", port=5672, port_name="amqp",
    replicas=1, run_as_user=999, writable_paths=["/var/lib/rabbitmq", "/tmp"],
    resources=Resources(cpu="100m", memory="256Mi"), component="queue")
WebApp(
    shop, "user", image="weaveworksdemos/user:0.4.7", port=80, run_as_user=10001,
    readiness=Probe.http("/health"), calls={"MONGO_HOST": "user-db"})
mongo("user-db", "weaveworksdemos/user-db:0.3.0")  # mongo with the demo's accounts
WebApp(
    shop, "session-db", image="redis:7.2.4-alpine", port=6379, port_name="redis", replicas=1,
    run_as_user=999, writable_paths=["/data"], resources=Resources(cpu="50m", memory="64Mi"),
    component="cache")
app.synth()

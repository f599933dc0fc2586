"""Centralized logging, as the seed notes recommend: Fluentd, Elasticsearch, Kibana (BP031).

Apps only log to stdout and stderr. Fluentd runs on every node (control-plane nodes included),
tails the container logs read-only, adds pod and namespace metadata with least-privilege RBAC,
and ships them to Elasticsearch by its Service name; Kibana shows them; a CronJob deletes
indices older than a week. Three Elasticsearch nodes find each other by their stable hostnames.

Before applying, create the two Secrets it names (no secret value is ever written here):
  kubectl -n logging create secret generic es-credentials \
    --from-literal=elastic=... --from-literal=kibana_system=...
  kubectl -n logging create secret generic es-transport-tls \
    --from-file=ca.crt --from-file=tls.crt --from-file=tls.key
"""

from blueprints import App, LoggingStack, Release

app = App()
release = Release(app, "logging", version="1.0.0", annotations={
    "blueprint.dev/owner": "platform-team",
    "blueprint.dev/source": "examples/logging",
})
LoggingStack(
    release,
    "logs",
    credentials_secret="es-credentials",
    elasticsearch_replicas=3,
    transport_tls_secret="es-transport-tls",
    storage_size="20Gi",
    heap="1g",
    memory_limit="2Gi",
    retention_days=7,
)
app.synth()

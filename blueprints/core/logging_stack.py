"""LoggingStack: Fluentd on every node, Elasticsearch, Kibana, and index retention (BP031).

Apps log to stdout and stderr; the kubelet writes those streams under ``/var/log`` on each
node. Fluentd, a DaemonSet, tails them read-only, adds Kubernetes metadata and ships them to
Elasticsearch by its Service name; Kibana shows them; a CronJob deletes indices older than the
retention.

Elasticsearch 8 turns on authentication by default: the passwords come from a Secret that the
user names (keys ``elastic`` and ``kibana_system``), never from the output. Several nodes need
TLS between them (``transport_tls_secret``: ``ca.crt``, ``tls.crt``, ``tls.key``). HTTP inside
the cluster is plain (the NetworkPolicy admits only the stack's own components): terminate TLS
at the ingress, or use ``existing_elasticsearch`` for a managed cluster.

``vm.max_map_count``: Elasticsearch uses mmap for its store and then needs the node setting
``vm.max_map_count >= 262144``. The default here is ``node.store.allow_mmap: false``, which needs
no node change and no privilege, at some cost in search speed on large indices.
``sysctl_init=True`` instead adds a *privileged* init container that raises the setting on
every node an Elasticsearch pod lands on: it is root with all capabilities for a moment,
changes a kernel setting for the whole node, and is refused by the Baseline Pod Security level.
Prefer setting it once with the node image or a node-tuning operator.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from blueprints._lazy import LazyPattern
from blueprints.core.config_files import ConfigFilesCore
from blueprints.core.image import parse_image
from blueprints.core.jobs import CronJobAppCore, CronJobAppProps, DaemonAppCore, DaemonAppProps
from blueprints.core.names import check_name
from blueprints.core.probes import Probe
from blueprints.core.quantity import parse_quantity
from blueprints.core.release import ReleaseContext
from blueprints.core.stateful_web_app import StatefulWebAppCore, StatefulWebAppProps, Storage
from blueprints.core.volumes import Mount, Volume
from blueprints.core.web_app import WebAppCore, WebAppProps
from blueprints.core.workload import Manifest, Resources, SecretKeyRef
from blueprints.errors import ConfigError, Problem

__all__ = ["FLUENTD_RULES", "LoggingStackCore", "LoggingStackProps"]

ELASTICSEARCH_IMAGE = "docker.elastic.co/elasticsearch/elasticsearch:8.15.3"
KIBANA_IMAGE = "docker.elastic.co/kibana/kibana:8.15.3"
FLUENTD_IMAGE = "fluent/fluentd-kubernetes-daemonset:v1.17.1-debian-elasticsearch8-1.0"
CURL_IMAGE = "curlimages/curl:8.10.1"
#: Least privilege for the metadata filter: read pods and namespaces, nothing else.
FLUENTD_RULES = ({"apiGroups": [""], "resources": ["pods", "namespaces"],
                  "verbs": ["get", "list", "watch"]},)
_HEAP = LazyPattern(r"(\d+)([kKmMgG])")
_HEAP_UNIT = {"k": 1024, "m": 1024**2, "g": 1024**3}


@dataclass(frozen=True, kw_only=True, slots=True)
class LoggingStackProps:
    """Props of a :class:`~blueprints.LoggingStack`.

    Attributes:
        credentials_secret: A Secret with the keys ``elastic`` and ``kibana_system``
            (passwords). Required.
        elasticsearch_replicas: Elasticsearch nodes, at least 1. Default 1.
        transport_tls_secret: A Secret with ``ca.crt``, ``tls.crt``, ``tls.key`` for TLS
            between nodes; required with more than one node. Default none.
        storage_size: Each node's volume. Default ``10Gi``.
        storage_class: The StorageClass of the volumes. Default: the cluster's default.
        heap: The JVM heap, e.g. ``1g``; at most the memory limit. Default ``1g``.
        memory_limit: Elasticsearch's memory request and limit. Default ``2Gi``.
        sysctl_init: Raise ``vm.max_map_count`` with a privileged init container instead of
            ``node.store.allow_mmap: false`` (see the module docstring). Default False.
        existing_elasticsearch: The URL of an Elasticsearch to use instead of deploying one,
            e.g. ``https://logs.example.com:9200``. Default none.
        retention_days: Days of indices kept, at least 1. Default 7.
        retention_schedule: When the retention CronJob runs. Default ``30 1 * * *``.
        container_log_dir: A node directory with container logs outside ``/var/log`` to mount
            read-only too, e.g. ``/var/lib/docker/containers``. Default none (containerd keeps
            them under ``/var/log/pods``).
        elasticsearch_image, kibana_image, fluentd_image, curl_image: Pinned images.
    """

    credentials_secret: str
    elasticsearch_replicas: int = 1
    transport_tls_secret: str | None = None
    storage_size: str = "10Gi"
    storage_class: str | None = None
    heap: str = "1g"
    memory_limit: str = "2Gi"
    sysctl_init: bool = False
    existing_elasticsearch: str | None = None
    retention_days: int = 7
    retention_schedule: str = "30 1 * * *"
    container_log_dir: str | None = None
    elasticsearch_image: str = ELASTICSEARCH_IMAGE
    kibana_image: str = KIBANA_IMAGE
    fluentd_image: str = FLUENTD_IMAGE
    curl_image: str = CURL_IMAGE


class _Elasticsearch(StatefulWebAppCore):
    """Elasticsearch nodes: a StatefulWebApp with the settings a careful operator sets."""

    role: ClassVar[str] = "search"

    def __init__(self, id: str, props: StatefulWebAppProps, release: ReleaseContext, *,
                 sysctl: bool) -> None:
        self.sysctl = sysctl  # read while the base constructor renders the init containers
        super().__init__(id, props, release)
        if sysctl:
            self._opt_out("BP041", "privileged sysctl init container for vm.max_map_count "
                          "(sysctl_init=True)")

    def extra_init_containers(self) -> list[Manifest]:
        if not self.sysctl:
            return []
        # The one place blueprint emits a privileged container; the opt-out is recorded.
        return [{
            "name": "sysctl",
            "image": self.image.text,
            "imagePullPolicy": "IfNotPresent",
            "command": ["sysctl", "-w", "vm.max_map_count=262144"],
            "resources": {"limits": {"memory": "32Mi"},
                          "requests": {"cpu": "10m", "memory": "32Mi"}},
            "securityContext": {"privileged": True, "runAsUser": 0, "runAsNonRoot": False},
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "FallbackToLogsOnError",
        }]


class _Kibana(WebAppCore):
    """Kibana, whose init container sets the kibana_system password it logs in with."""

    def __init__(self, id: str, props: WebAppProps, release: ReleaseContext, *,
                 setup: Callable[[WebAppCore], Manifest]) -> None:
        self._setup = setup  # read while the base constructor renders the init containers
        super().__init__(id, props, release)

    def extra_init_containers(self) -> list[Manifest]:
        return [self._setup(self)]


class LoggingStackCore:
    """The pure rendering of a :class:`~blueprints.LoggingStack`: its parts, in apply order."""

    def __init__(self, id: str, props: LoggingStackProps, release: ReleaseContext) -> None:
        self.id, self.props, self.release = id, props, release
        self.path = f"{release.name}/{id}"
        check_name(id, component=self.path, field="id", kind="service", max_length=30)
        self._check()
        namespace = release.namespace
        es_name = f"{id}-elasticsearch"
        url = props.existing_elasticsearch or f"http://{es_name}.{namespace}.svc:9200"
        password = SecretKeyRef(props.credentials_secret, "elastic")
        self.elasticsearch = None if props.existing_elasticsearch else self._elasticsearch(
            es_name, password)
        self.kibana = self._kibana(f"{id}-kibana", url, password)
        self.config = ConfigFilesCore(f"{id}-fluentd-config", {"fluent.conf": _fluent_conf(url)},
                                      release, description="Fluentd: tail, enrich, ship")
        self.fluentd = self._fluentd(f"{id}-fluentd", password)
        self.retention = self._retention(f"{id}-retention", url, password)
        if self.elasticsearch is not None:
            for client in (self.kibana, self.fluentd, self.retention):
                self.elasticsearch.add_client(client.client_ref())

    def parts(self) -> list[Any]:
        """The cores to render, in order: RBAC, config, Elasticsearch, Kibana, Fluentd, retention."""
        parts: list[Any] = [_Rbac(self), self.config]
        if self.elasticsearch is not None:
            parts.append(self.elasticsearch)
        return [*parts, self.kibana, self.fluentd, self.retention]

    # -- checks ---------------------------------------------------------------------------

    def _check(self) -> None:
        props, path = self.props, self.path
        check_name(props.credentials_secret, component=path, field="credentials_secret",
                   kind="subdomain")
        replicas = props.elasticsearch_replicas
        if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 1:
            raise ConfigError(Problem(path, "elasticsearch_replicas", replicas,
                                      "Elasticsearch needs at least one node",
                                      "pass 1, or 3 for a resilient cluster", "BP031"))
        if replicas > 1 and not props.transport_tls_secret and not props.existing_elasticsearch:
            raise ConfigError(Problem(path, "transport_tls_secret", None,
                                      "several Elasticsearch 8 nodes need TLS between them",
                                      "name a Secret with ca.crt, tls.crt and tls.key",
                                      "BP031"))
        heap = _HEAP.fullmatch(props.heap) if isinstance(props.heap, str) else None
        limit = parse_quantity(props.memory_limit)
        if heap is None:
            raise ConfigError(Problem(path, "heap", props.heap, "not a JVM heap size",
                                      'write it like "512m" or "1g"', "BP040"))
        if limit is None or limit <= 0:
            raise ConfigError(Problem(path, "memory_limit", props.memory_limit,
                                      "not a positive quantity", 'e.g. "2Gi"', "BP040"))
        heap_bytes = Decimal(int(heap[1]) * _HEAP_UNIT[heap[2].lower()])
        if heap_bytes > limit:
            raise ConfigError(Problem(
                path, "heap", props.heap,
                f"heap {props.heap} exceeds memory limit {props.memory_limit}",
                "keep the heap at about half the memory limit", "BP040"))
        days = props.retention_days
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise ConfigError(Problem(path, "retention_days", days,
                                      "a retention keeps at least one day of logs",
                                      "pass retention_days=1 or more", "BP031"))
        url = props.existing_elasticsearch
        if url is not None and not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d+)?/?", url):
            raise ConfigError(Problem(path, "existing_elasticsearch", url,
                                      "not an Elasticsearch URL",
                                      'e.g. "https://logs.example.com:9200" (a hostname, '
                                      "never an IP, BP010)", "BP010"))
        for field in ("elasticsearch_image", "kibana_image", "fluentd_image", "curl_image"):
            image = parse_image(getattr(props, field), component=path, field=field)
            if not image.pinned:
                raise ConfigError(Problem(path, field, getattr(props, field),
                                          f"{image.moving_reason}: nodes would run different "
                                          "code", "pin a version tag or a digest", "BP001"))

    # -- parts ----------------------------------------------------------------------------

    def _elasticsearch(self, name: str, password: SecretKeyRef) -> _Elasticsearch:
        props = self.props
        replicas = props.elasticsearch_replicas
        env: dict[str, Any] = {
            "cluster.name": self.release.name,
            "ES_JAVA_OPTS": f"-Xms{props.heap} -Xmx{props.heap}",
            "ELASTIC_PASSWORD": password,
            "xpack.security.enabled": "true",
            "xpack.security.http.ssl.enabled": "false",
        }
        if not props.sysctl_init:
            env["node.store.allow_mmap"] = "false"
        mounts = []
        if replicas == 1:
            env["discovery.type"] = "single-node"
        else:
            peers = [f"{name}-{i}.{name}-headless.{self.release.namespace}.svc"
                     for i in range(replicas)]
            env["discovery.seed_hosts"] = ",".join(peers)
            env["cluster.initial_master_nodes"] = ",".join(f"{name}-{i}" for i in range(replicas))
            certs = "/usr/share/elasticsearch/config/certs"
            env.update({
                "xpack.security.transport.ssl.enabled": "true",
                "xpack.security.transport.ssl.verification_mode": "certificate",
                "xpack.security.transport.ssl.key": f"{certs}/tls.key",
                "xpack.security.transport.ssl.certificate": f"{certs}/tls.crt",
                "xpack.security.transport.ssl.certificate_authorities": f"{certs}/ca.crt",
            })
            assert props.transport_tls_secret is not None
            # 0440: readable by the elasticsearch user through fsGroup, by nobody else.
            mounts.append(Mount(Volume.secret("transport-tls", props.transport_tls_secret,
                                              default_mode=0o440), certs))
        health = ('curl -fsS -u "elastic:$ELASTIC_PASSWORD" '
                  '"http://127.0.0.1:9200/_cluster/health?local=true" > /dev/null')
        es_props = StatefulWebAppProps(
            image=props.elasticsearch_image,
            port=9200,
            extra_ports={"transport": 9300},
            replicas=replicas,
            storage=Storage(name="data", size=props.storage_size,
                            mount_path="/usr/share/elasticsearch/data",
                            storage_class=props.storage_class),
            run_as_user=1000,
            # The image's entrypoint writes the keystore (bootstrap password) into its config
            # directory at start, so the root filesystem stays writable; the opt-out is recorded.
            read_only_root_filesystem=False,
            env=env,
            mounts=mounts,
            resources=Resources(cpu="500m", memory=props.memory_limit),
            readiness=Probe.exec("sh", "-c", health, initial_delay_seconds=20,
                                 period_seconds=10, timeout_seconds=5),
            liveness=Probe.tcp(port=9300, initial_delay_seconds=60, period_seconds=20),
            shutdown_seconds=60,
            description="Elasticsearch: stores and indexes the logs",
        )
        return _Elasticsearch(name, es_props, self.release, sysctl=props.sysctl_init)

    def _kibana(self, name: str, url: str, password: SecretKeyRef) -> WebAppCore:
        props = self.props
        kibana_password = SecretKeyRef(props.credentials_secret, "kibana_system")
        return _Kibana(name, WebAppProps(
            image=props.kibana_image,
            port=5601,
            replicas=1,
            component="dashboard",
            run_as_user=1000,
            writable_paths=["/usr/share/kibana/data", "/tmp"],
            env={"ELASTICSEARCH_HOSTS": url, "ELASTICSEARCH_USERNAME": "kibana_system",
                 "ELASTICSEARCH_PASSWORD": kibana_password,
                 "STATUS_ALLOWANONYMOUS": "true"},
            resources=Resources(cpu="200m", memory="1Gi"),
            readiness=Probe.http("/api/status", initial_delay_seconds=20, period_seconds=10,
                                 timeout_seconds=5),
            description="Kibana: search and dashboards over the logs",
        ), self.release, setup=lambda kibana: _setup_container(
            kibana, url, props.curl_image, password, kibana_password))

    def _fluentd(self, name: str, password: SecretKeyRef) -> DaemonAppCore:
        props = self.props
        mounts = [
            Mount(Volume.host_path("varlog", "/var/log"), "/var/log"),
            # Positions survive container restarts (BP012: emptyDir). Every hostPath stays
            # read-only, so a new pod re-reads the files; elasticsearch_genid gives each record
            # a content id, and Elasticsearch drops the duplicates.
            Mount(Volume.empty_dir("positions"), "/var/lib/fluentd-positions"),
            Mount(self.config.volume("config"), "/fluentd/etc"),
        ]
        if props.container_log_dir:
            mounts.append(Mount(Volume.host_path("containerlogs", props.container_log_dir),
                                props.container_log_dir))
        return DaemonAppCore(name, DaemonAppProps(
            image=props.fluentd_image,
            command=["fluentd", "-c", "/fluentd/etc/fluent.conf"],
            component="collector",
            # Container log files are root's (0640): reading them needs root; recorded.
            run_as_user=0,
            allow_root=True,
            service_account=name,
            mount_service_account_token=True,  # the metadata filter asks the API server
            env={"ELASTIC_PASSWORD": password},
            mounts=mounts,
            writable_paths=["/tmp", "/fluentd/log"],
            resources=Resources(cpu="100m", memory="256Mi", memory_limit="512Mi"),
            tolerations=[{"key": "node-role.kubernetes.io/control-plane",
                          "operator": "Exists", "effect": "NoSchedule"}],
            description="Fluentd: ships every container's logs",
        ), self.release)

    def _retention(self, name: str, url: str, password: SecretKeyRef) -> CronJobAppCore:
        props = self.props
        script = f"""\
cutoff=$(date -u -d "@$(( $(date +%s) - {props.retention_days} * 86400 ))" +%Y.%m.%d)
echo "retention: deleting logstash indices before $cutoff"
for index in $(curl -fsS -u "elastic:$ELASTIC_PASSWORD" "{url}/_cat/indices/logstash-*?h=index"); do
  day=${{index#logstash-}}
  if [ "$day" \\< "$cutoff" ]; then
    echo "retention: deleting $index"
    curl -fsS -u "elastic:$ELASTIC_PASSWORD" -X DELETE "{url}/$index" > /dev/null
  fi
done
"""
        return CronJobAppCore(name, CronJobAppProps(
            image=props.curl_image,
            schedule=props.retention_schedule,
            command=["sh", "-c", script],
            env={"ELASTIC_PASSWORD": password},
            component="retention",
            backoff_limit=2,
            active_deadline_seconds=600,
            resources=Resources(cpu="10m", memory="32Mi"),
            description=f"deletes log indices older than {props.retention_days} days",
        ), self.release)


class _Rbac:
    """ServiceAccount, ClusterRole and ClusterRoleBinding of Fluentd: least privilege."""

    def __init__(self, stack: LoggingStackCore) -> None:
        self.id = f"{stack.id}-fluentd-rbac"
        self.stack = stack

    def resolve_allow_from(self, components: Any) -> None:
        """Nothing to resolve: RBAC objects take no traffic."""

    def render(self) -> list[Manifest]:
        fluentd = self.stack.fluentd
        name = fluentd.id
        cluster_name = f"{fluentd.release.namespace}-{name}"
        subject = {"kind": "ServiceAccount", "name": name, "namespace": fluentd.namespace}
        return [
            {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": fluentd.metadata(name),
             "automountServiceAccountToken": False},
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
             "metadata": fluentd.metadata(cluster_name, namespaced=False),
             "rules": [dict(rule) for rule in FLUENTD_RULES]},
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
             "metadata": fluentd.metadata(cluster_name, namespaced=False),
             "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                         "name": cluster_name},
             "subjects": [subject]},
        ]


def _setup_container(kibana: WebAppCore, url: str, image: str, password: SecretKeyRef,
                     kibana_password: SecretKeyRef) -> Manifest:
    script = f"""\
deadline=$(( $(date +%s) + 600 ))
until curl -fsS -u "elastic:$ELASTIC_PASSWORD" "{url}/_cluster/health" > /dev/null; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "setup: {url} not answering after 600s, giving up" >&2
    exit 1
  fi
  echo "setup: waiting for {url}"
  sleep 5
done
curl -fsS -u "elastic:$ELASTIC_PASSWORD" -X POST -H "Content-Type: application/json" \\
  "{url}/_security/user/kibana_system/_password" -d "{{\\"password\\":\\"$KIBANA_PASSWORD\\"}}" > /dev/null
echo "setup: kibana_system password set"
"""
    return kibana.container(
        "setup", parse_image(image), command=["sh", "-c", script],
        env=[{"name": "ELASTIC_PASSWORD", "valueFrom": {"secretKeyRef": {
                 "name": password.name, "key": password.key}}},
             {"name": "KIBANA_PASSWORD", "valueFrom": {"secretKeyRef": {
                 "name": kibana_password.name, "key": kibana_password.key}}}],
        resources=Resources(cpu="10m", memory="32Mi"))


def _fluent_conf(url: str) -> str:
    scheme, _, rest = url.partition("://")
    host, _, port = rest.rstrip("/").partition(":")
    return f"""\
# Tail every container's log, add Kubernetes metadata, ship to Elasticsearch (BP031).
<source>
  @type tail
  @id containers
  path /var/log/containers/*.log
  pos_file /var/lib/fluentd-positions/containers.pos
  tag kubernetes.*
  read_from_head true
  <parse>
    @type cri
  </parse>
</source>

<filter kubernetes.**>
  @type kubernetes_metadata
  @id kubernetes_metadata
</filter>

<filter kubernetes.**>
  @type elasticsearch_genid
  hash_id_key _hash
</filter>

<match kubernetes.**>
  @type elasticsearch
  @id elasticsearch
  host {host}
  port {port or (443 if scheme == "https" else 9200)}
  scheme {scheme}
  user elastic
  password "#{{ENV['ELASTIC_PASSWORD']}}"
  logstash_format true
  logstash_prefix logstash
  id_key _hash
  remove_keys _hash
  <buffer>
    @type file
    path /tmp/fluentd-buffer
    flush_interval 5s
    retry_max_interval 30
    overflow_action drop_oldest_chunk
  </buffer>
</match>
"""

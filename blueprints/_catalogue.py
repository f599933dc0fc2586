"""The catalogue's text, one entry per practice: what it asks, what the constructs do, what
synth refuses and what lint finds.

``explain``, the SARIF rule descriptions and ``docs/practices.md`` (``python -m
blueprints.explain > docs/practices.md``) read it; users read all three, so the text speaks of
the product.
"""

from __future__ import annotations

__all__ = ["CATALOGUE"]

CATALOGUE: dict[str, dict[str, str]] = {
    "BP001": {
        "practice": "Every image names an explicit version: a tag that names a version (it contains a digit, and is not one of the well-known moving tags such as latest, stable, edge, mainline, alpine, slim, lts, main, master, nightly), or a digest. A moving tag makes replicas run different code: the same tag pulled a week apart can be another program.",
        "construct": "image is required; parsed into registry/repository/tag/digest",
        "build": "a missing or moving tag is an error unless the user opts in explicitly (allow_latest=True), which forces BP002's Always",
        "lint": "missing tag, :latest, any moving tag (redis:alpine); a digest always passes",
    },
    "BP002": {
        "practice": "Pull policy follows the tag: IfNotPresent for versioned tags and digests; Always only for mutable tags. Always slows pod start and stops pods starting when the registry is down.",
        "construct": "set from the parsed image",
        "build": "an explicit Always on a pinned image is a warning",
        "lint": "mutable tag without Always; Always on a digest. A missing imagePullPolicy is read as the API server defaults it: Always for latest or a reference with neither tag nor digest, else IfNotPresent (a digest-only image included)",
    },
    "BP003": {
        "practice": "Multi-dimensional recommended labels on every object: app.kubernetes.io/name, instance, version, component, part-of, managed-by.",
        "construct": "all six, from the component and its release",
        "build": "user labels may add, not remove",
        "lint": "objects missing any of them",
    },
    "BP004": {
        "practice": "Selectors use only the stable subset (name, instance, component); never version (selectors are immutable, a version in them breaks every upgrade).",
        "construct": "selector = stable subset",
        "build": "a selector key that changes per release is an error",
        "lint": "selector containing app.kubernetes.io/version",
    },
    "BP005": {
        "practice": "Annotations carry resource information (description, owner/contact, source, revision).",
        "construct": "release-wide annotations, plus per-component description",
        "build": "",
        "lint": "info when absent",
    },
    "BP006": {
        "practice": "Names are valid and within Kubernetes' limits: DNS-1123 labels (63) for most names, DNS-1035 for Service names (must start with a letter), 15 for port names, 52 for CronJob and StatefulSet names (the controller appends a suffix that must fit in a 63-character label).",
        "construct": "derived names are checked",
        "build": "invalid name is an error naming the field",
        "lint": "invalid names",
    },
    "BP007": {
        "practice": "Use the API versions the target Kubernetes serves: an apiVersion that the target stopped serving makes the API server refuse the object, and a deprecated one stops working at the next upgrade. The table of removals is the upstream Deprecated API Migration Guide, with each replacement.",
        "construct": "the constructs emit only served, stable API versions",
        "build": "an API version the target no longer serves is an error",
        "lint": "an apiVersion the --kube-version target no longer serves (error), or that it serves but a later release removes (warning), with the replacement",
    },
    "BP010": {
        "practice": "A pod can die and move at any time: talk to other apps by Service hostname, never by IP.",
        "construct": "peers and dependencies are given as Service names; the constructs expose the DNS names",
        "build": "an IP literal given where a hostname is expected is an error",
        "lint": "env values that are IP literals (warning); dnsPolicy: Default, which hides Service names from the pod (warning)",
    },
    "BP011": {
        "practice": "Stateful apps get stable identity: a StatefulSet with a headless Service (clusterIP: None) whose name is the StatefulSet's serviceName; peers are <pod>.<service>.<namespace>.svc (the cluster domain is configurable, so never hard-code cluster.local). Peer discovery needs publishNotReadyAddresses: true on the headless Service.",
        "construct": "StatefulWebApp creates both, plus a normal client Service",
        "build": "",
        "lint": "StatefulSet whose serviceName has no headless Service in the same set of manifests",
    },
    "BP012": {
        "practice": "Data that must outlive the container lives in a volume; pick the volume by what must survive: nothing survives → no volume; container restarts → emptyDir; pod deletion, same node → hostPath; pod deletion and node change → PersistentVolumeClaim (volumeClaimTemplates in a StatefulSet); unchanging config → configMap; secrets → secret (tmpfs, never on disk). hostPath is forbidden by the Baseline Pod Security level, so it is for node agents (DaemonSets) only; data bound to a node belongs in a local PersistentVolume. A StatefulSet states with persistentVolumeClaimRetentionPolicy (GA in 1.32) whether its claims survive scale-down and deletion.",
        "construct": "a volume-choice API that takes the survival needs and returns the right volume",
        "build": "a choice that cannot meet the stated need is an error",
        "lint": "writable data dirs on the container filesystem are out of reach; lint flags hostPath for app data (warning), and two volumes mounted at one path of a container (error: the API server refuses it; warning for paths equal only once normalised, such as /tmp and /tmp/)",
    },
    "BP013": {
        "practice": "hostPath is a security risk: only when unavoidable, scoped to the exact file or directory, with a type, mounted readOnly.",
        "construct": "hostPath volumes are read-only and typed unless the user overrides both explicitly",
        "build": "writable hostPath without an explicit override is an error",
        "lint": "hostPath not mounted readOnly in every container that mounts it (init containers too; recursiveReadOnly where the target supports it), hostPath without type, hostPath of / or /var/run/docker.sock-like roots",
    },
    "BP014": {
        "practice": "The gitRepo volume is gone: disabled by default since 1.33 and impossible to enable from 1.36 (KEP-5040). Clone with an init container into an emptyDir instead.",
        "construct": "a helper that builds exactly that",
        "build": "gitRepo is refused",
        "lint": "gitRepo volumes (error)",
    },
    "BP015": {
        "practice": "Start order without coupling: init containers can hold a pod until its dependencies are reachable; keep the wait bounded and visible. A ClusterIP Service name resolves as soon as the Service exists, before any pod behind it is ready, so where the dependency's port is known, wait until it accepts a TCP connection; wait on DNS only otherwise. Take the namespace from the downward API, not from the service-account token (BP041 turns the token off). Prefer apps that tolerate missing dependencies, guarded by readiness probes.",
        "construct": "WorkerWithInit: one init container per dependency, a bounded loop with a clear log line, pinned small image",
        "build": "an unbounded wait is impossible to configure",
        "lint": "— (init-container images are BP001's; every container rule covers init containers)",
    },
    "BP016": {
        "practice": "Readiness probes on every container that serves traffic: a pod gets no requests until it is ready.",
        "construct": "required for serving components (HTTP, TCP, gRPC or exec); a TCP probe on the main port when the user gives none",
        "build": "a serving component without one is an error",
        "lint": "serving containers without readinessProbe",
    },
    "BP017": {
        "practice": "Crash loops back off (10 s doubling to 5 min, reset after 10 min of running); liveness probes must not restart healthy-but-busy apps: liveness differs from readiness, and slow starters get a startup probe.",
        "construct": "liveness optional and never identical to readiness; startup probe for declared slow starts",
        "build": "identical liveness and readiness is an error (the constructs are stricter than lint)",
        "lint": "same (warning)",
    },
    "BP020": {
        "practice": "postStart runs in parallel with the main process, keeps the container in Waiting/pod Pending until it ends, kills the container when it fails, and its output is invisible: log to a file or the termination log.",
        "construct": "supported (exec, httpGet); the docs say the above",
        "build": "",
        "lint": "info on postStart hooks",
    },
    "BP021": {
        "practice": "preStop runs before the stop signal; its failure does not stop termination, so it cannot be trusted for critical work.",
        "construct": "supported (exec, httpGet, sleep)",
        "build": "",
        "lint": "httpGet hooks or probes with a host field (forbidden by Baseline Pod Security from 1.34; warning)",
    },
    "BP027": {
        "practice": "The app itself must get the stop signal. The runtime sends the image's STOPSIGNAL (nginx's image uses SIGQUIT, its graceful stop), else SIGTERM, to PID 1 only; a sh -c wrapper as PID 1 does not pass it on, so the app is SIGKILLed at the end of the grace period. Use exec-form commands, or exec inside the script. lifecycle.stopSignal exists only from 1.33 (alpha).",
        "construct": "exec-form commands; generated scripts end in exec",
        "build": "",
        "lint": "sh -c/bash -c commands whose script does not exec the app (warning)",
    },
    "BP022": {
        "practice": "Let endpoints drain: a Service-backed pod keeps receiving requests after deletion starts, so delay the stop signal with a preStop pause: the native sleep action (on by default since 1.30, GA in 1.34), exec sleep only for older targets.",
        "construct": "on for every Service-backed component, a few seconds",
        "build": "",
        "lint": "Service-backed pods without a preStop delay (warning)",
    },
    "BP023": {
        "practice": "Shutdown order is: deletionTimestamp set → preStop → stop signal → SIGKILL when terminationGracePeriodSeconds (default 30) runs out. The grace period counts from the deletion, preStop included, so it must cover the preStop pause plus the app's own shutdown.",
        "construct": "grace period derived from the pause and a declared shutdown time",
        "build": "grace ≤ preStop pause is an error",
        "lint": "same (warning)",
    },
    "BP024": {
        "practice": "Termination messages: terminationMessagePath (default /dev/termination-log) and terminationMessagePolicy: FallbackToLogsOnError, so kubectl describe shows why a container died.",
        "construct": "on for every container, init containers included",
        "build": "",
        "lint": "containers without FallbackToLogsOnError (warning)",
    },
    "BP025": {
        "practice": "StatefulSet pods must not be force-deleted casually: a replacement with the same ordinal may start before the old one stops. Guard with a PodDisruptionBudget and ordered management; a PDB limits voluntary evictions (drains), it does not stop kubectl delete --force, and explain says so.",
        "construct": "PodDisruptionBudget for replicated stateful and web components",
        "build": "",
        "lint": "replicated StatefulSets without a PDB (info)",
    },
    "BP026": {
        "practice": "A distributed data store that scales down must move the departing pod's data: Kubernetes has no scale-down hook, so a CronJob finds the claims of ordinals at or above the current replica count, left behind by a scale-down, and migrates their data; a one-shot Job form serves a planned scale-down.",
        "construct": "a construct that builds it for StatefulWebApp, with the claims retained on scale-down",
        "build": "",
        "lint": "",
    },
    "BP030": {
        "practice": "Small images with just enough tooling to debug.",
        "construct": "",
        "build": "",
        "lint": "info for well-known heavyweight bases; images from the frozen k8s.gcr.io registry (warning)",
    },
    "BP031": {
        "practice": "Centralized logging: apps log to stdout/stderr; a node-level agent (Fluentd as a DaemonSet reading /var/log read-only) ships to Elasticsearch; Kibana shows it (EFK). Elasticsearch 8 and later turn on TLS and authentication by default, so credentials come from a Secret that the user names; node.store.allow_mmap: false avoids a privileged sysctl init container.",
        "construct": "a logging-stack construct",
        "build": "",
        "lint": "",
    },
    "BP040": {
        "practice": "Resource requests on every container, a memory limit.",
        "construct": "sensible defaults, overridable",
        "build": "negative or malformed quantities are an error",
        "lint": "missing requests/limits (warning)",
    },
    "BP041": {
        "practice": "Restricted pod security: runAsNonRoot, no privilege escalation, drop ALL capabilities, seccompProfile: RuntimeDefault, read-only root filesystem with writable paths as volumes; no service-account token unless needed. The defaults must give pods that actually start: runAsNonRoot needs an image whose USER is not root, or an explicit runAsUser, and the paths the app writes need volumes (nginx writes /var/cache/nginx and /var/run; nginxinc/nginx-unprivileged runs as a user on port 8080).",
        "construct": "on",
        "build": "loosening needs an explicit, named opt-out",
        "lint": "each control of the Pod Security Standards that the pod breaks, evaluated per level (baseline, restricted) as upstream defines them for the target version: host namespaces, privileged, added capabilities (only NET_BIND_SERVICE), hostPath, hostPort, AppArmor, SELinux, procMount, seccomp, sysctls, volume types, privilege escalation, non-root (error for baseline, warning for restricted); the advice is one the API server accepts",
    },
    "BP042": {
        "practice": "Network access is declared: each component gets a NetworkPolicy that admits only its declared ports, from its declared callers (the release by default). Traffic from anywhere is an explicit, named decision.",
        "construct": "on; callers come from calls= (and wait_for), computed when the whole app is known; exposure (Ingress, HTTPRoute, LoadBalancer) admits exactly its source",
        "build": "a caller naming an unknown component is an error; an ingress rule with no from is never emitted without a recorded opt-out; two Ingresses routing the same host and path are an error",
        "lint": "pods not selected by any NetworkPolicy (info); an ingress rule that admits every source without blueprint.dev/ignore (warning); two Ingress rules of one class routing the same host, path and path type (warning)",
    },
    "BP043": {
        "practice": "Every namespaced object names its namespace explicitly; nothing lands in default by accident.",
        "construct": "the Release's namespace, defaulting to the release name",
        "build": "",
        "lint": "namespaced objects without metadata.namespace (warning)",
    },
    "BP044": {
        "practice": "No secret values in manifests: what synth writes is committed, reviewed and copied into CI logs, so a password in it is a password in git. Secret objects carry no data or stringData; credentials come from Secrets that exist in the cluster (secretKeyRef, envFrom, secret volumes), created by an external secrets operator (ExternalSecret) or as SealedSecrets. Literal env values and configuration entries that look like credentials are refused unless the user records why they are not one. Messages never show a secret value.",
        "construct": "env takes SecretKeyRef/SecretRef; Volume.secret mounts a Secret; no construct writes a Secret with values",
        "build": "a Secret with data or stringData, from any chart or escape hatch, is an error that no annotation suppresses; literal env values and ConfigFiles entries named like credentials (DB_PASSWORD, API_KEY, tls.key), or holding a private key, a password assignment or a URL with a password, are an error unless opted out with a reason (env_not_secret=, not_secret=)",
        "lint": "Secrets with data or stringData (error); literal env values and ConfigMap entries that look like credentials (warning)",
    },
}

"""``blueprint explain``: each practice with its reasons, what is built, what is checked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from blueprints.errors import ConfigError, Problem
from blueprints.practices import PRACTICES, text

if TYPE_CHECKING:
    import jinja2

__all__ = ["PAIRS", "catalogue_markdown", "explain_all", "explain_one"]

# A minimal bad and good fragment per practice that lint checks (container or object level).
PAIRS: dict[str, tuple[str, str]] = {
    "BP001": ("image: redis:alpine   # a moving tag, like :latest", "image: redis:7.4.1-alpine"),
    "BP002": ("image: nginx:1.27.3\nimagePullPolicy: Always",
              "image: nginx:1.27.3\nimagePullPolicy: IfNotPresent"),
    "BP003": ("labels:\n  app: web", "labels:\n  app.kubernetes.io/name: web\n"
              "  app.kubernetes.io/instance: shop\n  app.kubernetes.io/version: 1.27.3\n"
              "  app.kubernetes.io/component: web\n  app.kubernetes.io/part-of: shop\n"
              "  app.kubernetes.io/managed-by: blueprint"),
    "BP004": ("selector:\n  matchLabels:\n    app.kubernetes.io/name: web\n"
              "    app.kubernetes.io/version: 1.27.3",
              "selector:\n  matchLabels:\n    app.kubernetes.io/name: web\n"
              "    app.kubernetes.io/instance: shop"),
    "BP005": ("metadata:\n  name: web", "metadata:\n  name: web\n  annotations:\n"
              "    blueprint.dev/owner: team-shop"),
    "BP006": ("kind: Service\nmetadata:\n  name: 1-web", "kind: Service\nmetadata:\n  name: web"),
    "BP007": ("apiVersion: extensions/v1beta1\nkind: Ingress",
              "apiVersion: networking.k8s.io/v1\nkind: Ingress"),
    "BP010": ("env:\n  - name: DB_HOST\n    value: 10.0.0.7",
              "env:\n  - name: DB_HOST\n    value: mydb.shop.svc"),
    "BP011": ("kind: StatefulSet\nspec:\n  serviceName: db   # no such headless Service",
              "kind: Service\nmetadata: {name: db}\nspec: {clusterIP: None, "
              "publishNotReadyAddresses: true}"),
    "BP012": ("volumes:\n  - name: data\n    hostPath: {path: /srv/data}",
              "volumeClaimTemplates:\n  - metadata: {name: data}\n"
              "    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}"),
    "BP013": ("hostPath: {path: /var/log}\n# mounted without readOnly",
              "hostPath: {path: /var/log, type: Directory}\n# volumeMounts: readOnly: true"),
    "BP014": ("volumes:\n  - name: src\n    gitRepo: {repository: https://example.com/r.git}",
              "initContainers:\n  - name: clone\n    image: alpine/git:2.45.2\n"
              "    args: [clone, https://example.com/r.git, /src]\n"
              "volumes:\n  - name: src\n    emptyDir: {}"),
    "BP016": ("ports: [{containerPort: 8080}]\n# no readinessProbe",
              "ports: [{containerPort: 8080}]\nreadinessProbe:\n  tcpSocket: {port: 8080}"),
    "BP017": ("readinessProbe: {httpGet: {path: /ready, port: 8080}}\n"
              "livenessProbe: {httpGet: {path: /ready, port: 8080}}",
              "readinessProbe: {httpGet: {path: /ready, port: 8080}}\n"
              "livenessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 20}"),
    "BP020": ("lifecycle:\n  postStart: {exec: {command: [sh, -c, ./warm-cache]}}",
              "initContainers:\n  - name: warm-cache\n    command: [./warm-cache]"),
    "BP021": ("readinessProbe: {httpGet: {host: example.com, path: /, port: 80}}",
              "readinessProbe: {httpGet: {path: /, port: 80}}"),
    "BP022": ("# a Service-backed container without lifecycle.preStop",
              "lifecycle:\n  preStop: {sleep: {seconds: 5}}"),
    "BP023": ("terminationGracePeriodSeconds: 5\n# preStop sleeps 10 s",
              "terminationGracePeriodSeconds: 30\n# preStop sleeps 5 s, the app stops in 20 s"),
    "BP024": ("terminationMessagePolicy: File",
              "terminationMessagePolicy: FallbackToLogsOnError"),
    "BP025": ("kind: StatefulSet\nspec: {replicas: 3}\n# no PodDisruptionBudget",
              "kind: PodDisruptionBudget\nspec:\n  maxUnavailable: 1\n  selector: {matchLabels: "
              "{app.kubernetes.io/name: db}}"),
    "BP027": ("command: [sh, -c, './setup && ./server']",
              "command: [sh, -c, './setup && exec ./server']"),
    "BP030": ("image: k8s.gcr.io/pause:3.9", "image: registry.k8s.io/pause:3.9"),
    "BP040": ("resources: {}", "resources:\n  requests: {cpu: 100m, memory: 128Mi}\n"
              "  limits: {memory: 128Mi}"),
    "BP041": ("securityContext: {}", "securityContext:\n  runAsNonRoot: true\n"
              "  allowPrivilegeEscalation: false\n  readOnlyRootFilesystem: true\n"
              "  capabilities: {drop: [ALL]}\n  seccompProfile: {type: RuntimeDefault}"),
    "BP042": ("kind: NetworkPolicy\nspec:\n  podSelector: {matchLabels: "
              "{app.kubernetes.io/name: web}}\n  ingress:\n    - ports: [{port: 8080}]"
              "   # no from: every source",
              "kind: NetworkPolicy\nspec:\n  podSelector: {matchLabels: "
              "{app.kubernetes.io/name: web}}\n  policyTypes: [Ingress]\n  ingress:\n"
              "    - from: [{podSelector: {matchLabels: {app.kubernetes.io/name: shop-api}}}]\n"
              "      ports: [{port: 8080, protocol: TCP}]"),
    "BP043": ("metadata:\n  name: web", "metadata:\n  name: web\n  namespace: shop"),
    "BP044": ("kind: Secret\nstringData:\n  password: hunter2",
              "env:\n  - name: DB_PASSWORD\n    valueFrom:\n"
              "      secretKeyRef: {name: db, key: password}"),
}


def explain_one(practice_id: str) -> str:
    """The full explanation of one practice.

    Raises:
        ConfigError: No such practice.
    """
    key = practice_id.strip().upper()
    if key not in PRACTICES:
        raise ConfigError(Problem("explain", "PRACTICE", practice_id, "no such practice",
                                  "run blueprint explain for the list"))
    pair = PAIRS.get(key)
    return _template().render(p=PRACTICES[key], text=text(key),
                              pair={"bad": pair[0], "good": pair[1]} if pair else None)


def explain_all() -> str:
    """One line per practice: ID, lint severity and title."""
    lines = [f"{p.id}  {p.lint.value:<7}  {p.title}" for p in PRACTICES.values()]
    return "\n".join(lines) + "\n\nblueprint explain <ID> tells more.\n"


def catalogue_markdown() -> str:
    """The whole catalogue as Markdown: ``docs/practices.md`` is this, committed.

    Regenerate with ``python -m blueprints.explain > docs/practices.md``; a test keeps the two
    equal.
    """
    lines = [
        "# The practices", "",
        "<!-- Generated by `python -m blueprints.explain > docs/practices.md` from "
        "blueprints/_catalogue.py: do not edit. -->", "",
        "Each practice has an ID. The constructs apply it, `blueprint synth` refuses a violation "
        "at its build", "severity, and `blueprint lint` finds it in any manifest at its lint "
        "severity. *error*: refused,", "non-zero exit, nothing written; *warning*: allowed and "
        "reported; *info*: advice only.", "",
        "`blueprint explain <ID>` prints the same text in a terminal.", "",
        "| ID | Practice | Synth | Lint |", "|---|---|---|---|",
        *(f"| [{p.id}](#{p.id.lower()}) | {p.title} | {p.build.value} | {p.lint.value} |"
          for p in PRACTICES.values()),
    ]
    for p in PRACTICES.values():
        entry = text(p.id)
        lines += ["", f"## {p.id}", "", f"**{p.title}**", "", entry["practice"], "",
                  f"- Constructs: {entry['construct'] or 'nothing to build'}",
                  f"- Synth: {entry['build'] or 'nothing to refuse'} (build severity: "
                  f"{p.build.value})",
                  f"- Lint finds: {entry['lint'] or 'nothing: the practice is about building'}"
                  f" (severity: {p.lint.value})"]
        pair = PAIRS.get(p.id)
        if pair:
            lines += ["", "Bad:", "", "```yaml", pair[0], "```", "", "Good:", "", "```yaml",
                      pair[1], "```"]
        lines += ["", f'Suppress on one object, with a reason: `blueprint.dev/ignore: "{p.id}: '
                      '<why>"`']
    return "\n".join(lines) + "\n"


def _template() -> jinja2.Template:
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("blueprints.templates", "."),
                             keep_trailing_newline=True, autoescape=False)
    return env.get_template("explain.txt.j2")


if __name__ == "__main__":
    import sys

    sys.stdout.write(catalogue_markdown())

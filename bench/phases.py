"""blueprint's pure-Python share of a synth, by phase, without Node or process start-up.

For N web apps it times, in this process: building and rendering the components (the core),
the rule registry over every object (build mode, as ``blueprint synth`` runs it) and the YAML
writer. Each phase is repeated; the minimum is the least disturbed by a shared machine, the
median is printed too.

Usage (in the environment that has blueprint installed):

    python bench/phases.py [--n 100 1000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench import IMAGE
from blueprints.core.release import make_release_context, resolve_clients
from blueprints.core.web_app import WebAppCore, WebAppProps
from blueprints.kube import DEFAULT
from blueprints.release.writer import dump_documents
from blueprints.rules import raise_errors


def one_round(n: int) -> tuple[float, float, float]:
    start = time.perf_counter()
    release = make_release_context("bench", version="1.0.0", part_of=None, namespace=None,
                                   annotations=None, kube_version=DEFAULT)
    cores = {f"app{i}": WebAppCore(f"app{i}", WebAppProps(image=IMAGE, replicas=2), release)
             for i in range(n)}
    resolve_clients(cores)
    manifests = [m for core in cores.values() for m in core.render()]
    rendered = time.perf_counter()
    raise_errors(manifests, DEFAULT, info=False)  # as synth runs it
    checked = time.perf_counter()
    dump_documents(manifests)
    written = time.perf_counter()
    return rendered - start, checked - rendered, written - checked


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, nargs="*", default=[100, 1000])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    print(f"{'N':>5} {'phase':<8} {'min ms':>8} {'median ms':>10} {'us/app':>7}")
    for n in args.n:
        one_round(n)  # warm-up: regexes, caches
        rounds = [one_round(n) for _ in range(args.repeat)]
        for i, phase in enumerate(("core", "rules", "writer")):
            samples = [r[i] * 1000 for r in rounds]
            print(f"{n:>5} {phase:<8} {min(samples):>8.1f} {statistics.median(samples):>10.1f} "
                  f"{min(samples) * 1000 / n:>7.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

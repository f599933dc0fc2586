"""What Python's garbage collector costs ``blueprint synth``, and what the CLI's settings save.

``blueprint``'s entry point (``blueprints.cli:main``) raises the collector's threshold for its
one command and freezes the heap before the interpreter's teardown. This script runs
``blueprint synth`` of N web apps both ways, in fresh processes, interleaved, after one
discarded warm-up round:

- ``main()``: the console script as shipped;
- ``app()``: the same typer application with Python's default collector.

It prints, per way: median and minimum wall time, the median of the paired ratios, and from
one instrumented run each the number of collections, their time and the peak memory (so a
saving never hides a leak of cyclic garbage).

Usage (in the environment that has blueprint installed):

    python bench/gc_cost.py [--n 100] [--repeat 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import BLUEPRINT, IMAGE

ENTRIES = {
    "main() (CLI)": "from blueprints.cli import main; main()",
    "app() (defaults)": "from blueprints.cli.main import app; app()",
}

# Counts the collections of a run and reports them with the peak memory, on stderr.
PROBE = """\
import atexit, gc, resource, sys, time
_gc = [0, 0.0, 0.0]
def _cb(phase, info):
    if phase == "start":
        _gc[2] = time.perf_counter()
    else:
        _gc[0] += 1
        _gc[1] += time.perf_counter() - _gc[2]
gc.callbacks.append(_cb)
atexit.register(lambda: print(f"PROBE {_gc[0]} {_gc[1]:.4f} "
                f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", file=sys.stderr))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="blueprint-gc-") as folder:
        (Path(folder) / "blueprint.py").write_text(BLUEPRINT.format(n=args.n, image=IMAGE))
        synth = ["synth", folder, "-o", f"{folder}/dist"]
        times: dict[str, list[float]] = {name: [] for name in ENTRIES}
        for round_ in range(args.repeat + 1):
            for name, code in ENTRIES.items():
                start = time.perf_counter()
                subprocess.run([sys.executable, "-c", code, *synth], check=True,
                               capture_output=True)
                if round_:
                    times[name].append(time.perf_counter() - start)
        probes = {}
        for name, code in ENTRIES.items():
            done = subprocess.run([sys.executable, "-c", PROBE + code, *synth], check=True,
                                  capture_output=True, text=True)
            line = next(x for x in done.stderr.splitlines() if x.startswith("PROBE "))
            count, seconds, rss_kb = line.split()[1:]
            probes[name] = (int(count), float(seconds), int(rss_kb) // 1024)
    base = times["app() (defaults)"]
    print(f"blueprint synth, {args.n} web apps, {args.repeat} rounds")
    for name, samples in times.items():
        ratio = statistics.median(t / b for t, b in zip(samples, base, strict=True))
        count, seconds, rss = probes[name]
        print(f"{name:<17} median {statistics.median(samples):.3f} s  min {min(samples):.3f} s"
              f"  ratio {ratio:.3f}  collections {count} ({seconds * 1000:.0f} ms)"
              f"  peak {rss} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

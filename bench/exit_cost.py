"""What the interpreter's teardown costs ``blueprint synth``, and what freezing the heap saves.

``blueprint``'s entry point (``blueprints.cli.main:main``) calls ``gc.freeze()`` once the command
is done, so the garbage collections of the interpreter's teardown skip the objects of cdk8s's
bindings. This script times ``blueprint synth`` of N web apps both ways, in fresh processes,
interleaved, after one discarded warm-up round:

- ``main()``: the console script as shipped (freeze at exit);
- ``app()``: the same typer application called directly (no freeze).

Usage (in the environment that has blueprint installed):

    python bench/exit_cost.py [--n 100] [--repeat 15]
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
    "main() (freeze)": "from blueprints.cli.main import main; main()",
    "app() (no freeze)": "from blueprints.cli.main import app; app()",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="blueprint-exit-") as folder:
        (Path(folder) / "blueprint.py").write_text(BLUEPRINT.format(n=args.n, image=IMAGE))
        times: dict[str, list[float]] = {name: [] for name in ENTRIES}
        for round_ in range(args.repeat + 1):
            for name, code in ENTRIES.items():
                command = [sys.executable, "-c", code, "synth", folder, "-o", f"{folder}/dist"]
                start = time.perf_counter()
                subprocess.run(command, check=True, capture_output=True)
                if round_:
                    times[name].append(time.perf_counter() - start)
    base = times["app() (no freeze)"]
    print(f"blueprint synth, {args.n} web apps, {args.repeat} rounds")
    for name, samples in times.items():
        ratio = statistics.median(t / b for t, b in zip(samples, base, strict=True))
        print(f"{name:<18} median {statistics.median(samples):.3f} s  min {min(samples):.3f} s"
              f"  ratio {ratio:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

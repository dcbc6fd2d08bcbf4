"""Where a full step's time goes: wall-clock time per phase of ``MarketModel.step``.

    .venv/bin/python bench/phase_profile.py                 # 20k and 100k customers
    .venv/bin/python bench/phase_profile.py --sizes 20000 --steps 40

Same market as ``bench/step_speed.py`` (6 firms, 3 segments, every mechanism on). Each phase of
the model's ``phases`` (``sim.model.PHASES``) is wrapped with a wall-clock timer (the parallel passes run on both cores,
so CPU time would count them twice); the table lists them largest first with their share of the
step. Use it to find the next thing to speed up, then confirm with ``step_speed.py``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.step_speed import scenario  # noqa: E402
from sim.model import MarketModel  # noqa: E402


def profile(n: int, steps: int, warmup: int = 3) -> tuple[float, dict[str, float]]:
    """Mean wall-clock ms per step, and per phase of ``sim.model.PHASES``, after ``warmup``."""
    model = MarketModel(scenario(n))
    for _ in range(warmup):
        model.step()
    spent: dict[str, float] = defaultdict(float)

    def timed(fn, key):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[key] += time.perf_counter() - t
        return wrapper

    model.phases = tuple((name, timed(fn, name)) for name, fn in model.phases)
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
    total = (time.perf_counter() - start) / steps * 1e3
    return total, {k: v / steps * 1e3 for k, v in spent.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args(argv)
    for n in args.sizes:
        total, phases = profile(n, args.steps)
        print(f"\n{n:,} customers: {total:.2f} ms per step")
        for key, ms in sorted(phases.items(), key=lambda kv: -kv[1]):
            if ms >= 0.005:
                print(f"  {key:30s} {ms:8.3f} ms  {ms / total * 100:5.1f} %")
        print(f"  {'(step outside the phases)':30s} {total - sum(phases.values()):8.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Where a full step's time goes: CPU time per phase of ``MarketModel.step``.

    .venv/bin/python bench/phase_profile.py                 # 20k and 100k customers
    .venv/bin/python bench/phase_profile.py --sizes 20000 --steps 40
    VALUE_MATRIX_NUMBA=0 .venv/bin/python bench/phase_profile.py   # the numpy path

Same market as ``bench/step_speed.py`` (6 firms, 3 segments, every mechanism on). Each phase
function the step calls is wrapped with a timer (CPU time of this process, steadier than
wall-clock on a shared machine); the table lists them largest first with their share of the
step. Use it to find the next thing to speed up, then confirm with ``step_speed.py``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sim.model as model_module  # noqa: E402
from bench.step_speed import scenario  # noqa: E402
from sim.model import MarketModel  # noqa: E402

#: (module attribute of ``sim.model``, function) for every phase ``MarketModel.step`` calls.
PHASES = [
    ("lifecycle", "apply_events"), ("programmes", "run"), ("promises", "communicate"),
    ("perception", "perceive"), ("choice", "purchase"), ("targeting", "count_volume"),
    ("promises", "frame"), ("participation", "frame"), ("satisfaction", "experience"),
    ("participation", "settle"), ("promises", "settle"), ("complaints", "complain"),
    ("word_of_mouth", "talk"), ("fatigue", "contact"), ("relationships", "decay_opinions"),
    ("loyalty", "update"), ("ladder", "update"), ("learning", "update"), ("bonds", "update"),
    ("loyalty", "refresh"), ("expectations", "update"), ("customer_value", "update"),
    ("targeting", "care"), ("accounting", "account"),
]


def profile(n: int, steps: int, warmup: int = 3) -> tuple[float, dict[str, float]]:
    """Mean CPU ms per step, and per phase, over ``steps`` steps after ``warmup``."""
    model = MarketModel(scenario(n))
    for _ in range(warmup):
        model.step()
    spent: dict[str, float] = defaultdict(float)
    originals = []

    def timed(fn, key):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[key] += time.perf_counter() - t
        return wrapper

    for mod_name, fn_name in PHASES:
        mod = getattr(model_module, mod_name)
        originals.append((mod, fn_name, getattr(mod, fn_name)))
        setattr(mod, fn_name, timed(getattr(mod, fn_name), f"{mod_name}.{fn_name}"))
    model.recorder.record = timed(model.recorder.record, "recorder")
    model.firms_decide = timed(model.firms_decide, "firms decide")
    try:
        start = time.perf_counter()
        for _ in range(steps):
            model.step()
        total = (time.perf_counter() - start) / steps * 1e3
    finally:
        for mod, fn_name, fn in originals:
            setattr(mod, fn_name, fn)
    return total, {k: v / steps * 1e3 for k, v in spent.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args(argv)
    for n in args.sizes:
        total, phases = profile(n, args.steps)
        print(f"\n{n:,} customers: {total:.2f} ms CPU per step")
        for key, ms in sorted(phases.items(), key=lambda kv: -kv[1]):
            if ms >= 0.005:
                print(f"  {key:30s} {ms:8.3f} ms  {ms / total * 100:5.1f} %")
        print(f"  {'(step outside the phases)':30s} {total - sum(phases.values()):8.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

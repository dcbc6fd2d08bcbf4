"""Step speed of ``MarketModel`` against a naive per-agent Mesa model, and against a floor.

Run:  .venv/bin/python bench/step_speed.py [--sizes 20000 100000] [--repeats 7]
      .venv/bin/python bench/step_speed.py --scale [--threads 1 2]   (1,000,000 customers x 52 steps)
      .venv/bin/python bench/step_speed.py --parallel     (replicates on 1 vs 2 processes)

Every comparison runs in one process, implementations alternating, because timings on shared
machines drift 20-30 % between runs: read the ratios, not the absolute numbers.

The floor of a step is what no implementation can avoid: reading and writing the customer
state (bytes per customer / measured memory bandwidth) plus drawing its random numbers (draws
per customer, counted on a real step, × measured bulk cost of one draw of that kind; a standard
Gumbel variate of the choice noise costs a uniform and two logarithms, as in
shared/PERFORMANCE.md's floor "the 6N uniforms and 12N logs").
"""

from __future__ import annotations

import argparse
import copy
import gc
import hashlib
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.naive_mesa import FastNaiveMarket, NaiveMarket  # noqa: E402
from sim.model import MarketModel  # noqa: E402
from sim.scenario import validate_scenario  # noqa: E402
from sim.streams import ChunkStreams  # noqa: E402

MECHANISMS = ("expectations", "loyalty", "word_of_mouth", "complaints", "switching_costs",
              "learning", "contact_fatigue", "service_profit_chain")

BASE = {
    "name": "bench",
    "steps": 52,
    "seed": 1,
    "market": {
        "customers": 20000,
        "dimensions": ["quality", "service", "convenience"],
        "rationality": 8,
        "segments": [
            {"name": "value", "share": 0.5, "price_sensitivity": 1.5, "heterogeneity": 0.2,
             "weights": {"quality": 0.6, "service": 0.3, "convenience": 0.4}},
            {"name": "service", "share": 0.3, "price_sensitivity": 0.8, "heterogeneity": 0.2,
             "weights": {"quality": 0.4, "service": 0.9, "convenience": 0.2}},
            {"name": "bargain", "share": 0.2, "price_sensitivity": 2.5, "heterogeneity": 0.2,
             "weights": {"quality": 0.3, "service": 0.1, "convenience": 0.3}},
        ],
    },
    "firms": [
        {"name": n, "price": p, "attributes": {"quality": q, "service": s, "convenience": c}}
        for n, p, q, s, c in [
            ("Alpha", 10.0, 0.6, 0.5, 0.5), ("Beta", 9.0, 0.65, 0.55, 0.55),
            ("Gamma", 12.5, 0.8, 0.85, 0.5), ("Delta", 11.0, 0.55, 0.45, 0.5),
            ("Echo", 8.0, 0.4, 0.4, 0.6), ("Foxtrot", 13.0, 0.85, 0.7, 0.7),
        ]
    ],
}


def scenario(customers: int, mechanisms: bool = True, steps: int = 52, sampler: str = "gumbel"):
    """The benchmark market: 6 firms, 3 segments, every mechanism on (or every one off)."""
    data = copy.deepcopy(BASE)
    data["market"]["customers"] = customers
    data["market"]["choice_sampler"] = sampler
    data["steps"] = steps
    data["mechanisms"] = {m: mechanisms for m in MECHANISMS}
    return validate_scenario(data)


# -- timing ------------------------------------------------------------------------------------
def time_steps(model, steps: int) -> tuple[float, float]:
    """Mean wall-clock and CPU seconds per step over ``steps`` steps.

    CPU time (this process only) is the steadier figure on a shared machine: other
    processes stretch wall-clock time but not the CPU time the step itself needs.
    """
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        model.step()
    return (time.perf_counter() - t0) / steps, (time.process_time() - c0) / steps


def compare(n: int, repeats: int, naive_steps: int, fast_steps: int) -> dict[str, tuple]:
    """(wall, CPU) ms/step of naive, core (all off) and full (all on), alternating, medians."""
    models = {
        "naive Mesa (logit only)": NaiveMarket(scenario(n, False), seed=1),
        "naive Mesa, PUV precomputed": FastNaiveMarket(scenario(n, False), seed=1),
        "MarketModel core (all off)": MarketModel(scenario(n, False), seed=1),
        "MarketModel full (all on)": MarketModel(scenario(n, True), seed=1),
        "full, inverse-CDF sampler": MarketModel(scenario(n, True, sampler="inverse_cdf"), seed=1),
    }
    steps = {k: (naive_steps if k.startswith("naive") else fast_steps) for k in models}
    for model in models.values():  # warm-up: JIT compilation, caches, first-step set-up
        model.step()
    samples: dict[str, list[tuple[float, float]]] = {k: [] for k in models}
    for _ in range(repeats):
        for name, model in models.items():
            samples[name].append(time_steps(model, steps[name]))
    return {
        k: (1000 * statistics.median(w for w, _ in v), 1000 * statistics.median(c for _, c in v))
        for k, v in samples.items()
    }


# -- floor -------------------------------------------------------------------------------------
class CountingGenerator:
    """Wraps a ``numpy.random.Generator`` and counts the variates each method draws."""

    def __init__(self, rng, counts: dict[str, int] | None = None):
        self._rng = rng
        self.counts: dict[str, int] = {} if counts is None else counts

    def __getattr__(self, name):
        attr = getattr(self._rng, name)
        if not callable(attr) or name.startswith("_"):
            return attr

        def counted(*args, **kwargs):
            out = attr(*args, **kwargs)
            self.counts[name] = self.counts.get(name, 0) + int(np.size(out))
            return out

        return counted


#: numpy's PCG64 multiplier: a state moves to ``state × PCG64_MULT + inc`` (mod 2¹²⁸) per draw.
PCG64_MULT = 0x2360ED051FC65DA44385DF649FCCF645


def pcg64_draws(before: dict, after: dict) -> int:
    """64-bit draws a PCG64 made between two of its states (PCG's ``distance``, O(128))."""
    mask = (1 << 128) - 1
    cur, new = before["state"]["state"], after["state"]["state"]
    mult, inc, bit, distance = PCG64_MULT, before["state"]["inc"], 1, 0
    while cur != new:
        if (cur & bit) != (new & bit):
            cur = (cur * mult + inc) & mask
            distance |= bit
        bit <<= 1
        inc = ((mult + 1) * inc) & mask
        mult = (mult * mult) & mask
    return distance


def draws_per_step(n: int) -> dict[str, float]:
    """Random variates per customer in one full step, by kind (counted on real steps).

    Kinds are the generator's methods (``random``, ``standard_normal``, ...), except that the
    choice's standard Gumbel variates count as ``gumbel``: each is a uniform and two
    logarithms (``sim.mechanisms.choice.to_gumbel``), the cheapest known way to draw one.
    The parallel passes draw from the chunk streams (``sim.streams``) inside compiled code,
    where no wrapper sees them: their draws are counted from how far each stream's PCG64
    state moved; a standard normal per buyer (the experienced performance) is counted as such,
    the rest of the relationship streams' draws as uniforms.
    """
    from sim.mechanisms import choice

    model = MarketModel(scenario(n, True), seed=1)
    model.step()
    counts: dict[str, int] = {}
    for name, value in list(vars(model).items()):  # the model's generator and any it spawned
        if isinstance(value, np.random.Generator):
            setattr(model, name, CountingGenerator(value, counts))
    plain = choice.gumbel_noise

    def counted_gumbel(streams, shape):
        out = plain(streams, shape)
        counts["gumbel"] = counts.get("gumbel", 0) + out.size
        return out

    streams = {k: v for k, v in vars(model).items() if isinstance(v, ChunkStreams)}
    before = {k: v.state for k, v in streams.items()}
    choice.gumbel_noise = counted_gumbel
    normals = 0
    try:
        for _ in range(3):
            model.step()
            normals += len(model.experience.who)
    finally:
        choice.gumbel_noise = plain
    drawn = {k: sum(pcg64_draws(a, b) for a, b in zip(before[k], v.state, strict=True))
             for k, v in streams.items()}
    assert drawn["choice_streams"] == counts.get("gumbel", 0), "a choice draw was not counted"
    counts["standard_normal"] = normals  # ziggurat: one 64-bit draw each, but for rejections
    counts["random"] = counts.get("random", 0) + max(0, drawn["relationship_streams"] - normals)
    return {k: v / 3 / n for k, v in counts.items() if v}


def cost_per_draw(method: str, size: int = 2_000_000) -> float:
    """Seconds per variate of ``Generator.<method>`` drawn in bulk (best of 5).

    ``gumbel``: a standard Gumbel variate, a uniform and two logarithms (``choice.to_gumbel``),
    all on one thread: the floor counts what the draws cost, not how the step shares them out.
    """
    from sim.mechanisms import choice

    rng = np.random.default_rng(0)
    args = {"choice": (6,), "integers": (0, 6), "binomial": (10, 0.5), "poisson": (2.0,)}.get(method, ())
    if method == "gumbel":
        def fn(size):
            return choice.to_gumbel(rng.random(size))
    else:
        method_fn = getattr(rng, method)

        def fn(size):
            return method_fn(*args, size=size)
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        fn(size)
        best = min(best, time.perf_counter() - t0)
    return best / size


def memory_bandwidth(nbytes: int = 400_000_000) -> float:
    """Bytes per second of a large array copy (read + write counted)."""
    a = np.ones(nbytes // 8)
    b = np.empty_like(a)
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        np.copyto(b, a)
        best = min(best, time.perf_counter() - t0)
    return 2 * a.nbytes / best


def floor(n: int) -> tuple[float, dict]:
    """Floor estimate of one full step at ``n`` customers, in ms, and its parts."""
    model = MarketModel(scenario(n, True), seed=1)
    model.step()
    state = model.population.nbytes() / n
    # Every byte of customer state is read once and, at most, written once per step.
    bytes_per_customer = 2 * state
    bandwidth = memory_bandwidth()
    draws = draws_per_step(n)
    draw_s = sum(k * cost_per_draw(m) for m, k in draws.items())
    mem_s = bytes_per_customer / bandwidth
    parts = {
        "state bytes/customer": state, "bytes moved/customer": bytes_per_customer,
        "bandwidth GB/s": bandwidth / 1e9, "draws/customer": draws,
        "memory ms": 1000 * n * mem_s, "draws ms": 1000 * n * draw_s,
    }
    return 1000 * n * (mem_s + draw_s), parts


# -- scale and parallel ------------------------------------------------------------------------
def scale_run(n: int = 1_000_000, steps: int = 52) -> str:
    """One replicate of ``n`` customers × 6 firms × ``steps`` steps: time and peak memory."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0, c0 = time.perf_counter(), time.process_time()
    model = MarketModel(scenario(n, True, steps), seed=1)
    build, build_cpu = time.perf_counter() - t0, time.process_time() - c0
    model.run()
    total, total_cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    rows = len(model.firms_frame())
    run, run_cpu = total - build, total_cpu - build_cpu
    print(f"scale: {n:,} customers x 6 firms x {steps} steps, all mechanisms on")
    print(f"  wall: build {build:.1f} s, run {run:.1f} s ({1000 * run / steps:.0f} ms/step), "
          f"total {total:.1f} s")
    print(f"  CPU:  build {build_cpu:.1f} s, run {run_cpu:.1f} s ({1000 * run_cpu / steps:.0f} "
          f"ms/step), total {total_cpu:.1f} s")
    arrays = sorted(((k, v.nbytes / n) for k, v in vars(model.population).items()
                     if isinstance(v, np.ndarray) and v.nbytes >= n), key=lambda kv: -kv[1])
    print("  customer arrays, bytes/customer: " + ", ".join(f"{k} {b:.0f}" for k, b in arrays))
    net = sum(a.nbytes for a in getattr(model, "network", ()) if isinstance(a, np.ndarray))
    print(f"  social network {net / n:.0f} B/customer")
    print(f"  peak RSS {peak / 1024**2:.2f} GiB (process before model: {before / 1024**2:.2f} GiB);"
          f" population arrays {model.population.nbytes() / n:.0f} B/customer;"
          f" peak RSS {(peak - before) * 1024 / n:.0f} B/customer")
    print(f"  firms table: {rows} rows (does not grow with customers)")
    digest = hashlib.sha256(model.firms_frame().to_csv(index=False).encode()).hexdigest()[:16]
    print(f"  firms table sha256 {digest}")
    return digest


def parallel(n: int = 50000, replicates: int = 4, steps: int = 52) -> None:
    """Wall time of ``replicates`` replicates with 1 and 2 worker processes (and CPU used).

    With 2 workers the calling process runs replicates itself while one spawned worker pays
    its start-up (importing Mesa, pandas, numba and loading the compiled kernels: ~2 s), so
    the speed-up needs replicates that take longer than that.
    """
    from sim.runner import run_scenario

    spec = scenario(n, True, steps)
    times: dict[int, list[tuple[float, float]]] = {}
    for workers in (1, 2, 1, 2):
        usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
        t0 = time.perf_counter()
        run_scenario(spec, replicates=replicates, seed=1, workers=workers)
        wall = time.perf_counter() - t0
        after = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
        cpu = sum(a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime for a, b in zip(after, usage, strict=True))
        times.setdefault(workers, []).append((wall, cpu))
    (t1, c1), (t2, c2) = min(times[1]), min(times[2])
    print(f"parallel: {replicates} replicates x {n:,} customers x {steps} steps:"
          f" 1 worker {t1:.1f} s (CPU {c1:.1f} s), 2 workers {t2:.1f} s (CPU {c2:.1f} s),"
          f" speed-up {t1 / t2:.2f}x")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[20000, 100000])
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--scale", action="store_true", help="run the 1M-customer scale run only")
    p.add_argument("--parallel", action="store_true", help="run the parallel speed-up only")
    p.add_argument("--no-floor", action="store_true")
    p.add_argument("--threads", type=int, nargs="+", default=None,
                   help="with --scale: run once per thread count (results must be identical)")
    args = p.parse_args(argv)
    if args.scale:
        from sim import fast

        digests = {}
        for threads in args.threads or [fast.threads()]:
            fast.set_threads(threads)
            print(f"\n{fast.threads()} thread(s) for the compiled passes")
            digests[threads] = scale_run()
        if len(set(digests.values())) > 1:
            print("RESULTS DIFFER between thread counts:", digests)
            return 1
        return 0
    if args.parallel:
        parallel()
        parallel(100_000, 8)
        return 0
    for n in args.sizes:
        naive_steps = 3 if n <= 20000 else 1
        # 10 steps a sample at every size: at 100k, 4 steps (60 ms) were too short a sample on
        # this shared machine, where one slow moment moved a median of 5 by 30 %
        res = compare(n, args.repeats, naive_steps, fast_steps=10)
        base_wall, base_cpu = res["naive Mesa (logit only)"]
        fast_wall, fast_cpu = res["naive Mesa, PUV precomputed"]
        print(f"\n{n:,} customers, 6 firms (median of {args.repeats}, alternating; "
              "x naive / x faster naive)")
        print(f"  {'':<30}{'wall ms':>9}{'x naive':>9}{'x fast':>8}{'CPU ms':>9}{'x naive':>9}"
              f"{'x fast':>8}")
        for name, (wall, cpu) in res.items():
            print(f"  {name:<30}{wall:9.2f}{base_wall / wall:9.1f}{fast_wall / wall:8.1f}"
                  f"{cpu:9.2f}{base_cpu / cpu:9.1f}{fast_cpu / cpu:8.1f}")
        if not args.no_floor:
            fl, parts = floor(n)
            wall, cpu = res["MarketModel full (all on)"]
            print(f"  {'floor estimate':<30}{fl:9.2f}   full step = {wall / fl:.1f}x floor (wall), "
                  f"{cpu / fl:.1f}x (CPU)")
            draws = ", ".join(f"{m} {k:.2f}" for m, k in parts["draws/customer"].items())
            print(f"    state {parts['state bytes/customer']:.0f} B/customer, moved "
                  f"{parts['bytes moved/customer']:.0f} B at {parts['bandwidth GB/s']:.1f} GB/s "
                  f"= {parts['memory ms']:.2f} ms; draws/customer: {draws} = {parts['draws ms']:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A memory estimate of a run, checked before anything is allocated.

The customer arrays dominate. Measured peak memory added by a run (baseline-like scenarios,
every mechanism on, 200,000 customers) was about 700 bytes per customer plus 40 per firm:
the relationship mechanisms keep many per-customer arrays, and each firm adds columns
(perceived price and value, satisfaction, trust, value shifts, the choice kernel's
temporaries). The constants below are about 1.6 times that, on purpose: refusing a run that
would have fitted is a message, starting one that cannot fit is a machine swapping for an hour
before it is killed. ``tests/scenarios_cli/test_cli.py`` checks the estimate stays above a
measured run.
"""

from __future__ import annotations

import os

from sim.scenario.schema import Scenario

BYTES_PER_FIRM_COLUMN = 8 * 12
BYTES_PER_DIMENSION_COLUMN = 8 * 4
BYTES_PER_CUSTOMER = 1000
BYTES_PER_TABLE_ROW = 600
FALLBACK_LIMIT = 4 * 2**30


def memory_limit() -> int:
    """Bytes a run may use: ``VALUE_MATRIX_MEMORY_LIMIT`` (bytes) or 80% of physical memory."""
    env = os.environ.get("VALUE_MATRIX_MEMORY_LIMIT")
    if env:
        try:
            return int(float(env))
        except ValueError:
            pass
    try:
        return int(0.8 * os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return FALLBACK_LIMIT


def customer_bytes(customers: float, firms: int, dimensions: int) -> float:
    """Estimated bytes of one replicate's customer arrays."""
    per = BYTES_PER_FIRM_COLUMN * firms + BYTES_PER_DIMENSION_COLUMN * dimensions
    return float(customers) * (per + BYTES_PER_CUSTOMER)


def estimate_bytes(scenario: Scenario, replicates: int | None = None, workers: int = 1,
                   steps: int | None = None) -> float:
    """Estimated peak bytes of running ``scenario`` (replicates in parallel hold their arrays)."""
    replicates = scenario.replicates if replicates is None else replicates
    steps = scenario.steps if steps is None else steps
    firms = len(scenario.firms)
    concurrent = max(1, min(workers, replicates))
    arrays = concurrent * customer_bytes(scenario.market.customers, firms,
                                         len(scenario.market.dimensions))
    rows = replicates * steps * firms * (1 + len(scenario.market.segments))
    return arrays + rows * BYTES_PER_TABLE_ROW


def check_run_memory(scenario: Scenario, replicates: int | None = None, workers: int = 1,
                     steps: int | None = None, label: str = "<scenario>") -> float:
    """Refuse (``ScenarioError``) a run whose estimate exceeds the limit; returns the estimate."""
    from sim.scenario.loader import Problem, ScenarioError

    need, limit = estimate_bytes(scenario, replicates, workers, steps), memory_limit()
    if need > limit:
        raise ScenarioError([Problem(
            label, None, None, "market.customers",
            f"this run would need about {human_bytes(need)} of memory "
            f"({scenario.market.customers:,} customers x {len(scenario.firms)} firms, "
            f"{max(1, min(workers, replicates or scenario.replicates))} replicate(s) at once); "
            f"the limit on this machine is {human_bytes(limit)}. Use fewer customers or "
            "workers (set VALUE_MATRIX_MEMORY_LIMIT to change the limit)")])
    return need


def describe_customers_limit(customers: object) -> str:
    """Why a customer count is refused, with the memory it would need (for the schema bound)."""
    try:
        need = customer_bytes(float(customers), 4, 4)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return "it is a model of a market, not of its every atom"
    return (f"a run that size would need about {human_bytes(need)} of memory even with 4 firms; "
            f"the limit on this machine is {human_bytes(memory_limit())}")


def human_bytes(n: float) -> str:
    """1536 -> '1.5 KB' (binary units)."""
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB", "EB"):
        if abs(n) < 1024 or unit == "EB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} EB"  # pragma: no cover

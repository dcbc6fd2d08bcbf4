"""Data collection straight from the arrays: per-firm and per-segment aggregates each step.

Mesa's ``DataCollector`` with agent reporters costs 40–50 % of a step; these tables are built
from ``bincount`` reductions over the population instead and never grow with customers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim import fast, kernels
from sim.matrix import classify

# The contract's firms.csv columns come first, in this order; mechanisms may add more.
FIRM_COLUMNS = (
    "replicate", "step", "firm", "price", "pp", "puv", "clock_position", "share", "customers",
    "new_customers", "lost_customers", "satisfaction", "trust", "loyalty", "complaints",
    "profit", "revenue", "cash",
)
EXTRA_FIRM_COLUMNS = ("units", "unit_cost", "variable_cost", "fixed_cost", "marketing_spend", "aware")
SEGMENT_COLUMNS = (
    "replicate", "step", "segment", "firm", "customers", "buyers", "share", "satisfaction",
)


def _offer_means(pop, active: np.ndarray):
    """Mean PP and PUV of each firm over the customers who know it, and how many do."""
    if fast.enabled():
        return fast.masked_column_means(pop.pp, pop.puv, pop.aware, active)
    aware = pop.aware & active[None, :]
    pp = kernels.column_mean(pop.pp, aware)
    puv = kernels.column_mean(pop.puv, aware)
    return pp, puv, aware.sum(axis=0)


def _supplier_aggregates(model) -> dict[str, np.ndarray]:
    """Counts and sums over each customer's current supplier, per firm and segment × firm."""
    pop, nf, ns = model.population, model.n_firms, len(model.segment_names)
    if fast.enabled():
        return fast.supplier_aggregates(pop, nf, ns)
    has = pop.supplier >= 0
    rows = np.nonzero(has)[0]
    sup = pop.supplier[has]
    sat_vals = pop.satisfaction[rows, sup]
    key = pop.segment.astype(np.int64) * nf
    b = pop.bought
    ok = np.isfinite(sat_vals)
    k = key[has][ok] + sup[ok]
    return {
        "customers": kernels.count_by_firm(pop.supplier, nf),
        "sat_sum": kernels.count_by_firm(sup, nf, sat_vals),
        "trust_sum": kernels.count_by_firm(sup, nf, pop.trust[rows, sup]),
        "loyal_sum": kernels.count_by_firm(sup, nf, pop.loyalty[has]),
        "seg_customers": np.bincount(key[has] + sup, minlength=ns * nf).reshape(ns, nf),
        "seg_buyers": np.bincount(key[b] + pop.choice[b], minlength=ns * nf).reshape(ns, nf),
        "seg_sat_sum": np.bincount(k, weights=sat_vals[ok], minlength=ns * nf).reshape(ns, nf),
        "seg_sat_n": np.bincount(k, minlength=ns * nf).reshape(ns, nf),
    }


def _mean(sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """As ``kernels.mean_by_firm``: sum / count, NaN where the count is 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


class Recorder:
    """Accumulates one row per step × active firm and per step × segment × firm."""

    def __init__(self, replicate: int = 0):
        self.replicate = replicate
        self.firm_rows: list[dict] = []
        self.segment_rows: list[dict] = []

    def record(self, model) -> None:
        """Append this step's rows."""
        pop, nf, stats = model.population, model.n_firms, model.step_stats
        active = np.array([f.active for f in model.firms])
        units = stats["units"]
        total_units = units.sum()
        share = units / total_units if total_units > 0 else np.zeros(nf)
        pp, puv, aware_count = _offer_means(pop, active)
        labels = classify(np.where(active, pp, np.nan), np.where(active, puv, np.nan))
        agg = _supplier_aggregates(model)
        customers = agg["customers"]
        satisfaction = _mean(agg["sat_sum"], customers)
        trust = _mean(agg["trust_sum"], customers)
        loyalty = _mean(agg["loyal_sum"], customers)
        extra = model.extra_firm_columns()
        for f in np.nonzero(active)[0]:
            firm = model.firms[f]
            row = {
                "replicate": self.replicate, "step": model.steps, "firm": firm.name,
                "price": firm.price, "pp": pp[f], "puv": puv[f], "clock_position": labels[f],
                "share": share[f], "customers": int(customers[f]),
                "new_customers": int(stats["new_customers"][f]),
                "lost_customers": int(stats["lost_customers"][f]),
                "satisfaction": satisfaction[f], "trust": trust[f], "loyalty": loyalty[f],
                "complaints": int(stats["complaints"][f]), "profit": firm.profit,
                "revenue": firm.revenue, "cash": firm.cash, "units": int(units[f]),
                "unit_cost": firm.unit_cost(), "variable_cost": firm.variable_cost,
                "fixed_cost": firm.fixed_cost, "marketing_spend": firm.marketing_spend,
                "aware": int(aware_count[f]),
            }
            for name, values in extra.items():
                row[name] = values[f]
            self.firm_rows.append(row)
        self._record_segments(model, active, agg)

    def _record_segments(self, model, active: np.ndarray, agg: dict) -> None:
        customers, buyers = agg["seg_customers"], agg["seg_buyers"]
        sat_sum, sat_n = agg["seg_sat_sum"], agg["seg_sat_n"]
        seg_total = buyers.sum(axis=1)
        for s, seg in enumerate(model.segment_names):
            for f in np.nonzero(active)[0]:
                self.segment_rows.append({
                    "replicate": self.replicate, "step": model.steps, "segment": seg,
                    "firm": model.firms[f].name, "customers": int(customers[s, f]),
                    "buyers": int(buyers[s, f]),
                    "share": buyers[s, f] / seg_total[s] if seg_total[s] else 0.0,
                    "satisfaction": sat_sum[s, f] / sat_n[s, f] if sat_n[s, f] else np.nan,
                })

    def firms_frame(self) -> pd.DataFrame:
        """The firms table, contract columns first."""
        df = pd.DataFrame(self.firm_rows)
        if df.empty:
            return pd.DataFrame(columns=list(FIRM_COLUMNS))
        rest = [c for c in df.columns if c not in FIRM_COLUMNS]
        return df[list(FIRM_COLUMNS) + rest]

    def segments_frame(self) -> pd.DataFrame:
        """The segments table."""
        return pd.DataFrame(self.segment_rows, columns=list(SEGMENT_COLUMNS))

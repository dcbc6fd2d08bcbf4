"""Data collection straight from the arrays: per-firm and per-segment aggregates each step.

Mesa's ``DataCollector`` with agent reporters costs 40–50 % of a step; these tables are built
from per-firm reductions over the population instead and never grow with customers. Every
customer-level sum the recorder needs is taken in one parallel compiled pass
(:func:`_step_sums`), chunk by fixed chunk of ``fast.CHUNK`` customers, the chunks added in
order, so the sums do not depend on the number of threads.
"""

from __future__ import annotations

import numba
import numpy as np
import pandas as pd

from sim import fast
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


# Rows of the per-firm means ``_aggregates`` returns.
MEANS = ("pp", "puv", "satisfaction", "trust", "loyalty")


def _aggregates(model, active: np.ndarray) -> dict[str, np.ndarray]:
    """The per-firm and per-segment figures of this step, from the customer arrays.

    Returns:
        ``means``: (5, F) the rows of :data:`MEANS`: mean PP and PUV over the customers who
        knew the firm when they perceived the offers this step (``model.perceived``, summed by
        ``sim.mechanisms.perception``), mean satisfaction, trust and loyalty of its current customers (NaN where
        there are none); ``aware`` and ``customers``: (F,) those counts; ``seg_customers``,
        ``seg_buyers``: (S, F) customers and this step's buyers per segment and firm;
        ``seg_satisfaction``: (S, F) their mean finite satisfaction (NaN where none).
    """
    pop = model.population
    nf, ns = model.n_firms, len(model.segment_names)
    sums, counts = np.zeros((3, nf)), np.zeros((2, nf), dtype=np.int64)
    seg_sums, seg_counts = np.zeros((ns, nf)), np.zeros((3, ns, nf), dtype=np.int64)
    _step_sums(pop.aware, active, pop.supplier, pop.segment, pop.bought, pop.choice,
               pop.satisfaction, pop.trust, pop.loyalty, fast.CHUNK, sums, counts, seg_sums,
               seg_counts)
    perceived, knew = model.perceived
    return {
        "means": np.concatenate([_mean(perceived, knew[None, :].repeat(2, axis=0)),
                                 _mean(sums, counts[[1, 1, 1]])]),
        "aware": counts[0],
        "customers": counts[1], "seg_customers": seg_counts[0],
        "seg_buyers": seg_counts[1], "seg_satisfaction": _mean(seg_sums, seg_counts[2]),
    }


@fast.pjit
def _step_sums(aware, active, supplier, segment, bought, choice, satisfaction, trust, loyalty,
               chunk, sums, counts, seg_sums, seg_counts):
    """Every customer-level sum of :func:`_aggregates` in one parallel pass.

    Fills ``sums`` (3, F) with the sums of satisfaction (a NaN makes the firm's mean NaN),
    trust and loyalty over the firm's customers; ``counts`` (2, F) with the customers who know
    the firm (on the market) and its customers; ``seg_sums`` (S, F) with the sum of finite satisfaction and ``seg_counts``
    (3, S, F) with the customers, this step's buyers (by their choice) and the count of finite
    satisfaction per segment × firm. Customers are summed per chunk of ``chunk``
    (``fast.CHUNK``) in parallel, then the chunks in order: the same bits whatever the number
    of threads.
    """
    n, nf = aware.shape
    ns = seg_sums.shape[0]
    k = max(1, (n + chunk - 1) // chunk)
    # Sums build up in fresh local arrays: the compiler then knows that adding to them changes
    # no input, and need not re-read the inputs after every addition (10–20 % faster).
    acc = np.zeros((k, nf, 3))
    cnt = np.zeros((k, nf, 2), dtype=np.int64)
    seg_acc = np.zeros((k, ns, nf))
    seg_cnt = np.zeros((k, ns, nf, 3), dtype=np.int64)
    on = active.copy()
    for c in numba.prange(k):
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            for f in range(nf):
                cnt[c, f, 0] += aware[i, f] and on[f]
            s = segment[i]
            f = supplier[i]
            if f >= 0 and f < nf:
                cnt[c, f, 1] += 1
                sat = satisfaction[i, f]
                acc[c, f, 0] += sat
                acc[c, f, 1] += trust[i, f]
                acc[c, f, 2] += loyalty[i]
                seg_cnt[c, s, f, 0] += 1
                if np.isfinite(sat):
                    seg_acc[c, s, f] += sat
                    seg_cnt[c, s, f, 2] += 1
            if bought[i]:
                ch = choice[i]
                if ch >= 0 and ch < nf:
                    seg_cnt[c, s, ch, 1] += 1
    for c in range(k):
        for f in range(nf):
            for j in range(3):
                sums[j, f] += acc[c, f, j]
            for j in range(2):
                counts[j, f] += cnt[c, f, j]
            for s in range(ns):
                seg_sums[s, f] += seg_acc[c, s, f]
                for j in range(3):
                    seg_counts[j, s, f] += seg_cnt[c, s, f, j]


def _mean(sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Each sum over its count, NaN where the count is 0 (no division by 0: no ``errstate``)."""
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


# Values of these dtypes become plain Python values in the rows (same table); others stay
# numpy scalars, as ``values[f]`` gives them.
_PLAIN = frozenset(np.dtype(t) for t in (np.float64, np.int64, np.bool_, object))


def _values(values, idx: np.ndarray | None) -> list:
    """``values[f]`` for the firms ``idx`` (all firms if None), as a list."""
    picked = np.asarray(values)
    if idx is not None:
        picked = picked[idx]
    return picked.tolist() if picked.dtype in _PLAIN else list(picked)


class Recorder:
    """Accumulates one row per step × active firm and per step × segment × firm.

    Attributes:
        firm_rows: one dict per step × active firm (column → value), contract columns first.
        segment_rows: one dict per step × segment × active firm.
        public_pp: (F,) each firm's mean perceived price at the last step it was on the market
            (NaN before); ``public_puv`` the same for the perceived use value. Strategies see
            them next step (``MarketModel.market_view``).
    """

    def __init__(self, replicate: int = 0):
        self.replicate = replicate
        self.firm_rows: list[dict] = []
        self.segment_rows: list[dict] = []
        self.public_pp: np.ndarray | None = None
        self.public_puv: np.ndarray | None = None

    def record(self, model) -> None:
        """Append this step's rows."""
        active = model.active_mask()
        idx = np.flatnonzero(active)
        agg = _aggregates(model, active)
        self._remember_offers(agg["means"][0], agg["means"][1], idx)
        columns = self._firm_columns(model, active, idx, agg)
        names = list(columns)
        self.firm_rows.extend(dict(zip(names, row, strict=True))
                              for row in zip(*columns.values(), strict=True))
        self._record_segments(model, idx, columns["firm"], agg)

    def _firm_columns(self, model, active: np.ndarray, idx: np.ndarray,
                      agg: dict) -> dict[str, list]:
        """Column → values of the firms on the market (``idx``), in the table's order."""
        nf, stats, units = model.n_firms, model.step_stats, model.step_stats["units"]
        total_units = units.sum()
        share = units / total_units if total_units > 0 else np.zeros(nf)
        pp, puv, satisfaction, trust, loyalty = agg["means"]
        labels = classify(np.where(active, pp, np.nan), np.where(active, puv, np.nan))
        on_market = [model.firms[f] for f in idx.tolist()]
        k = len(on_market)
        pick = None if k == nf else idx  # every firm on the market: no gathers

        def values(per_firm: np.ndarray) -> list:
            return (per_firm if pick is None else per_firm[pick]).tolist()

        def counts(per_firm: np.ndarray) -> list[int]:  # int(count): truncated toward zero
            return values(per_firm.astype(np.int64))

        columns = {
            "replicate": [self.replicate] * k, "step": [model.steps] * k,
            "firm": [firm.name for firm in on_market],
            "price": [firm.price for firm in on_market],
            "pp": values(pp), "puv": values(puv),
            "clock_position": [labels[f] for f in idx.tolist()],
            "share": values(share), "customers": values(agg["customers"]),
            "new_customers": counts(stats["new_customers"]),
            "lost_customers": counts(stats["lost_customers"]),
            "satisfaction": values(satisfaction), "trust": values(trust),
            "loyalty": values(loyalty), "complaints": counts(stats["complaints"]),
            "profit": [firm.profit for firm in on_market],
            "revenue": [firm.revenue for firm in on_market],
            "cash": [firm.cash for firm in on_market],
            "units": counts(units),
            "unit_cost": [firm.unit_cost() for firm in on_market],
            "variable_cost": [firm.variable_cost for firm in on_market],
            "fixed_cost": [firm.fixed_cost for firm in on_market],
            "marketing_spend": [firm.marketing_spend for firm in on_market],
            "aware": values(agg["aware"]),
        }
        for name, per_firm in model.extra_firm_columns().items():
            columns[name] = _values(per_firm, pick)
        return columns

    def _remember_offers(self, pp: np.ndarray, puv: np.ndarray, idx: np.ndarray) -> None:
        if self.public_pp is None:
            self.public_pp = np.full(len(pp), np.nan)
            self.public_puv = np.full(len(pp), np.nan)
        self.public_pp[idx] = pp[idx]
        self.public_puv[idx] = puv[idx]

    def _record_segments(self, model, idx: np.ndarray, names: list[str], agg: dict) -> None:
        buyers = agg["seg_buyers"]
        seg_total = buyers.sum(axis=1, keepdims=True)
        share = buyers / np.where(seg_total > 0, seg_total, 1)  # 0 where nobody bought
        tables = (agg["seg_customers"], buyers, share, agg["seg_satisfaction"])
        if len(idx) < buyers.shape[1]:
            tables = tuple(a[:, idx] for a in tables)
        rep, step, rows = self.replicate, model.steps, self.segment_rows
        for seg, customers, bought, shares, satisfaction in zip(
            model.segment_names, *(a.tolist() for a in tables), strict=True
        ):
            for name, c, b, sh, sat in zip(names, customers, bought, shares, satisfaction,
                                           strict=True):
                rows.append({"replicate": rep, "step": step, "segment": seg, "firm": name,
                             "customers": c, "buyers": b, "share": sh, "satisfaction": sat})

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

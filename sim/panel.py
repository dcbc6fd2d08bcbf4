"""The consumer panel: every purchase of a sample of customers, and Ehrenberg's brand tables.

``cvm run SCENARIO --panel N`` (or the scenario key ``outputs.panel: N``) samples N customers
once at the start of each replicate and records each of their purchases; the run folder gets
``panel.parquet`` with one row per purchase (:data:`PANEL_COLUMNS`). The sample is drawn from
its own child stream of the replicate's seed (:func:`panel_rng`), so switching the panel on
changes no other output, and it is the same whatever the number of workers.

Recording is a gather of the N sampled rows of the population arrays per step (no loop over
customers). From the table, :func:`brand_performance` and :func:`duplication` give the
brand-performance and duplication-of-purchase tables of consumer-panel research (Ehrenberg,
Goodhardt & Barwise; ``cvm panel-stats DIR``; docs/outputs.md says how to read them).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

#: The columns of panel.parquet, in this order.
PANEL_COLUMNS = ("replicate", "step", "customer", "segment", "firm", "units", "price_paid",
                 "satisfaction", "switched")

#: Last word of the panel stream's spawn key ("panel" in ASCII): a child no model code spawns.
_PANEL_KEY = 0x70616E656C


def panel_rng(seq: np.random.SeedSequence) -> np.random.Generator:
    """The panel's own generator: a child of the replicate's seed that nothing else uses.

    Built from the seed's entropy and spawn key (``seq`` itself is not spawned from, so the
    model's streams are untouched).
    """
    child = np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, _PANEL_KEY),
                                   pool_size=seq.pool_size)
    return np.random.default_rng(child)


class PanelRecorder:
    """Records each purchase of ``size`` customers sampled once (without replacement).

    ``switched`` compares the firm bought with the firm of the customer's previous purchase;
    before their first recorded purchase that is their supplier when the run started (none:
    not a switch).
    """

    def __init__(self, model, seq: np.random.SeedSequence, size: int, replicate: int = 0):
        pop = model.population
        n = min(int(size), pop.n)
        self.replicate = replicate
        self.customers = np.sort(panel_rng(seq).choice(pop.n, size=n, replace=False))
        self.last = pop.supplier[self.customers].astype(np.int64)
        self.firm_names = np.array([f.name for f in model.firms], dtype=object)
        self.segment_names = np.array(model.segment_names, dtype=object)
        self.chunks: list[tuple] = []

    def record(self, model) -> None:
        """Append this step's purchases of the panel customers."""
        pop = model.population
        idx = self.customers
        bought = pop.bought[idx]
        if not bought.any():
            return
        who = idx[bought]
        firm = pop.choice[who].astype(np.int64)
        units = np.ones(len(who)) if pop.volume is None else pop.volume[who].astype(float)
        price = model.prices()[firm]
        satisfaction = pop.satisfaction[who, firm]
        last = self.last[bought]
        switched = (last >= 0) & (last != firm)
        self.last[bought] = firm
        self.chunks.append((model.steps, who.astype(np.int64), pop.segment[who].astype(np.int64),
                            firm, units, price, satisfaction, switched))

    def frame(self) -> pd.DataFrame:
        """The panel table (:data:`PANEL_COLUMNS`), in step then customer order."""
        if not self.chunks:
            return empty_panel()
        steps, who, seg, firm, units, price, sat, switched = zip(*self.chunks, strict=True)
        who = np.concatenate(who)
        return pd.DataFrame({
            "replicate": np.full(len(who), self.replicate, dtype=np.int64),
            "step": np.repeat(np.array(steps, dtype=np.int64), [len(w) for w in firm]),
            "customer": who,
            "segment": self.segment_names[np.concatenate(seg)],
            "firm": self.firm_names[np.concatenate(firm)],
            "units": np.concatenate(units),
            "price_paid": np.concatenate(price),
            "satisfaction": np.concatenate(sat),
            "switched": np.concatenate(switched),
        })


def empty_panel() -> pd.DataFrame:
    """A panel table with no rows, with the columns' types."""
    return pd.DataFrame({
        "replicate": pd.Series(dtype="int64"), "step": pd.Series(dtype="int64"),
        "customer": pd.Series(dtype="int64"), "segment": pd.Series(dtype=object),
        "firm": pd.Series(dtype=object), "units": pd.Series(dtype=float),
        "price_paid": pd.Series(dtype=float), "satisfaction": pd.Series(dtype=float),
        "switched": pd.Series(dtype=bool),
    })


# -- the tables --------------------------------------------------------------------------------
class PanelError(ValueError):
    """A panel table that cannot be analysed (missing columns, empty window)."""


def read_panel(run_dir: str | Path) -> pd.DataFrame:
    """``panel.parquet`` of a run folder.

    Raises:
        FileNotFoundError: the folder has no panel.parquet (run with ``--panel N``).
    """
    path = Path(run_dir) / "panel.parquet"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: run the scenario with --panel N (or the "
                                "scenario key outputs.panel) to record a consumer panel")
    return pd.read_parquet(path)


def window(panel: pd.DataFrame, from_step: int | None = None, to_step: int | None = None,
           replicate: int | None = None) -> pd.DataFrame:
    """The purchases with ``from_step <= step <= to_step`` (inclusive), of one replicate or all."""
    missing = [c for c in ("replicate", "step", "customer", "firm", "units") if c not in panel]
    if missing:
        raise PanelError(f"the panel table lacks the column(s) {', '.join(missing)}")
    keep = np.ones(len(panel), dtype=bool)
    if from_step is not None:
        keep &= panel["step"].to_numpy() >= from_step
    if to_step is not None:
        keep &= panel["step"].to_numpy() <= to_step
    if replicate is not None:
        keep &= panel["replicate"].to_numpy() == replicate
    return panel[keep]


def _buyer_key(panel: pd.DataFrame) -> pd.Series:
    # a panel customer is (replicate, customer): replicates sample different people
    return panel["replicate"].astype(str) + ":" + panel["customer"].astype(str)


def brand_performance(panel: pd.DataFrame, by: str = "purchases",
                      panel_size: int | None = None) -> pd.DataFrame:
    """Ehrenberg's brand-performance table, one row per firm (largest share first).

    Over the purchases in ``panel`` (one window; a panel customer is a replicate × customer):

    - ``share``: the firm's share of all purchases (``by="purchases"``) or units (``"units"``);
    - ``penetration``: share of panel customers who bought the firm at least once;
    - ``purchases_per_buyer``: the firm's purchases (or units) per buyer of the firm;
    - ``scr``: share of category requirements — the firm's purchases over all category
      purchases of the firm's buyers;
    - ``sole_buyers``: % of the firm's buyers who bought no other firm;
    - ``repeat_rate``: of the firm's buyers in the first half of the window's steps, the share
      who bought it again in the second half (steps ≤ the midpoint vs after; see
      :func:`halves`), NaN if it had no buyers in the first half.

    ``panel_size`` is the number of panel customers (default: those with a purchase in
    ``panel``; pass N × replicates to count panel members who bought nothing).
    """
    if by not in ("purchases", "units"):
        raise PanelError(f"by must be 'purchases' or 'units', got {by!r}")
    columns = ["firm", "share", "penetration", "purchases_per_buyer", "scr", "sole_buyers",
               "repeat_rate", "buyers"]
    if panel.empty:
        return pd.DataFrame(columns=columns)
    df = pd.DataFrame({"buyer": _buyer_key(panel), "firm": panel["firm"].to_numpy(),
                       "step": panel["step"].to_numpy(),
                       "amount": (np.ones(len(panel)) if by == "purchases"
                                  else panel["units"].to_numpy(float))})
    n_panel = df["buyer"].nunique() if panel_size is None else int(panel_size)
    per = df.groupby(["firm", "buyer"])["amount"].sum()        # amount per firm × buyer
    category = df.groupby("buyer")["amount"].sum()             # each buyer's category total
    firms_bought = df.groupby("buyer")["firm"].nunique()
    first, second = halves(df)
    rows = []
    total = df["amount"].sum()
    for firm, amounts in per.groupby(level="firm", sort=False):
        buyers = amounts.index.get_level_values("buyer")
        n_buyers = len(buyers)
        early = set(first.loc[first["firm"] == firm, "buyer"])
        late = set(second.loc[second["firm"] == firm, "buyer"])
        rows.append({
            "firm": firm,
            "share": amounts.sum() / total,
            "penetration": n_buyers / n_panel,
            "purchases_per_buyer": amounts.sum() / n_buyers,
            "scr": amounts.sum() / category.loc[buyers].sum(),
            "sole_buyers": 100.0 * float((firms_bought.loc[buyers] == 1).mean()),
            "repeat_rate": len(early & late) / len(early) if early else np.nan,
            "buyers": n_buyers,
        })
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(["share", "firm"], ascending=[False, True], kind="stable",
                           ignore_index=True)


def halves(panel: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The window's two periods for the repeat rate: steps ≤ the midpoint, and after.

    The midpoint is ``(first + last) / 2`` of the steps present, so with steps 1..20 period 1 is
    steps 1–10 and period 2 steps 11–20.
    """
    steps = panel["step"].to_numpy()
    mid = (steps.min() + steps.max()) / 2
    return panel[steps <= mid], panel[steps > mid]


def duplication(panel: pd.DataFrame) -> pd.DataFrame:
    """Duplication of purchase: row A, column B = % of A's buyers who also bought B.

    Rows and columns in the order of :func:`brand_performance` (largest share first); the
    diagonal (a firm with itself) is NaN.
    """
    if panel.empty:
        return pd.DataFrame()
    order = brand_performance(panel)["firm"].tolist()
    bought = pd.crosstab(_buyer_key(panel), panel["firm"]) > 0     # buyer × firm
    bought = bought[order]
    both = bought.T.astype(int) @ bought.astype(int)                # A × B joint buyers
    pct = 100.0 * both.div(np.diag(both), axis=0)
    pct = pct.astype(float)
    values = pct.to_numpy(copy=True)
    np.fill_diagonal(values, np.nan)
    return pd.DataFrame(values, index=pd.Index(order, name="firm"), columns=order)

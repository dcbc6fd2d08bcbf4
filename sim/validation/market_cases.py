"""Published figures of customer behaviour, measured in more than one shipped market.

Each case runs the shipped ``baseline``, ``price_war`` and ``hybrid_entrant`` scenarios (every
mechanism on, their own firms, strategies and events; the validation's population size and
replicates) and judges one figure in each: a figure that holds only in one hand-picked market
is not a property of the model. The three markets are replayed once per replicate and shared
by the cases:

- *satisfied defectors*: share of defectors whose satisfaction with the firm they left was at
  least adequate (score ≥ ½);
- *top box*: retention at the next purchase of customers whose satisfaction with their supplier
  is total (score ≥ 0.8, "5 of 5") or mere (½–0.8, "4 of 5"), compared **within each firm** and
  combined over firms by the Mantel–Haenszel risk ratio, so that the mix of firms (large firms
  with loyal, satisfied customers; small ones with neither) cannot make the figure;
- *complaints*: share of recovered complainers and of silent dissatisfied buyers who buy from
  the same firm at their next purchase;
- *word of mouth*: messages actually sent per dissatisfied buyer and per satisfied buyer.

Steps before the sixth are left out (the market settles from its starting state).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from sim.validation.core import Outcome, Settings, case, columns_present, mean_ci

MARKETS = ("baseline", "price_war", "hybrid_entrant")
FIRST_STEP = 6
TOTAL = 0.8  # satisfaction score of a "totally satisfied" customer (5 of 5)
REICHHELD = "Reichheld, 'Loyalty-Based Management', *HBR* (1993) and *The Loyalty Effect* " \
    "(1996): 60–80 % of defectors said they were satisfied or very satisfied; Bain survey in " \
    "seed text 002 (65–85 %)"
JONES_SASSER = "Jones & Sasser, 'Why Satisfied Customers Defect', *HBR* (Nov–Dec 1995); " \
    "Mantel & Haenszel, *JNCI* 22 (1959) for the within-firm ratio"
TARP = "TARP, *Consumer Complaint Handling in America* (1979, 1986): about 37 % of silent " \
    "customers with small problems buy again, 70 % of complainers whose problem is resolved, " \
    "95 % when it is resolved quickly; seed text 003"
WOM = "TARP (1986) as cited in seed text 003 ('the dissatisfied tell twice as many'); " \
    "Anderson, 'Customer Satisfaction and Word of Mouth', *Journal of Service Research* 1 (1998)"


@functools.lru_cache(maxsize=8)
def _replay(name: str, customers: int, replicates: int, seed: int) -> pd.DataFrame:
    """One row per replicate × firm: the counters the cases need, summed from FIRST_STEP."""
    from sim import MarketModel, load_scenario
    from sim.mechanisms.satisfaction import SATISFIED
    from sim.runner import replicate_seeds

    spec = load_scenario(name, overrides=[f"market.customers={customers}"])
    rows = []
    for rep, seq in enumerate(replicate_seeds(seed, replicates)):
        model = MarketModel(spec, seed=seq)
        nf = model.n_firms
        boxes = np.zeros((4, nf))  # totally: kept, bought; merely: kept, bought
        for step in range(spec.steps):
            pop = model.population
            sup = pop.supplier.copy()
            has = sup >= 0
            sat = np.full(pop.n, np.nan)
            sat[has] = pop.satisfaction[np.nonzero(has)[0], sup[has]]
            model.step()
            if step + 1 < FIRST_STEP:
                continue
            bought = pop.bought & has & np.isfinite(sat)
            kept = bought & (pop.choice == sup)
            for i, mask in enumerate((sat >= TOTAL, (sat >= SATISFIED) & (sat < TOTAL))):
                boxes[2 * i] += np.bincount(sup[kept & mask], minlength=nf)[:nf]
                boxes[2 * i + 1] += np.bincount(sup[bought & mask], minlength=nf)[:nf]
        firms = model.firms_frame()
        late = firms[firms["step"] >= FIRST_STEP].groupby("firm", sort=False).sum(
            numeric_only=True)
        names = list(firms["firm"].drop_duplicates())
        table = late.reindex(names)[[
            "defectors", "satisfied_defectors", "recovered_followups", "recovered_returned",
            "unvoiced_followups", "unvoiced_returned", "wom_positive", "wom_negative",
            "satisfied_buyers", "dissatisfied_buyers"]].copy()
        for i, col in enumerate(("total_kept", "total_n", "merely_kept", "merely_n")):
            table[col] = boxes[i][:len(names)]
        table["replicate"] = rep
        rows.append(table.reset_index(names="firm"))
    return pd.concat(rows, ignore_index=True)


def replays(settings: Settings) -> dict[str, pd.DataFrame]:
    """The three markets' counters (cached: the cases share one replay per market)."""
    return {m: _replay(m, settings.customers, settings.replicates, settings.seed)
            for m in MARKETS}


def _per_replicate(df: pd.DataFrame, num: str, den: str) -> np.ndarray:
    sums = df.groupby("replicate")[[num, den]].sum()
    return (sums[num] / sums[den].where(sums[den] > 0)).to_numpy()


def _rate_ratios(settings: Settings, top: tuple[str, str], bottom: tuple[str, str],
                 digits: str) -> tuple[dict[str, np.ndarray], list[str]]:
    """Per market, the per-replicate ratio of two rates (``num / den`` column pairs).

    Returns the ratios by market and one "market top vs bottom" text per market (the mean
    rates, formatted with ``digits``).
    """
    per, rates = {}, []
    for market, df in replays(settings).items():
        upper, lower = _per_replicate(df, *top), _per_replicate(df, *bottom)
        per[market] = upper / lower
        rates.append(f"{market} {np.mean(upper):{digits}} vs {np.mean(lower):{digits}}")
    return per, rates


def mantel_haenszel(df: pd.DataFrame) -> float:
    """Within-firm risk ratio of defection, merely over totally satisfied (firms as strata)."""
    a = df["merely_n"] - df["merely_kept"]  # merely satisfied who defected
    c = df["total_n"] - df["total_kept"]
    n1, n0 = df["merely_n"], df["total_n"]
    size = (n1 + n0).where(lambda s: s > 0)
    num, den = (a * n0 / size).sum(), (c * n1 / size).sum()
    return float(num / den) if den > 0 else np.nan


def _judge(per_market: dict[str, np.ndarray], ok, fmt, unit: str = "") -> tuple[str, str, bool]:
    measured, intervals, passed = [], [], True
    for market, values in per_market.items():
        m, lo, hi = mean_ci(values)
        passed &= bool(ok(lo, hi))
        measured.append(f"{market} {fmt(m)}{unit}")
        intervals.append(f"{market} {fmt(m)} [{fmt(lo)}, {fmt(hi)}]")
    return "; ".join(measured), "; ".join(intervals), passed


_SCENARIO = "Shipped `baseline`, `price_war` and `hybrid_entrant` (every mechanism on, their " \
    "own firms, strategies and events), steps 6 to the end; "


@case(
    "satisfied_defectors",
    title="Satisfied customers still defect",
    claim="Most customers who defect were satisfied with the firm they left (60–85 %): "
    "satisfaction is not loyalty.",
    source=REICHHELD,
    scenario=_SCENARIO + "share of defectors whose satisfaction with the firm they left was at "
    "least adequate (score ≥ 0.5).",
    pending=columns_present("satisfied_defectors", "defectors"),
)
def satisfied_defectors(settings: Settings) -> Outcome:
    """Share of defectors who were satisfied, in each market."""
    per = {m: _per_replicate(df, "satisfied_defectors", "defectors")
           for m, df in replays(settings).items()}
    measured, interval, passed = _judge(per, lambda lo, hi: lo >= 0.60 and hi <= 0.85,
                                        lambda x: f"{x:.1%}")
    return Outcome(
        measured="defectors who were satisfied with the firm they left: " + measured,
        interval=interval,
        expected="between 60 % and 85 % in every market (the 95 % interval inside the band)",
        passed=passed,
        numbers={m: float(np.mean(v)) for m, v in per.items()},
    )


@case(
    "top_box_loyalty",
    title="Totally satisfied customers stay; merely satisfied ones drift",
    claim="Within one firm, merely satisfied customers (4 of 5) defect at least three times as "
    "often as totally satisfied ones (5 of 5); Xerox found the totally satisfied six times as "
    "likely to repurchase.",
    source=JONES_SASSER,
    scenario=_SCENARIO + "replayed customer by customer: each customer's satisfaction with "
    "their supplier before a purchase (≥ 0.8 totally, 0.5–0.8 merely) and whether they bought "
    "from it again; defection rates compared within each firm and combined over firms "
    "(Mantel–Haenszel risk ratio).",
    pending=columns_present("satisfied_defectors", "defectors"),
)
def top_box_loyalty(settings: Settings) -> Outcome:
    """Mantel–Haenszel within-firm defection ratio, merely over totally satisfied."""
    per, firms = {}, {}
    for market, df in replays(settings).items():
        per[market] = np.array([mantel_haenszel(rep) for _, rep in df.groupby("replicate")])
        pooled = df.groupby("firm", sort=False).sum(numeric_only=True)
        pooled = pooled[(pooled["total_n"] >= 100) & (pooled["merely_n"] >= 100)]
        ratio = ((1 - pooled["merely_kept"] / pooled["merely_n"])
                 / (1 - pooled["total_kept"] / pooled["total_n"]))
        firms[market] = ", ".join(f"{f} {r:.1f}" for f, r in ratio.items())
    measured, interval, passed = _judge(per, lambda lo, hi: lo >= 3.0, lambda x: f"{x:.2f}",
                                        "×")
    return Outcome(
        measured="merely satisfied defect, within firms, " + measured + " as often as totally "
        "satisfied (firm by firm: " + "; ".join(f"{m}: {t}" for m, t in firms.items()) + ")",
        interval=interval,
        expected="within-firm ratio at least 3 in every market (lower end of the 95 % interval)",
        passed=passed,
        numbers={m: float(np.mean(v)) for m, v in per.items()},
    )


@case(
    "complaint_return",
    title="Recovered complainers come back; silent dissatisfied customers leave",
    claim="Complainers whose problem was recovered buy again far more often than dissatisfied "
    "customers who said nothing: about 70 % (95 % when resolved quickly) against about 37 %.",
    source=TARP,
    scenario=_SCENARIO + "share of recovered complainers and of silent dissatisfied buyers who "
    "buy from the same firm at their next purchase.",
    pending=columns_present("recovered_returned", "recovered_followups", "unvoiced_returned",
                            "unvoiced_followups"),
)
def complaint_return(settings: Settings) -> Outcome:
    """Return rate of recovered complainers over that of silent dissatisfied buyers."""
    per, rates = _rate_ratios(settings, ("recovered_returned", "recovered_followups"),
                              ("unvoiced_returned", "unvoiced_followups"), ".0%")
    measured, interval, passed = _judge(per, lambda lo, hi: lo >= 1.5, lambda x: f"{x:.2f}",
                                        "×")
    return Outcome(
        measured="recovered complainers vs silent dissatisfied who return: " + "; ".join(rates)
        + "; ratio " + measured,
        interval=interval,
        expected="recovered complainers return at least 1.5× as often as silent dissatisfied "
        "customers in every market (lower end of the 95 % interval); published ≈ 70/37 ≈ 1.9",
        passed=passed,
        numbers={m: float(np.mean(v)) for m, v in per.items()},
    )


@case(
    "wom_asymmetry",
    title="Word-of-mouth asymmetry",
    claim="Dissatisfied customers tell more people than satisfied ones — about twice as many.",
    source=WOM,
    scenario=_SCENARIO + "messages actually sent by dissatisfied buyers per dissatisfied buyer "
    "over messages sent by satisfied buyers per satisfied buyer (satisfied advocates talk more, "
    "so the ratio depends on how many of a market's buyers are advocates).",
    pending=columns_present("wom_positive", "wom_negative", "satisfied_buyers",
                            "dissatisfied_buyers"),
)
def wom_asymmetry(settings: Settings) -> Outcome:
    """Messages per dissatisfied buyer over messages per satisfied buyer, in each market."""
    per, rates = _rate_ratios(settings, ("wom_negative", "dissatisfied_buyers"),
                              ("wom_positive", "satisfied_buyers"), ".3f")
    measured, interval, passed = _judge(per, lambda lo, hi: lo >= 1.5 and hi <= 3.0,
                                        lambda x: f"{x:.2f}", "×")
    return Outcome(
        measured="messages per dissatisfied vs per satisfied buyer: " + "; ".join(rates)
        + "; ratio " + measured,
        interval=interval,
        expected="between 1.5 and 3 in every market (the 95 % interval inside the band; the "
        "sources: about 2)",
        passed=passed,
        numbers={m: float(np.mean(v)) for m, v in per.items()},
    )

"""Textbook known answers of the choice core: multinomial logit shares and price elasticities.

With every mechanism off, each customer chooses each period by a plain multinomial logit on net
value, U = λ (PUV − α · price / reference), so the model must reproduce the closed forms
(McFadden 1974; Train 2009, ch. 3):

* shares s_f = exp(λ v_f) / Σ_g exp(λ v_g) for identical customers, and the population average
  of the individual logit probabilities for heterogeneous ones (mixed logit);
* own-price elasticity ∂ln s_f / ∂ln p_f = −λ α (p_f / ref) (1 − s_f) and cross-price
  elasticity ∂ln s_g / ∂ln p_f = λ α (p_f / ref) s_f, the same for every rival g (IIA).
"""

from __future__ import annotations

import copy

import numpy as np

from sim.validation.core import Outcome, Settings, all_off, case, fmt_ci, mean_ci, per_replicate

TRAIN = "McFadden (1974); Train, *Discrete Choice Methods with Simulation* (2009), ch. 3"


def logit_market(settings: Settings, heterogeneity: float = 0.0, steps: int = 20) -> dict:
    """Four fixed offers, one segment, every mechanism off, a fixed reference price of 10."""
    return {
        "name": "validation: plain logit market",
        "steps": steps,
        "market": {
            "customers": settings.customers,
            "dimensions": ["quality", "service"],
            "rationality": 6.0,
            "reference_price": 10.0,
            "segments": [{"name": "all", "share": 1.0,
                          "weights": {"quality": 0.8, "service": 0.5},
                          "price_sensitivity": 1.2, "heterogeneity": heterogeneity}],
        },
        "firms": [
            {"name": "A", "price": 10.0, "attributes": {"quality": 0.6, "service": 0.5}},
            {"name": "B", "price": 9.0, "attributes": {"quality": 0.5, "service": 0.4},
             "nonmonetary_cost": 0.05},
            {"name": "C", "price": 12.0, "attributes": {"quality": 0.9, "service": 0.7}},
            {"name": "D", "price": 8.0, "attributes": {"quality": 0.3, "service": 0.3}},
        ],
        "mechanisms": all_off(),
    }


def closed_form_shares(scenario: dict) -> np.ndarray:
    """Logit shares of identical customers, computed from the scenario data alone."""
    market = scenario["market"]
    seg = market["segments"][0]
    ref = market["reference_price"]
    value = np.array([
        sum(seg["weights"].get(d, 0.0) * f["attributes"].get(d, 0.0) for d in market["dimensions"])
        - seg["price_sensitivity"] * (f["price"] / ref + f.get("nonmonetary_cost", 0.0))
        for f in scenario["firms"]
    ])
    e = np.exp(market["rationality"] * (value - value.max()))
    return e / e.sum()


def _firm_names(scenario: dict) -> list[str]:
    return [f["name"] for f in scenario["firms"]]


@case(
    "logit_shares",
    title="Multinomial logit closed form: shares",
    claim="With identical customers and every mechanism off, each firm's share equals the "
    "closed-form logit share exp(λv_f)/Σ exp(λv_g) of its net value v_f.",
    source=TRAIN,
    scenario="4 fixed offers, 1 segment, heterogeneity 0, all mechanisms off, 20 steps.",
)
def logit_shares(settings: Settings) -> Outcome:
    """Simulated shares against the closed form, per firm."""
    from sim import run_scenario

    scenario = logit_market(settings)
    firms = run_scenario(scenario, replicates=settings.replicates, seed=settings.seed).firms
    names = _firm_names(scenario)
    sim = per_replicate(firms, "share")[names]
    expected = closed_form_shares(scenario)
    worst, parts, ok = 0.0, [], True
    for name, e in zip(names, expected, strict=True):
        m, lo, hi = mean_ci(sim[name])
        worst = max(worst, abs(m - e))
        # within the replicate interval, or within 0.005 (Monte Carlo resolution of the market)
        ok &= (lo - 0.005 <= e <= hi + 0.005)
        parts.append(f"{name} {fmt_ci(sim[name])}")
    return Outcome(
        measured="shares " + ", ".join(f"{n} {sim[n].mean():.3f}" for n in names)
        + f"; max |sim − closed form| = {worst:.4f}",
        interval="; ".join(parts),
        expected="closed form " + ", ".join(f"{n} {e:.3f}" for n, e in zip(names, expected,
                                                                            strict=True)),
        passed=bool(ok) and expected.max() - expected.min() > 0.1,
        numbers={"simulated": sim.mean().to_dict(), "expected": dict(zip(names, expected.tolist(),
                                                                       strict=True)),
                 "max_abs_error": worst},
    )


@case(
    "mixed_logit_shares",
    title="Mixed logit: heterogeneous customers",
    claim="With heterogeneous customers and every mechanism off, each firm's share equals the "
    "population average of the customers' individual logit probabilities.",
    source=TRAIN + ", ch. 6",
    scenario="Same 4 offers, heterogeneity 0.5 (weights, price sensitivity, reference price), "
    "all mechanisms off, 20 steps; probabilities computed from each replicate's population.",
)
def mixed_logit_shares(settings: Settings) -> Outcome:
    """Simulated shares against the mean individual logit probability of the same population."""
    from sim import MarketModel, load_scenario, run_scenario
    from sim.runner import replicate_seeds

    scenario = load_scenario(logit_market(settings, heterogeneity=0.5))
    firms = run_scenario(scenario, replicates=settings.replicates, seed=settings.seed).firms
    names = [f.name for f in scenario.firms]
    sim = per_replicate(firms, "share")[names]
    expected = []
    for seq in replicate_seeds(settings.seed, settings.replicates):
        pop = MarketModel(scenario, seed=seq).population
        levels = np.array([[f.attributes.get(d, 0.0) for d in scenario.market.dimensions]
                           for f in scenario.firms])
        prices = np.array([f.price for f in scenario.firms])
        nonmoney = np.array([f.nonmonetary_cost for f in scenario.firms])
        value = pop.weights @ levels.T - pop.price_sensitivity[:, None] * (
            prices[None, :] / pop.reference_price[:, None] + nonmoney[None, :])
        u = scenario.market.rationality * value
        p = np.exp(u - u.max(axis=1, keepdims=True))
        expected.append((p / p.sum(axis=1, keepdims=True)).mean(axis=0))
    expected = np.array(expected)
    diff = sim.to_numpy() - expected
    worst = float(np.abs(diff.mean(axis=0)).max())
    ok = True
    parts = []
    for j, name in enumerate(names):
        m, lo, hi = mean_ci(diff[:, j])
        ok &= lo - 0.004 <= 0.0 <= hi + 0.004
        parts.append(f"{name} {m:+.4f} [{lo:+.4f}, {hi:+.4f}]")
    homogeneous = closed_form_shares(logit_market(settings))
    return Outcome(
        measured="sim − mixed-logit expectation per firm; max |mean| = " f"{worst:.4f}",
        interval="; ".join(parts),
        expected="0 for every firm (expected shares "
        + ", ".join(f"{n} {e:.3f}" for n, e in zip(names, expected.mean(axis=0), strict=True))
        + ")",
        passed=bool(ok) and float(np.abs(expected.mean(axis=0) - homogeneous).max()) > 0.01,
        numbers={"max_abs_error": worst},
    )


@case(
    "logit_elasticities",
    title="Multinomial logit closed form: own- and cross-price elasticities",
    claim="Own-price elasticity of share is −λα(p/ref)(1 − s); every rival's cross-price "
    "elasticity is λα(p/ref)s — the same for all rivals (IIA).",
    source=TRAIN,
    scenario="The logit market with firm A's price moved ±3 % (common random numbers); "
    "elasticity = Δln s / Δln p, per replicate.",
)
def logit_elasticities(settings: Settings) -> Outcome:
    """Central-difference elasticities with common random numbers against the formulas."""
    from sim import run_scenario

    h = 0.03
    base = logit_market(settings)
    names = _firm_names(base)
    shares = {}
    for sign in (-1, 1):
        sc = copy.deepcopy(base)
        sc["firms"][0]["price"] *= 1 + sign * h
        firms = run_scenario(sc, replicates=settings.replicates, seed=settings.seed).firms
        shares[sign] = per_replicate(firms, "share")[names]
    dlogp = np.log1p(h) - np.log1p(-h)
    elastic = (np.log(shares[1]) - np.log(shares[-1])) / dlogp
    s = closed_form_shares(base)
    seg = base["market"]["segments"][0]
    scale = base["market"]["rationality"] * seg["price_sensitivity"] * (
        base["firms"][0]["price"] / base["market"]["reference_price"])
    analytic = {names[0]: -scale * (1 - s[0])}
    analytic.update({n: scale * s[0] for n in names[1:]})
    ok, parts = True, []
    for name in names:
        m, lo, hi = mean_ci(elastic[name])
        slack = 0.05 * abs(analytic[name])  # O(h²) finite-difference bias and share resolution
        ok &= lo - slack <= analytic[name] <= hi + slack
        parts.append(f"{name} {fmt_ci(elastic[name], 2)}")
    return Outcome(
        measured="own (A) " + f"{elastic[names[0]].mean():.2f}; cross "
        + ", ".join(f"{n} {elastic[n].mean():.2f}" for n in names[1:]),
        interval="; ".join(parts),
        expected=f"own {analytic[names[0]]:.2f}; cross {analytic[names[1]]:.2f} for every rival",
        passed=bool(ok),
        numbers={"measured": elastic.mean().to_dict(), "analytic": analytic},
    )

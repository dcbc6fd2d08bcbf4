"""Debrief: why each team's share moved, round by round, in plain language (a glass box).

A firm's choice odds depend on four groups of things the model tracks for every customer:

* **price** — perceived price (price relative to the customer's reference, plus non-money costs);
* **value** — perceived use value from the attribute levels;
* **word of mouth & awareness** — who knows the firm, and the value shift talk gives it;
* **loyalty & bonds** — loyalty to and switching costs around the current supplier.

From the customers' state at the end of two rounds, the expected share under the model's logit
is recomputed with each group taken from the old or the new round; the change in expected share
is split among the four groups by Shapley values (average marginal effect over the 24 orders,
so the parts add up exactly). What the expected share does not explain — who happened to have a
purchase occasion, the luck of the draw — is reported as "chance".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim import kernels
from sim.classroom.engine import RoundState
from sim.explain import shapley_values

EFFECTS = ("price", "value", "word_of_mouth", "loyalty")
LABELS = {
    "price": "price",
    "value": "value",
    "word_of_mouth": "word of mouth and awareness",
    "loyalty": "loyalty and switching costs",
}


def expected_shares(parts: dict[str, RoundState], rationality: float, mechanisms) -> np.ndarray:
    """(F,) mean logit choice probability over customers, each group taken from ``parts``."""
    price, value, talk, bond = (parts[e] for e in EFFECTS)
    net = kernels.net_value(value.attribute_value + talk.value_shift, price.pp,
                            price.price_sensitivity)
    util = kernels.choice_utility(
        net, rationality, talk.available, supplier=bond.supplier,
        loyalty=bond.loyalty if mechanisms.loyalty else None,
        switching_cost=bond.switching_cost if mechanisms.switching_costs else None,
    )
    prob = kernels.logit_probabilities(util)
    return prob.mean(axis=0)


def share_effects(before: RoundState, after: RoundState, rationality: float, mechanisms):
    """Shapley split of the change in expected shares into the four groups.

    Returns:
        ``{effect: (F,) change}``, plus ``"expected"``: (F,) total change in expected share.
    """
    cache: dict[frozenset, np.ndarray] = {}

    def value_of(changed: frozenset) -> np.ndarray:
        if changed not in cache:
            parts = {e: (after if e in changed else before) for e in EFFECTS}
            cache[changed] = expected_shares(parts, rationality, mechanisms)
        return cache[changed]

    out = shapley_values(EFFECTS, value_of)
    out["expected"] = value_of(frozenset(EFFECTS)) - value_of(frozenset())
    return out


def account(states: list[RoundState], rounds: pd.DataFrame, firm_names: list[str],
            firm: str, rationality: float, mechanisms,
            start_prices: dict[str, float] | None = None) -> list[dict]:
    """Round-by-round account of one firm's share: numbers and a paragraph of plain language.

    Args:
        states: customers' state at round ends (index 0 = the start of the game).
        firm_names: every firm of the scenario, in column order.
        firm: the firm to account for.
        rationality: the market's logit scale.
        mechanisms: the scenario's mechanism switches (loyalty, switching costs).
        rounds: ``reports.by_round`` table (price, PUV, PP per round and firm).
        start_prices: firm → price before round 1 (to describe round 1's moves).
    """
    f = firm_names.index(firm)
    lines = []
    for k in range(1, len(states)):
        effects = share_effects(states[k - 1], states[k], rationality, mechanisms)
        before, after = float(states[k - 1].share[f]), float(states[k].share[f])
        parts = {e: float(effects[e][f]) for e in EFFECTS}
        chance = (after - before) - sum(parts.values())
        lines.append({
            "round": k,
            "share_before": before,
            "share_after": after,
            "change": after - before,
            **parts,
            "chance": chance,
            "text": _paragraph(k, firm, before, after, parts, chance, rounds, start_prices or {}),
        })
    return lines


def _paragraph(k, firm, before, after, parts, chance, rounds, start_prices) -> str:
    change = after - before
    verb = "rose" if change > 0.0005 else "fell" if change < -0.0005 else "held"
    text = (f"Round {k}: {firm}'s share of purchases {verb} from {before:.1%} to {after:.1%} "
            f"({_points(change)}).")
    moves = _offer_moves(rounds, firm, k, start_prices)
    if moves:
        text += " " + moves
    ordered = sorted(parts.items(), key=lambda kv: -abs(kv[1]))
    main, main_value = ordered[0]
    if abs(main_value) >= 0.001:
        direction = "helped" if main_value > 0 else "hurt"
        text += f" The biggest driver was {LABELS[main]}, which {direction} ({_points(main_value)})."
    rest = [f"{LABELS[e]} {_points(v)}" for e, v in ordered[1:] if abs(v) >= 0.001]
    if rest:
        text += " Then " + ", ".join(rest) + "."
    if abs(chance) >= 0.005:
        text += f" Chance and timing of purchases account for {_points(chance)}."
    return text


def _offer_moves(rounds: pd.DataFrame, firm: str, k: int, start_prices: dict) -> str:
    """What changed in the firm's own offer and in its rivals' average price."""
    now = rounds[rounds["round"] == k]
    if k > 1:
        prev = rounds[rounds["round"] == k - 1]
        prices_before = dict(zip(prev["firm"], prev["price"], strict=True))
        puv_before = dict(zip(prev["firm"], prev["puv"], strict=True))
    else:
        prices_before, puv_before = dict(start_prices), {}
    prices_now = dict(zip(now["firm"], now["price"], strict=True))
    puv_now = dict(zip(now["firm"], now["puv"], strict=True))
    if firm not in prices_now or firm not in prices_before:
        return ""
    bits = []
    p0, p1 = float(prices_before[firm]), float(prices_now[firm])
    if abs(p1 - p0) > 1e-9:
        bits.append(f"it {'cut' if p1 < p0 else 'raised'} its price from {p0:.2f} to {p1:.2f}")
    if firm in puv_before and abs(puv_now[firm] - puv_before[firm]) > 0.005:
        bits.append(f"its perceived use value (word of mouth included) went from {puv_before[firm]:.2f} to "
                    f"{puv_now[firm]:.2f}")
    rivals = [f for f in prices_now if f != firm and f in prices_before]
    if rivals:
        r0 = float(np.mean([prices_before[f] for f in rivals]))
        r1 = float(np.mean([prices_now[f] for f in rivals]))
        if abs(r1 - r0) > 0.005:
            bits.append(f"rivals' average price moved from {r0:.2f} to {r1:.2f}")
    return ("This round " + "; ".join(bits) + ".") if bits else ""


def _points(x: float) -> str:
    return f"{x * 100:+.1f} points"


def compare(actual: pd.DataFrame, counterfactual: pd.DataFrame) -> pd.DataFrame:
    """Per round × firm: share and profit as played and in the counterfactual."""
    keys = ["round", "firm"]
    cols = ["share", "profit", "price", "customers", "clock_position"]
    merged = actual[keys + cols].merge(
        counterfactual[keys + cols], on=keys, suffixes=("_actual", "_counterfactual")
    )
    merged["share_difference"] = merged["share_counterfactual"] - merged["share_actual"]
    merged["profit_difference"] = merged["profit_counterfactual"] - merged["profit_actual"]
    return merged

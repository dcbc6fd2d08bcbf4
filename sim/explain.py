"""Explaining a result: why a firm's share changed between two steps.

``explain(result, firm, step_from, step_to)`` replays the replicate (same scenario, same seed:
bit-identical), captures every customer's choice inputs at the two purchase occasions, and
splits the change of the firm's share into drivers by an exact decomposition of the logit:

* ``price``: the firm's own perceived price (posted price and non-monetary cost);
* ``value``: the firm's own attribute levels (its perceived use value) and its being on the
  market;
* ``rivals``: every other firm's price, levels, entries and exits;
* ``loyalty``: current suppliers, loyalty bonuses and switching costs;
* ``word_of_mouth``: shifts of perceived value (word of mouth, learning, promises) and awareness;
* ``market``: customers' reference prices, price sensitivities and value weights;
* ``other``: anything else the choice rule added (a mechanism this module does not know);
* ``chance``: which customers happened to buy what (realised minus expected share).

The expected share E[s] = mean over customers of the logit probability is a function of the
driver groups; each group's contribution is its Shapley value (the average, over every order of
switching the groups from their step_from to their step_to state, of the change it causes), so
the contributions of the groups sum exactly to E[s(to)] − E[s(from)], and with ``chance`` to the
actual change (Shapley 1953; the decomposition of Shorrocks 2013).
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pandas as pd

from sim import kernels

DRIVERS = ("price", "value", "rivals", "loyalty", "word_of_mouth", "market", "other", "chance")
_GROUPS = DRIVERS[:-1]


@dataclasses.dataclass
class Explanation:
    """Why a firm's share changed.

    Attributes:
        firm: the firm explained.
        step_from: the earlier step.
        step_to: the later step.
        share_from: the firm's realised share at ``step_from``.
        share_to: the firm's realised share at ``step_to``.
        contributions: one row per driver: ``driver``, ``contribution`` (share points as a
            fraction; they sum to ``share_to − share_from``), ``sentence``.
        sentences: plain-language explanation, largest effects first.
    """

    firm: str
    step_from: int
    step_to: int
    share_from: float
    share_to: float
    contributions: pd.DataFrame
    sentences: list[str]

    @property
    def change(self) -> float:
        """The actual change of share."""
        return self.share_to - self.share_from

    def text(self) -> str:
        """The sentences as one paragraph."""
        return " ".join(self.sentences)


def explain(result, firm: str, step_from: int, step_to: int, replicate: int = 0) -> Explanation:
    """Decompose ``firm``'s share change between two steps of a run into drivers.

    Args:
        result: a ``RunResult`` from ``run_scenario``.
        firm: the firm's name.
        step_from: earlier step (1 or later: step 0 has no purchases).
        step_to: later step.
        replicate: which replicate of the run.

    Raises:
        ValueError: unknown firm, steps outside the run, or a result that does not replay.
    """
    from sim.runner import replicate_seeds

    spec = result.scenario
    names = [f.name for f in spec.firms]
    if firm not in names:
        raise ValueError(f"unknown firm {firm!r}; the run has {', '.join(names)}")
    steps = int(result.provenance.get("steps", spec.steps))
    if not 1 <= step_from < step_to <= steps:
        raise ValueError(f"need 1 <= step_from < step_to <= {steps}, got {step_from}, {step_to}")
    n_rep = int(result.provenance.get("replicates", 1))
    if not 0 <= replicate < n_rep:
        raise ValueError(f"replicate must be in 0..{n_rep - 1}, got {replicate}")
    f = names.index(firm)
    seq = replicate_seeds(int(result.provenance["seed"]), n_rep)[replicate]
    snaps = _replay(spec, seq, replicate, {step_from, step_to})
    a, b = snaps[step_from], snaps[step_to]
    recorded = result.firms[(result.firms["replicate"] == replicate)
                            & (result.firms["firm"] == firm)].set_index("step")["share"]
    share_a = float(recorded.get(step_from, 0.0))
    share_b = float(recorded.get(step_to, 0.0))
    if not (math.isclose(share_a, a["realised"][f], abs_tol=1e-9)
            and math.isclose(share_b, b["realised"][f], abs_tol=1e-9)):
        raise ValueError("replaying the run did not reproduce its shares; was it produced by "
                         "another version of the model?")
    phi = _shapley(a, b, f)
    contributions = dict(zip(_GROUPS, phi, strict=True))
    contributions["chance"] = (share_b - share_a) - float(sum(phi))
    table = pd.DataFrame({
        "driver": list(DRIVERS),
        "contribution": [contributions[d] for d in DRIVERS],
    })
    table["sentence"] = [_sentence(d, contributions[d], a, b, f, firm) for d in DRIVERS]
    return Explanation(firm, step_from, step_to, share_a, share_b, table,
                       _sentences(table, firm, step_from, step_to, share_a, share_b))


# -- replay --------------------------------------------------------------------------------------
def _replay(spec, seq, replicate: int, at: set[int]) -> dict[int, dict]:
    """Run the replicate to max(at), capturing the choice inputs at each step in ``at``."""
    from sim.mechanisms import choice
    from sim.model import MarketModel

    model = MarketModel(spec, seed=seq, replicate=replicate)
    snaps: dict[int, dict] = {}

    def watching(m) -> None:
        if m.steps in at:
            snap = _capture(m)
            choice.purchase(m)
            units = m.step_stats["units"]
            snap["realised"] = units / units.sum() if units.sum() > 0 else np.zeros_like(units)
            snaps[m.steps] = snap
        else:
            choice.purchase(m)

    # this model only: its purchase phase is watched
    model.phases = tuple((name, watching if phase is choice.purchase else phase)
                         for name, phase in model.phases)
    for _ in range(max(at)):
        model.step()
    return snaps


def _capture(model) -> dict:
    """Everything the choice rule reads, at this step's purchase occasion."""
    from sim.mechanisms import choice

    pop, mech = model.population, model.spec.mechanisms
    levels = model.levels_matrix().astype(float)
    prices = model.prices().astype(float)
    nonmoney = model.nonmonetary_costs().astype(float)
    base_puv = pop.weights @ levels.T
    snap = {
        "prices": prices, "levels": levels, "nonmoney": nonmoney,
        "active": model.active_mask().copy(),
        "weights": pop.weights.copy(), "alpha": pop.price_sensitivity.copy(),
        "reference": pop.reference_price.copy(),
        "shift": pop.puv - base_puv,
        "aware": np.asarray(model.available(), dtype=bool).copy() | ~model.active_mask()[None, :],
        "supplier": pop.supplier.copy(),
        "loyalty": pop.loyalty.copy() if mech.loyalty else np.zeros(pop.n),
        "switching": pop.switching_cost.copy() if mech.switching_costs else np.zeros(pop.n),
        "rationality": float(model.spec.market.rationality),
    }
    actual = choice.utilities(model)
    mine = _utility({k: snap[k] for k in snap}, with_other=False)
    with np.errstate(invalid="ignore"):  # −inf − −inf where an offer is unavailable
        residual = actual - mine
    residual[~np.isfinite(residual)] = 0.0
    snap["other"] = residual
    return snap


# -- the decomposition ---------------------------------------------------------------------------
def _utility(s: dict, with_other: bool = True) -> np.ndarray:
    puv = kernels.perceived_use_value(s["weights"], s["levels"]) + s["shift"]
    pp = kernels.perceived_price(s["prices"], s["reference"], s["nonmoney"])
    value = kernels.net_value(puv, pp, s["alpha"])
    available = s["aware"] & s["active"][None, :]
    u = kernels.choice_utility(value, s["rationality"], available, supplier=s["supplier"],
                               loyalty=s["loyalty"], switching_cost=s["switching"])
    if with_other:
        u = u + s["other"]
    return u


def _expected_share(s: dict, f: int) -> float:
    p = kernels.logit_probabilities(_utility(s))
    total = p.sum()
    return float(p[:, f].sum() / total) if total > 0 else 0.0


def _mix(a: dict, b: dict, f: int, groups: frozenset[str]) -> dict:
    """The state with ``groups`` taken from ``b`` and every other group from ``a``."""
    s = {k: a[k] for k in ("weights", "rationality")}
    own, rest = np.zeros(len(a["prices"]), bool), np.ones(len(a["prices"]), bool)
    own[f], rest[f] = True, False

    def pick(key: str, group: str, mask: np.ndarray | None = None) -> np.ndarray:
        src_own = b if group in groups else a
        if mask is None:
            return src_own[key]
        src_rest = b if "rivals" in groups else a
        out = np.where(own, src_own[key], src_rest[key]) if src_own[key].ndim == 1 else \
            np.where(own[:, None], src_own[key], src_rest[key])
        return out

    s["prices"] = pick("prices", "price", own)
    s["nonmoney"] = pick("nonmoney", "price", own)
    s["levels"] = pick("levels", "value", own)
    own_active = b["active"] if "value" in groups else a["active"]  # the offer being there
    rest_active = b["active"] if "rivals" in groups else a["active"]
    s["active"] = np.where(own, own_active, rest_active)
    for key in ("supplier", "loyalty", "switching"):
        s[key] = pick(key, "loyalty")
    for key in ("shift", "aware"):
        s[key] = pick(key, "word_of_mouth")
    for key in ("alpha", "reference", "weights"):
        s[key] = pick(key, "market")
    s["other"] = pick("other", "other")
    return s


def shapley_values(players, value_of):
    """Shapley value of each player: its marginal effect averaged over every joining order.

    Args:
        players: the groups whose change is being split (a sequence of hashable names).
        value_of: ``frozenset of changed players -> value`` (a float or an array); called once
            per subset.

    Returns:
        ``{player: value}``; the values sum to ``value_of(all) − value_of(none)``.
    """
    players = list(players)
    n = len(players)
    value = {frozenset(c): value_of(frozenset(c))
             for k in range(n + 1) for c in itertools.combinations(players, k)}
    out = {}
    for g in players:
        others = [h for h in players if h != g]
        total = 0.0
        for k in range(n):
            weight = math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n)
            for combo in itertools.combinations(others, k):
                key = frozenset(combo)
                total = total + weight * (value[key | {g}] - value[key])
        out[g] = total
    return out


def _shapley(a: dict, b: dict, f: int) -> list[float]:
    phi = shapley_values(_GROUPS, lambda key: _expected_share(_mix(a, b, f, key), f))
    return [phi[g] for g in _GROUPS]


# -- words ---------------------------------------------------------------------------------------
def _pts(x: float) -> str:
    return f"{x * 100:+.1f} points"


def _sentence(driver: str, c: float, a: dict, b: dict, f: int, firm: str) -> str:
    verb = "added" if c >= 0 else "took away"
    amount = f"{abs(c) * 100:.1f} share points"
    if driver == "price":
        pa, pb = a["prices"][f], b["prices"][f]
        move = "unchanged price" if math.isclose(pa, pb) else (
            f"{'lower' if pb < pa else 'higher'} price ({pa:.2f} → {pb:.2f})")
        return f"{firm}'s {move} {verb} {amount}."
    if driver == "value":
        va, vb = a["levels"][f].mean(), b["levels"][f].mean()
        move = "unchanged offer" if math.isclose(va, vb) else (
            f"{'better' if vb > va else 'weaker'} offer (mean attribute level {va:.2f} → "
            f"{vb:.2f})")
        return f"{firm}'s {move} {verb} {amount}."
    text = {
        "rivals": "Rivals' moves (their prices, offers, entries and exits)",
        "loyalty": "Loyalty and switching costs (who is whose customer, and how tied)",
        "word_of_mouth": "Word of mouth, learning and awareness (how customers see and know "
                         "the firms)",
        "market": "Changes in customers' reference prices and tastes",
        "other": "Other mechanisms in the choice",
        "chance": "Chance (which customers happened to buy what this time)",
    }[driver]
    return f"{text} {verb} {amount}."


def _sentences(table: pd.DataFrame, firm: str, s_from: int, s_to: int, a: float, b: float):
    direction = "rose" if b > a else "fell" if b < a else "stayed"
    head = (f"{firm}'s share {direction} from {a:.1%} to {b:.1%} ({_pts(b - a)}) between step "
            f"{s_from} and step {s_to}.")
    out = [head]
    ranked = table.reindex(table["contribution"].abs().sort_values(ascending=False).index)
    small = []
    for _, row in ranked.iterrows():
        if abs(row["contribution"]) >= 0.0005:
            out.append(row["sentence"])
        else:
            small.append(row["driver"].replace("_", " "))
    if small:
        out.append(f"The rest ({', '.join(small)}) made no noticeable difference.")
    return out

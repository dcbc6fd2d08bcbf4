"""The relationship loop's shared parts: its random stream, its output columns and summary.

Each mechanism lives in its own module with its state (``STATE``), its compiled passes and its
phase function; ``MarketModel`` sets them up and runs them in order:

====================  ====================================================================
module                mechanism (switch in ``mechanisms:``)
====================  ====================================================================
``satisfaction``      experience and satisfaction against the zone of tolerance (always)
``complaints``        voice, recovery and quiet exit (``complaints``)
``word_of_mouth``     the social network and what customers tell (``word_of_mouth``)
``fatigue``           proactive contact, warmth and annoyance (``contact_fatigue``)
``opinion``           what customers heard and lived of each firm, fading (always)
``expectations``      adequate/desired levels, reference prices (``expectations``)
``loyalty``           asymmetric trust (always) and the loyalty bonus (``loyalty``)
``ladder``            prospect → … → partner, and tenure (always)
``learning``          firms learn buyers' weights (``learning``)
``bonds``             switching costs from bonds and teaching (``switching_costs``)
``customer_value``    margin, retention, share of wallet, CLV (always; outputs only)
====================  ====================================================================

Shared helpers (cells of (customer, firm) pairs, firms' programme values) are in
``sim.mechanisms.cells``.

Memory added per customer, with F firms and network degree k: 4·F each for the opinion, learned
knowledge and share of wallet (float32), F for the ladder rungs (int8), 16 for adequate, desired,
zone width and contact tolerance (float32), 3 for tenure and follow-up, 4·k + 8 for the network
(CSR), and 4·F for contact stocks once a firm makes proactive contacts: 145 bytes measured at
F = 6, k = 10 (1M customers × 6 firms ≈ 145 MB on top of the core arrays).
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms import customer_value, ladder
from sim.mechanisms.state import State
from sim.streams import chunk_streams

STATE = State(model={
    # the relationship phases' own random stream (see relationship_generator)
    "relationship_rng": lambda model: relationship_generator(model.rng),
    # the streams their parallel passes draw from (``sim.streams``), on a key of their own
    "relationship_streams": lambda model: chunk_streams(model.rng, RNG_KEY + 1,
                                                        model.population.n),
})


RNG_KEY = 0x52454C  # spawn key of the relationship stream ("REL")


def relationship_generator(rng: np.random.Generator) -> np.random.Generator:
    """The relationship loop's own generator, derived from the model's seed.

    Relationship phases draw a state-dependent number of random numbers (messages, complaints,
    ladder climbs). Drawing them from a stream of their own keeps the choice stream of the model
    identical whatever the relationship mechanisms do, so two runs that differ in one switch or
    one offer share their choice noise (common random numbers), and a plain-logit run draws
    exactly what it would without the relationship loop. Same seed, same results.
    """
    seq = getattr(rng.bit_generator, "seed_seq", None)
    if not isinstance(seq, np.random.SeedSequence):  # a generator built without a seed sequence
        return np.random.default_rng(rng.integers(2**63))
    child = np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, RNG_KEY),
                                   pool_size=seq.pool_size)
    return np.random.default_rng(child)


def customer_view(model, i: int) -> dict:
    """The relationship fields of customer ``i``'s ``Customer`` snapshot."""
    pop, names = model.population, [f.name for f in model.firms]

    def per_firm(values):
        return dict(zip(names, values[i].tolist(), strict=True))

    return {
        "opinion": per_firm(pop.opinion), "known_by": per_firm(pop.knowledge),
        "share_of_wallet": per_firm(pop.wallet),
        "rung": {f: ladder.RUNGS[r] for f, r in zip(names, pop.rung[i].tolist(), strict=True)},
        "zone": (float(pop.adequate[i]), float(pop.desired[i])),
        "tenure": int(pop.tenure[i]),
    }


def firm_columns(model) -> dict[str, np.ndarray]:
    """Per-firm relationship outputs of this step for ``firms.csv``."""
    stats, nf = model.step_stats, model.n_firms
    cols = {name: stats[name].copy() for name in COUNTERS}
    cols.update(ladder.rung_counts(model))
    cols.update(customer_value.columns(model))
    for name in COUNTERS:
        cols[name] = cols[name].astype(np.int64)
    assert all(len(v) == nf for v in cols.values())
    return cols


# Per-step counters (step_stats keys) written to firms.csv as integer columns.
COUNTERS = (
    "recovered", "wom_positive", "wom_negative", "satisfied_defectors", "defectors",
    "satisfied_buyers", "dissatisfied_buyers", "delighted_buyers", "retained", "at_risk",
    "recovered_returned", "recovered_followups", "unvoiced_returned", "unvoiced_followups",
    "contacts", "annoyed",
)


def summarise_relationships(firms, out: dict, mean_ci) -> None:
    """Add relationship figures over the whole run to a summary (``summary.json``).

    Per firm ``retention``: the share of the firm's customers with a purchase occasion who
    bought from it again, over all steps. Overall ``satisfied_defector_share``: the share of
    defectors (customers who left a firm they had experienced) who were satisfied with it when
    they left; ``recovered_return_rate`` and ``unvoiced_return_rate``: the share of recovered
    complainers and of silent dissatisfied buyers who came back at their next purchase. Each is
    computed per replicate and given as mean and 95 % interval over replicates.

    Args:
        firms: the firms table (one row per replicate × step × firm).
        out: the summary dict; ``out["firms"][name]`` gets ``retention``.
        mean_ci: ``values -> {mean, low, high}``.
    """
    needed = {"retained", "at_risk", "defectors", "satisfied_defectors"}
    if firms.empty or not needed <= set(firms.columns):
        return
    by_rep = firms.groupby("replicate")

    def ratio(num: str, den: str) -> dict:
        sums = by_rep[[num, den]].sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            return mean_ci((sums[num] / sums[den].where(sums[den] > 0)).to_numpy(float))

    out["satisfied_defector_share"] = ratio("satisfied_defectors", "defectors")
    out["recovered_return_rate"] = ratio("recovered_returned", "recovered_followups")
    out["unvoiced_return_rate"] = ratio("unvoiced_returned", "unvoiced_followups")
    per_firm = firms.groupby(["firm", "replicate"], sort=False)[["retained", "at_risk"]].sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = per_firm["retained"] / per_firm["at_risk"].where(per_firm["at_risk"] > 0)
    for name, summary in out.get("firms", {}).items():
        if name in rate.index.get_level_values(0):
            summary["retention"] = mean_ci(rate.loc[name].to_numpy(float))

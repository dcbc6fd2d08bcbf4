"""Customers as a struct of numpy arrays, with a read-only view of one customer for inspection.

Building a Mesa ``Agent`` per customer costs about 1 KB and 10 µs each and forces Python loops
into the step, so the population lives in arrays (one row per customer, one column per firm)
and ``Customer`` is a snapshot view of row *i* built only when someone asks for it.

The arrays every mechanism can rely on are created here; the relationship state (ladder rung,
opinion, ...) is declared by the mechanisms that own it (``sim.mechanisms.state``) and
allocated on the population when the model is built.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from sim.kernels import NO_FIRM


class CustomerPopulation:
    """All customers of one market as arrays.

    Attributes:
        n: number of customers.
        n_firms: number of firm columns (every firm of the scenario, including later entrants).
        segment: (N,) segment index of each customer.
        weights: (N, D) value weights per dimension.
        price_sensitivity: (N,) net value lost per unit of perceived price.
        reference_price: (N,) the price each customer judges offers against.
        supplier: (N,) current supplier (firm index) or ``NO_FIRM``.
        aware: (N, F) whether the customer knows the firm.
        value_shift: (N, F) additive shift of PUV from word of mouth, learning, promises, ...
        satisfaction, trust: (N, F) relationship state per customer and firm, in [0, 1].
        loyalty: (N,) loyalty bonus toward the current supplier (net-value units).
        switching_cost: (N,) cost of leaving the current supplier (net-value units).
    """

    def __init__(self, n: int, n_firms: int, n_dims: int):
        self.n = n
        self.n_firms = n_firms
        self.segment = np.zeros(n, dtype=np.int16)
        self.weights = np.zeros((n, n_dims))
        self.price_sensitivity = np.zeros(n)
        self.reference_price = np.ones(n)
        self.supplier = np.full(n, NO_FIRM, dtype=np.int32)
        self.previous_supplier = np.full(n, NO_FIRM, dtype=np.int32)
        self.aware = np.zeros((n, n_firms), dtype=bool)
        self.value_shift = np.zeros((n, n_firms))
        self.satisfaction = np.full((n, n_firms), np.nan)
        self.trust = np.full((n, n_firms), 0.5)
        self.loyalty = np.zeros(n)
        self.switching_cost = np.zeros(n)
        # Filled each step by the perception and choice phases.
        self.puv = np.zeros((n, n_firms))
        self.pp = np.zeros((n, n_firms))
        self.bought = np.zeros(n, dtype=bool)
        self.choice = np.full(n, NO_FIRM, dtype=np.int32)

    @classmethod
    def from_segments(cls, market, n_firms: int, rng: np.random.Generator, reference_price: float):
        """Draw a population from the scenario's segments.

        Segment sizes are exact (largest-remainder rounding of ``share × customers``), so the
        population is the same whatever the seed; only the within-segment spread is random.
        Spread is log-normal with sigma = ``heterogeneity``, applied to each weight, to the
        price sensitivity and to the reference price; ``heterogeneity: 0`` gives identical
        customers.
        """
        dims = market.dimensions
        pop = cls(market.customers, n_firms, len(dims))
        sizes = _apportion(market.customers, [s.share for s in market.segments])
        start = 0
        for k, (seg, size) in enumerate(zip(market.segments, sizes, strict=True)):
            rows = slice(start, start + size)
            start += size
            base = np.array([seg.weights.get(d, 0.0) for d in dims])
            pop.segment[rows] = k
            pop.weights[rows] = base[None, :] * _spread(rng, seg.heterogeneity, (size, len(dims)))
            pop.price_sensitivity[rows] = seg.price_sensitivity * _spread(
                rng, seg.heterogeneity, size
            )
            pop.reference_price[rows] = reference_price * _spread(rng, seg.heterogeneity / 2, size)
        return pop

    def customer(self, i: int, firm_names: list[str], segment_names: list[str],
                 **relationship) -> Customer:
        """A read-only snapshot of customer ``i``.

        ``relationship`` holds the relationship fields of ``Customer`` (rung, opinion, ...),
        which the model reads from the arrays its mechanisms keep.
        """
        s = self.supplier[i]
        return Customer(
            index=int(i),
            segment=segment_names[self.segment[i]],
            weights=self.weights[i].copy(),
            price_sensitivity=float(self.price_sensitivity[i]),
            reference_price=float(self.reference_price[i]),
            supplier=firm_names[s] if s >= 0 else None,
            aware_of=[firm_names[f] for f in np.nonzero(self.aware[i])[0]],
            puv=dict(zip(firm_names, self.puv[i].tolist(), strict=True)),
            pp=dict(zip(firm_names, self.pp[i].tolist(), strict=True)),
            satisfaction=dict(zip(firm_names, self.satisfaction[i].tolist(), strict=True)),
            trust=dict(zip(firm_names, self.trust[i].tolist(), strict=True)),
            loyalty=float(self.loyalty[i]),
            switching_cost=float(self.switching_cost[i]),
            **relationship,
        )

    def nbytes(self) -> int:
        """Memory held by the population's arrays."""
        return sum(v.nbytes for v in vars(self).values() if isinstance(v, np.ndarray))


@dataclasses.dataclass(frozen=True)
class Customer:
    """A snapshot of one customer, for inspection in notebooks, tests and the dashboard."""

    index: int
    segment: str
    weights: np.ndarray
    price_sensitivity: float
    reference_price: float
    supplier: str | None
    aware_of: list[str]
    puv: dict[str, float]
    pp: dict[str, float]
    satisfaction: dict[str, float]
    trust: dict[str, float]
    loyalty: float
    switching_cost: float
    # Relationship state (present once the relationship loop is set up, i.e. in a MarketModel):
    rung: dict[str, str] | None = None           # ladder rung with each firm ("prospect", ...)
    opinion: dict[str, float] | None = None      # hearsay/complaint/contact shift of each PUV
    known_by: dict[str, float] | None = None     # what each firm has learned of the customer
    share_of_wallet: dict[str, float] | None = None
    zone: tuple[float, float] | None = None      # (adequate, desired) performance levels
    tenure: int | None = None                    # steps with the current supplier


def _spread(rng: np.random.Generator, sigma: float, size) -> np.ndarray:
    """Mean-one log-normal multipliers (exactly ones when sigma is 0, drawing nothing)."""
    if sigma <= 0:
        return np.ones(size)
    return rng.lognormal(mean=-0.5 * sigma**2, sigma=sigma, size=size)


def _apportion(total: int, shares: list[float]) -> list[int]:
    """Split ``total`` into integer parts proportional to ``shares`` (largest remainder)."""
    raw = np.array(shares) / sum(shares) * total
    sizes = np.floor(raw).astype(int)
    for k in np.argsort(-(raw - sizes), kind="stable")[: total - sizes.sum()]:
        sizes[k] += 1
    return sizes.tolist()

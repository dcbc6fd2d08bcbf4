"""``MarketModel``: the customer-matrix market as a Mesa model with a vectorised core.

Firms are Mesa agents; customers are rows of numpy arrays (``agents.customer``). One step is a
fixed sequence of phases — the order is part of the model (DESIGN.md §5, docs/model.md):

1. firms decide            (each firm's strategy, on last step's public figures)
2. events apply            (entries, exits, scripted changes)
   programmes                (employees → delivery, quality investment, advertising)
   promises                  (firms' promises reach customers and set their expectations)
3. customers perceive      (PUV and PP of every offer they know)
4. purchase and choice     (multinomial logit over known offers; heavy users buy more units)
5. experience              (performance vs expectation → satisfaction; promises and
                            participation move the buyer's zone of tolerance first, then
                            participants gain trust, save cost and are trained)
6. complaints and recovery
7. word of mouth           (then proactive contacts and contact fatigue)
8. relationships update    (opinions fade; trust, ladder, learning, bonds, loyalty,
                            expectations and reference price, customer value,
                            care for customers by estimated value)
9. firms account           (revenue, cost, profit, cash)
10. data collection        (per-firm and per-segment aggregates from the arrays)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from agents.customer import Customer, CustomerPopulation
from agents.firm import Firm
from agents.strategies import MarketView
from sim.collect import Recorder
from sim.mechanisms import (
    MODULES,
    accounting,
    bonds,
    choice,
    complaints,
    customer_value,
    expectations,
    fatigue,
    ladder,
    learning,
    lifecycle,
    loyalty,
    opinion,
    participation,
    perception,
    programmes,
    promises,
    relationships,
    satisfaction,
    targeting,
    word_of_mouth,
)
from sim.mechanisms import state as mechanism_state
from sim.panel import PanelRecorder
from sim.scenario import Scenario, load_scenario, validate_scenario
from sim.scenario.schema import entry_steps


class MarketModel(mesa.Model):
    """A market of firms competing for customers on perceived price and perceived use value.

    Args:
        scenario: a validated ``Scenario``, a path or shipped name, or a plain mapping.
        seed: an int, or a ``numpy.random.SeedSequence`` (one per replicate); default the
            scenario's ``seed``. All randomness comes from ``self.rng``, seeded from it.
        replicate: replicate number written in the output tables.
        panel: consumer-panel size (``sim.panel``); default the scenario's ``outputs.panel``,
            0 for none. Its sample comes from a stream of its own: no other result changes.

    Attributes:
        spec: the validated scenario (``self.scenario`` is Mesa's own, unrelated object).
        firms: the ``Firm`` agents in scenario order; ``firm.index`` is their array column.
        population: the customers' arrays.
        step_stats: per-firm counters of the current step (units, new/lost customers, ...).
    """

    def __init__(self, scenario: Scenario | str | Path | dict, seed: Any = None, replicate: int = 0,
                 panel: int | None = None):
        spec = _coerce(scenario)
        #: The phases ``step`` runs, in order: ``PHASES``, unless a tool watching this one model
        #: (``sim.explain``, a profiler, a test) replaces an entry for it.
        self.phases = PHASES
        seed = spec.seed if seed is None else seed
        seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        super().__init__(rng=np.random.default_rng(seq))
        self.spec = spec
        # Mechanisms add per-firm output columns by appending ``provider(model) -> {name: (F,)}``.
        self.column_providers: list[Callable[[MarketModel], dict[str, np.ndarray]]] = []
        self.dimensions = list(spec.market.dimensions)
        self.segment_names = [s.name for s in spec.market.segments]
        enter_at = entry_steps(spec)
        self.firms = [Firm(self, f, i, self.dimensions, enter_at[f.name],
                           on_programmes=programmes.set_relationship_level)
                      for i, f in enumerate(spec.firms)]
        self.firm_by_name = {f.name: f for f in self.firms}
        self.n_firms = len(self.firms)
        self.events_at: dict[int, list] = {}
        for event in spec.events:
            self.events_at.setdefault(event.at, []).append(event)
        self.reference_price0 = spec.market.reference_price or float(
            np.mean([f.price for f in self.firms if f.active])
        )
        self.price_index = 1.0
        self.population = CustomerPopulation.from_segments(
            spec.market, self.n_firms, self.rng, self.reference_price0
        )
        mechanism_state.install(self, MODULES)  # every mechanism's arrays and attributes
        self._reset_step_stats()
        for firm in self.firms:
            if firm.active:
                lifecycle.enter(self, firm)
                firm.entered_at = 0
        choice.initial_suppliers(self)
        for setup in SETUP:
            setup(self)
        self.column_providers.append(relationships.firm_columns)
        self.last_shares = np.zeros(self.n_firms)
        self.last_pp = np.full(self.n_firms, np.nan)
        self.last_puv = np.full(self.n_firms, np.nan)
        self.recorder = Recorder(replicate)
        size = spec.outputs.panel if panel is None else int(panel)
        self.panel = PanelRecorder(self, seq, size, replicate) if size > 0 else None
        programmes.install(self)

    # -- the step ----------------------------------------------------------------------------
    def step(self) -> None:
        """Advance one period: every phase of ``self.phases`` in order (the module docstring)."""
        self._reset_step_stats()
        for _, phase in self.phases:
            phase(self)

    def run(self, steps: int | None = None, progress=None) -> None:
        """Run ``steps`` periods (default the scenario's), calling ``progress()`` after each."""
        for _ in range(self.spec.steps if steps is None else steps):
            self.step()
            if progress is not None:
                progress()

    def hand_in(self, firm_name: str, action) -> None:
        """Hand a decision (an ``Action``) to a ``human`` firm; it applies at the next step."""
        firm = self.firm_by_name[firm_name]
        if not hasattr(firm.policy, "hand_in"):
            raise ValueError(f"firm {firm_name!r} is not run by a human (strategy type 'human')")
        firm.check_action(action)  # refuse a bad decision now, not in the middle of a step
        firm.policy.hand_in(action)

    def firms_decide(self) -> None:
        """Every active firm's strategy acts on last step's public figures."""
        view = self.market_view()
        for firm in self.firms:
            firm.decide(view)

    # -- what phases and strategies read -----------------------------------------------------
    def prices(self) -> np.ndarray:
        """(F,) posted prices."""
        return np.array([f.price for f in self.firms])

    def levels_matrix(self) -> np.ndarray:
        """(F, D) attribute levels."""
        return np.array([f.levels for f in self.firms])  # as np.stack, a third of the cost

    def nonmonetary_costs(self) -> np.ndarray:
        """(F,) non-monetary costs."""
        return np.array([f.nonmonetary_cost for f in self.firms])

    def active_mask(self) -> np.ndarray:
        """(F,) which firms are on the market."""
        return np.array([f.active for f in self.firms])

    def available(self) -> np.ndarray:
        """(N, F) offers each customer can choose: known and on the market."""
        if self.spec.mechanisms.all_off():
            return np.broadcast_to(self.active_mask()[None, :], self.population.aware.shape)
        return self.population.aware & self.active_mask()[None, :]

    def market_view(self) -> MarketView:
        """Read-only public figures of the last step, for strategies."""
        return MarketView(
            step=self.steps,
            names=tuple(f.name for f in self.firms),
            dimensions=tuple(self.dimensions),
            active=self.active_mask(),
            prices=self.prices(),
            levels=self.levels_matrix(),
            unit_costs=np.array([f.unit_cost() for f in self.firms]),
            shares=self.last_shares.copy(),
            profits=np.array([f.profit for f in self.firms]),
            pp=self.last_pp.copy(),
            puv=self.last_puv.copy(),
            reference_price=self.reference_price0 * self.price_index,
        )

    def extra_firm_columns(self) -> dict[str, np.ndarray]:
        """Per-firm values that mechanisms add to the firms table (name → (F,) array)."""
        columns: dict[str, np.ndarray] = {}
        for provider in self.column_providers:
            columns.update(provider(self))
        return columns

    # -- inspection --------------------------------------------------------------------------
    def customer(self, i: int) -> Customer:
        """A read-only snapshot of customer ``i`` (no Mesa agent per customer is kept)."""
        return self.population.customer(i, [f.name for f in self.firms], self.segment_names,
                                        **relationships.customer_view(self, i))

    def firms_frame(self):
        """The firms table recorded so far (pandas DataFrame)."""
        return self.recorder.firms_frame()

    def segments_frame(self):
        """The segments table recorded so far (pandas DataFrame)."""
        return self.recorder.segments_frame()

    # -- internals ---------------------------------------------------------------------------
    def _reset_step_stats(self) -> None:
        # Per-firm counters of this step; any mechanism may count into a new key.
        n = self.n_firms
        self.step_stats: defaultdict[str, np.ndarray] = defaultdict(lambda: np.zeros(n))

    def _remember_public_figures(self) -> None:
        units = self.step_stats["units"]
        total = units.sum()
        self.last_shares = units / total if total > 0 else np.zeros(self.n_firms)
        # the recorder's mean PP and PUV of the firms on the market (with none left on the
        # market, each firm's figures of the last step it was there)
        active = self.active_mask()
        if self.recorder.public_pp is None:
            self.last_pp = np.full(self.n_firms, np.nan)
            self.last_puv = np.full(self.n_firms, np.nan)
        elif active.any():
            self.last_pp = np.where(active, self.recorder.public_pp, np.nan)
            self.last_puv = np.where(active, self.recorder.public_puv, np.nan)
        else:
            self.last_pp = self.recorder.public_pp.copy()
            self.last_puv = self.recorder.public_puv.copy()


def _firms_decide(model: MarketModel) -> None:
    model.firms_decide()


def _record(model: MarketModel) -> None:
    model.recorder.record(model)
    if model.panel is not None:
        model.panel.record(model)


def _remember(model: MarketModel) -> None:
    model._remember_public_figures()


#: Set-up of the mechanisms, in order, once the established market has its suppliers (the
#: arrays they declare are allocated before, by ``sim.mechanisms.state.install``).
SETUP = (
    expectations.setup,                #    zones of tolerance, before the first experience
    satisfaction.setup,                #    one past experience of the current supplier
    ladder.setup,
    fatigue.setup,
    word_of_mouth.setup,               #    the social network
    customer_value.setup,
    promises.setup,
    participation.setup,
    targeting.setup,
)

#: The step, phase by phase (DESIGN.md §5; docs/model.md). Tests walk it to compare each phase
#: with its numpy oracle (``tests/oracles``).
PHASES = (
    ("firms decide", _firms_decide),               # 1. strategies, on last step's figures
    ("events", lifecycle.apply_events),            # 2. entries, exits, scripted changes
    ("programmes", programmes.run),
    ("promises reach customers", promises.communicate),
    ("perceive", perception.perceive),             # 3.
    ("purchase", choice.purchase),                 # 4.
    ("volume", targeting.count_volume),            #    heavy users buy several units
    ("promise frame", promises.frame),             # 5. the promise and participation move
    ("participation frame", participation.frame),  #    the zone, buyers judge performance
    ("experience", satisfaction.experience),       #    against it,
    ("participation settle", participation.settle),  # zones back (reverse order): control,
    ("promise settle", promises.settle),           #    training, expectations corrected
    ("complaints", complaints.complain),           # 6. voice, recovery, quiet exit
    ("word of mouth", word_of_mouth.talk),         # 7. word of mouth, then proactive contacts
    ("contacts", fatigue.contact),
    ("opinions fade", opinion.decay_opinions),     # 8. relationships update
    ("trust", loyalty.update),
    ("ladder", ladder.update),                     #    rung, tenure
    ("learning", learning.update),                 #    knowledge → customer sacrifice shrinks
    ("bonds", bonds.update),                       #    switching costs
    ("loyalty", loyalty.refresh),                  #    loyalty bonus
    ("expectations", expectations.update),         #    adequate/desired, reference price
    ("customer value", customer_value.update),     #    share of wallet, retention
    ("care", targeting.care),                      #    care for customers by estimated value
    ("account", accounting.account),               # 9.
    ("record", _record),                           # 10. per-firm and per-segment aggregates
    ("public figures", _remember),
)


def _coerce(scenario) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, dict):
        return validate_scenario(scenario)
    return load_scenario(scenario)

"""Oracle of ``sim.mechanisms.targeting``: heavy users' units in plain numpy.

``care`` has no separate reference: its production code is plain numpy already (a partial sort
per targeting firm), so a second copy here would check nothing.
"""

from __future__ import annotations

import numpy as np


def count_volume(model) -> None:
    """Each purchase counts ``volume`` units: add ``volume − 1`` per buyer to the firm's units."""
    pop = model.population
    if pop.volume is None:
        return
    b = pop.bought
    extra = np.bincount(pop.choice[b], weights=pop.volume[b] - 1.0, minlength=model.n_firms)
    model.step_stats["units"] = model.step_stats["units"] + extra

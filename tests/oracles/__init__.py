"""Test oracles: the numpy reference of every compiled phase of the step.

The product runs one implementation per phase, the compiled (numba) passes in
``sim/mechanisms/``. Each module here re-states a mechanism module's phases in plain vectorised
numpy — the readable reference the compiled passes were written from — under the same function
names (``oracles.satisfaction.experience`` is the reference of
``sim.mechanisms.satisfaction.experience``). ``harness.check_phase`` runs a phase both ways from
the same model state and the same random draws; discrete outcomes (choices, switches, counts,
rungs) must be equal and floats equal to a tight tolerance.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable


def oracle_of(phase: Callable) -> Callable | None:
    """The numpy reference of a production phase function, or None if it has none."""
    module = phase.__module__
    if not module.startswith("sim.mechanisms."):
        return None
    try:
        oracle = importlib.import_module(f"oracles.{module.rsplit('.', 1)[-1]}")
    except ModuleNotFoundError:
        return None
    return getattr(oracle, phase.__name__, None)


class ChunkDraws:
    """Draws like a numpy ``Generator``, chunk by chunk from a model's ``ChunkStreams``.

    ``random(shape)`` and ``standard_normal(size)`` give what a compiled pass draws from the
    same streams: rows of chunk c (``fast.CHUNK`` rows each) from generator c, in row order.
    """

    def __init__(self, streams):
        self.streams = streams

    def _draw(self, method: str, shape):
        import numpy as np

        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        rows, rest = shape[0], shape[1:]
        parts = [getattr(g, method)((k, *rest)) for g, k in
                 zip(self.streams.generators, self.streams.chunk_rows(rows), strict=False)]
        return np.concatenate(parts) if parts else np.empty(shape)

    def random(self, shape):
        return self._draw("random", shape)

    def random_by_chunk(self, rows, chunk: int, width: int):
        """(len(rows), width) uniforms: the rows (ascending) of row chunk c from generator c.

        What a pass draws when only some rows of each chunk of ``chunk`` rows draw, each
        ``width`` uniforms in turn.
        """
        import numpy as np

        chunks = np.asarray(rows, dtype=np.int64) // chunk
        counts = np.bincount(chunks, minlength=1)
        parts = [self.streams.generators[c].random((k, width)) for c, k in enumerate(counts)]
        return np.concatenate(parts) if len(rows) else np.empty((0, width))

    def standard_normal(self, size):
        return self._draw("standard_normal", size)

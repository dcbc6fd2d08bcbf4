"""Random streams that the parallel passes draw from: one numpy generator per chunk of rows.

A parallel pass runs over fixed chunks of ``fast.CHUNK`` rows (customers, or buyers). When it
needs random numbers, chunk c draws them, in row order, from generator c of a
:class:`ChunkStreams`: numpy ``Generator`` objects (PCG64) spawned from the model's seed. numba
calls those generators directly inside the compiled loop, and its ``Generator.random`` and
``standard_normal`` give exactly the numbers numpy's methods give for the same generator state
(``tests/perf/test_streams.py``). So

- the draws are made by both threads, inside the pass that uses them, with no buffer;
- chunk c's numbers do not depend on the number of threads, or on which thread ran the chunk
  (the chunks are fixed by the rows, not by the threads): results are byte-identical with 1, 2
  or 64 threads;
- every number still comes from a seeded numpy generator, and the oracles in ``tests/oracles``
  draw the same numbers with plain numpy (``generators[c].random(size)``).

A model keeps one ``ChunkStreams`` per purpose (the choice noise, the relationship loop), each
spawned from its own branch of the seed sequence, so switching a relationship mechanism off
leaves the choice noise as it was (common random numbers, as ``relationship_generator``).
"""

from __future__ import annotations

import numba
import numpy as np
from numba.typed import List

from sim import fast


class ChunkStreams:
    """One generator per chunk of ``fast.CHUNK`` rows, for up to ``rows`` rows.

    Attributes:
        generators: the numpy generators, chunk by chunk.
        typed: the same generators as a numba typed list (what the compiled passes take).
    """

    def __init__(self, seq: np.random.SeedSequence, rows: int):
        self.generators = [np.random.Generator(np.random.PCG64(s))
                           for s in seq.spawn(fast.n_chunks(rows))]
        self.typed = List(self.generators)

    def __len__(self) -> int:
        return len(self.generators)

    def chunk_rows(self, rows: int) -> list[int]:
        """Rows of each chunk when ``rows`` rows are drawn for (the last chunk may be short)."""
        chunks = fast.n_chunks(rows) if rows else 0
        if chunks > len(self.generators):
            raise ValueError(f"{rows} rows need {chunks} streams; there are {len(self)}")
        return [min(fast.CHUNK, rows - c * fast.CHUNK) for c in range(chunks)]

    @property
    def state(self) -> list[dict]:
        """Every generator's bit-generator state (to save and restore a model's draws)."""
        return [g.bit_generator.state for g in self.generators]

    @state.setter
    def state(self, states: list[dict]) -> None:
        for g, s in zip(self.generators, states, strict=True):
            g.bit_generator.state = s


def chunk_streams(rng: np.random.Generator, key: int, rows: int) -> ChunkStreams:
    """Streams for ``rows`` rows, derived from ``rng``'s seed sequence and a spawn ``key``.

    The same seed and key give the same streams; different keys give independent ones. A
    generator built without a seed sequence seeds them from one draw of its own instead.
    """
    seq = getattr(rng.bit_generator, "seed_seq", None)
    if isinstance(seq, np.random.SeedSequence):
        seq = np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, key),
                                     pool_size=seq.pool_size)
    else:
        seq = np.random.SeedSequence(int(rng.integers(2**63)))
    return ChunkStreams(seq, rows)


def uniforms(streams: ChunkStreams, shape) -> np.ndarray:
    """Uniforms in [0, 1) of ``shape`` (rows, ...): row chunk c from generator c, in parallel.

    Equal to ``np.concatenate([generators[c].random((rows in chunk c, ...)) for c])``.
    """
    out = np.empty(shape)
    streams.chunk_rows(out.shape[0])  # enough streams?
    if out.size:
        _fill_uniforms(streams.typed, out.reshape(out.shape[0], -1), fast.CHUNK)
    return out


@fast.pjit
def _fill_uniforms(generators, out, chunk):
    """``out[i, j]`` ← the next uniform of generator ``i // chunk``, rows in order."""
    n_rows, width = out.shape
    for c in numba.prange((n_rows + chunk - 1) // chunk):
        g = generators[np.int64(c)]
        for i in range(c * chunk, min(n_rows, (c + 1) * chunk)):
            for j in range(width):
                out[i, j] = g.random()

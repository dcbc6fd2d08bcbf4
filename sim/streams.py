"""Random streams that the parallel passes draw from: one numpy generator per chunk of rows.

A parallel pass runs over fixed chunks of ``fast.CHUNK`` rows (customers, or buyers). When it
needs random numbers, chunk c draws them, in row order, from generator c of a
:class:`ChunkStreams`: numpy ``Generator`` objects (PCG64) spawned from the model's seed. The
compiled loop calls each generator's own C functions through the addresses numpy publishes
(``bit_generator.ctypes``; :func:`uniform`, and :func:`normal`, numpy's ziggurat on the same
tables), so it draws exactly the numbers ``generators[c].random()`` and ``standard_normal()``
give for the same state (``tests/perf/test_streams.py``). (Passing the ``Generator`` objects
themselves, in a numba typed list, did the same but cost every process half a second of
compiling the list on its first model.) So

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

import ctypes

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic
from numba.np.random._constants import (  # numpy's ziggurat tables, as numba copies them
    fi_double,
    ki_double,
    wi_double,
    ziggurat_nor_inv_r,
    ziggurat_nor_r,
)

from sim import fast


class ChunkStreams:
    """One generator per chunk of ``fast.CHUNK`` rows, for up to ``rows`` rows.

    Attributes:
        generators: the numpy generators, chunk by chunk.
        table: (chunks, 3) uint64, what the compiled passes take: row c holds the address of
            generator c's state and of its ``next_uint64`` and ``next_double`` functions. Valid
            while this object (which keeps the generators) lives.
    """

    def __init__(self, seq: np.random.SeedSequence, rows: int):
        self.generators = [np.random.Generator(np.random.PCG64(s))
                           for s in seq.spawn(fast.n_chunks(rows))]
        self.table = np.array([_addresses(g) for g in self.generators], dtype=np.uint64)

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


def _addresses(g: np.random.Generator) -> tuple[int, int, int]:
    c = g.bit_generator.ctypes
    return (c.state_address, ctypes.cast(c.next_uint64, ctypes.c_void_p).value,
            ctypes.cast(c.next_double, ctypes.c_void_p).value)


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
        _fill_uniforms(streams.table, out.reshape(out.shape[0], -1), fast.CHUNK)
    return out


@fast.pjit
def _fill_uniforms(streams, out, chunk):
    """``out[i, j]`` ← the next uniform of stream ``i // chunk``, rows in order."""
    n_rows, width = out.shape
    for c in numba.prange((n_rows + chunk - 1) // chunk):
        for i in range(c * chunk, min(n_rows, (c + 1) * chunk)):
            for j in range(width):
                out[i, j] = uniform(streams, c)


# -- drawing inside a compiled pass ---------------------------------------------------------
# ``streams`` is a ChunkStreams' ``table``; ``c`` the chunk. A change to these functions does
# not by itself invalidate the disk caches of the passes that call them: ``sim.fast`` drops
# the cached passes when this file changes.
@intrinsic
def _next_uint64(typingctx, fn, state):
    """Call the bit generator function at address ``fn`` on the state at ``state``."""
    def codegen(context, builder, signature, args):
        fnty = ir.FunctionType(ir.IntType(64), [ir.IntType(8).as_pointer()])
        call = builder.inttoptr(args[0], fnty.as_pointer())
        return builder.call(call, [builder.inttoptr(args[1], ir.IntType(8).as_pointer())])
    return types.uint64(types.uint64, types.uint64), codegen


@intrinsic
def _next_double(typingctx, fn, state):
    """Call the bit generator function at address ``fn`` on the state at ``state``."""
    def codegen(context, builder, signature, args):
        fnty = ir.FunctionType(ir.DoubleType(), [ir.IntType(8).as_pointer()])
        call = builder.inttoptr(args[0], fnty.as_pointer())
        return builder.call(call, [builder.inttoptr(args[1], ir.IntType(8).as_pointer())])
    return types.float64(types.uint64, types.uint64), codegen


@numba.njit(inline="always", cache=True)
def uniform(streams, c):
    """The next uniform in [0, 1) of stream ``c``: numpy's ``Generator.random()``."""
    return _next_double(streams[c, 2], streams[c, 0])


@numba.njit(inline="always", cache=True, error_model="numpy")
def normal(streams, c):
    """The next standard normal of stream ``c``: numpy's ``Generator.standard_normal()``.

    numpy's ziggurat (256 layers, its tables), as numba also implements it for its
    ``Generator`` support: one 64-bit draw for 99 % of the values.
    """
    state, next_u64, next_f64 = streams[c, 0], streams[c, 1], streams[c, 2]
    while True:
        r = _next_uint64(next_u64, state)
        idx = r & 0xFF
        r >>= 8
        sign = r & 0x1
        rabs = (r >> 1) & 0x000FFFFFFFFFFFFF
        x = rabs * wi_double[idx]
        if sign & 0x1:
            x = -x
        if rabs < ki_double[idx]:
            return x
        if idx == 0:  # the tail
            while True:
                xx = -ziggurat_nor_inv_r * np.log1p(-_next_double(next_f64, state))
                yy = -np.log1p(-_next_double(next_f64, state))
                if yy + yy > xx * xx:
                    return -(ziggurat_nor_r + xx) if (rabs >> 8) & 0x1 else ziggurat_nor_r + xx
        elif ((fi_double[idx - 1] - fi_double[idx]) * _next_double(next_f64, state)
              + fi_double[idx]) < np.exp(-0.5 * x * x):
            return x

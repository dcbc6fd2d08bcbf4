"""The chunk streams the parallel passes draw from (``sim.streams``).

Inside a compiled pass, the generators' own C functions are called through their addresses;
these tests pin down that a pass draws exactly what numpy would from the same generator, that chunk c always takes its numbers
from stream c whatever the thread count, and that a model's streams follow its seed.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest
from oracles import ChunkDraws

from sim import fast, streams
from sim.model import MarketModel
from sim.streams import ChunkStreams


@numba.njit(parallel=True)
def _normals(table, out, chunk):  # the experience pass's way of drawing
    for c in numba.prange((out.shape[0] + chunk - 1) // chunk):
        for i in range(c * chunk, min(out.shape[0], (c + 1) * chunk)):
            out[i] = streams.normal(table, c)


@pytest.mark.parametrize("rows", [1, fast.CHUNK, 3 * fast.CHUNK + 5, 100_000])  # ziggurat tail too
def test_compiled_draws_equal_numpy_draws_of_the_same_generators(rows):
    drawn, reference = (ChunkStreams(np.random.SeedSequence(5), rows) for _ in range(2))
    u = streams.uniforms(drawn, (rows, 3))
    assert np.array_equal(u, ChunkDraws(reference).random((rows, 3)))
    z = np.empty(rows)
    _normals(drawn.table, z, fast.CHUNK)
    assert np.array_equal(z, ChunkDraws(reference).standard_normal(rows))
    assert drawn.state == reference.state  # the Python generators advanced as the pass drew
    assert 0 <= u.min() and u.max() < 1


def test_draws_do_not_depend_on_the_thread_count():
    rows = 9 * fast.CHUNK + 17
    before = fast.threads()
    try:
        out = []
        for n in (1, numba.config.NUMBA_NUM_THREADS):
            fast.set_threads(n)
            s = ChunkStreams(np.random.SeedSequence(9), rows)
            z = np.empty(rows)
            _normals(s.table, z, fast.CHUNK)
            out.append((streams.uniforms(s, (rows, 2)), z))
    finally:
        fast.set_threads(before)
    assert all(np.array_equal(a, b) for a, b in zip(*out, strict=True))


def test_chunks_are_independent_streams_and_state_round_trips():
    s = ChunkStreams(np.random.SeedSequence(1), 4 * fast.CHUNK)
    first = [g.random(4) for g in s.generators]
    assert len({tuple(x) for x in first}) == 4  # four different streams
    saved = s.state
    a = streams.uniforms(s, (4 * fast.CHUNK,))
    s.state = saved
    assert np.array_equal(a, streams.uniforms(s, (4 * fast.CHUNK,)))
    with pytest.raises(ValueError, match="need 5 streams"):
        streams.uniforms(s, (4 * fast.CHUNK + 1,))


def test_model_streams_follow_the_seed_and_are_separate_branches():
    spec = {"name": "t", "steps": 2, "market": {"customers": 500, "dimensions": ["q"],
            "segments": [{"name": "s", "share": 1.0, "weights": {"q": 1.0}}]},
            "firms": [{"name": "A", "price": 10, "attributes": {"q": 0.5}},
                      {"name": "B", "price": 9, "attributes": {"q": 0.4}}]}
    a, b, c = MarketModel(spec, seed=1), MarketModel(spec, seed=1), MarketModel(spec, seed=2)
    assert a.choice_streams.state == b.choice_streams.state
    assert a.choice_streams.state != c.choice_streams.state
    draw = a.choice_streams.generators[0].random()
    assert draw != a.relationship_streams.generators[0].random()
    assert draw != a.relationship_rng.random()

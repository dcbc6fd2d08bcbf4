"""Comparing the compiled and the numpy path of a phase: exact bits, array by array.

Shared by the ``tests/perf/test_fused_*.py`` files. Floats are compared bit for bit (a NaN
must be the same NaN, −0.0 must stay −0.0), every other dtype by value; dtypes and shapes
must match too.
"""

from __future__ import annotations

import numpy as np


def bits(a: np.ndarray) -> np.ndarray:
    """Floats viewed as unsigned integers of the same size (other dtypes unchanged)."""
    a = np.ascontiguousarray(a)
    return a.view(f"u{a.itemsize}") if a.dtype.kind in "fc" else a


def same(a, b) -> bool:
    """Exactly equal: arrays in dtype, shape and bits; tuples and lists item by item."""
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(bits(a), bits(b))
    return a == b


def arrays_of(obj) -> dict[str, np.ndarray]:
    """The numpy arrays among an object's attributes, by name."""
    return {k: v for k, v in vars(obj).items() if isinstance(v, np.ndarray)}


def assert_twins_agree(compiled, plain, what: str, parts=("population",),
                       step_stats: bool = False) -> None:
    """Every array of ``parts``, the counters (optionally) and the relationship draws agree."""
    for part in parts:
        mine, theirs = arrays_of(getattr(compiled, part)), arrays_of(getattr(plain, part))
        assert mine.keys() == theirs.keys(), f"{what}: {part} has different arrays"
        for key, value in mine.items():
            assert value.dtype == theirs[key].dtype, f"{what}: {part}.{key} dtype"
            assert same(value, theirs[key]), f"{what}: {part}.{key} differs"
    if step_stats:
        assert compiled.step_stats.keys() == plain.step_stats.keys(), f"{what}: counter keys"
        for key, value in compiled.step_stats.items():
            assert same(value, plain.step_stats[key]), f"{what}: {key}"
    assert (compiled.relationship_rng.bit_generator.state
            == plain.relationship_rng.bit_generator.state), f"{what}: different draws"

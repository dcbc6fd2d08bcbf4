"""Compilation helpers for the mechanisms' compiled passes (numba).

Each mechanism module keeps its own compiled loops next to its phase functions, decorated with
:func:`jit` (one thread) or :func:`pjit` (parallel over the customers). The loops read the
random numbers the model's own ``Generator`` drew in bulk before the pass, so the random
stream is the model's. Their plain numpy references, used only by the tests, are in
``tests/oracles``.

numba is a runtime dependency: the compiled passes are the product's step.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba


def jit(fn):
    """Compile ``fn`` with numba (cached on disk).

    Keep a loop self-contained in its module: a compiled function that calls a compiled
    helper in another file keeps its disk cache when only that other file changes, and a
    helper taking arrays costs a reference count per array per call.

    ``error_model="numpy"``: a float division by zero gives ±inf or NaN, as in numpy, instead
    of raising ``ZeroDivisionError``. Python's model tests every divisor first, and that branch
    keeps the compiler from vectorising a loop with a division in it (the passes' outputs
    were byte-identical under both models on every shipped scenario; the step got 5–10 %
    faster).
    """
    return numba.njit(cache=True, nogil=True, error_model="numpy")(fn)


def pjit(fn):
    """Compile ``fn`` with numba's parallel loops (``prange``) on the customers.

    Deterministic by construction, whatever the number of threads: a ``prange`` iteration
    writes only its own customer's (or buyer's) entries, the random numbers were drawn
    beforehand by the model's ``Generator``, and per-firm sums are taken per fixed chunk of
    :data:`CHUNK` customers and then added chunk by chunk in order (:func:`n_chunks`), so the
    order of every floating-point addition is fixed by the data, not by the threads.
    """
    return numba.njit(cache=True, nogil=True, parallel=True, error_model="numpy")(fn)


#: Compiled helpers other modules' passes call (``sim.streams``: drawing inside a pass). numba
#: keys a cached pass on its own file only, so a change here would leave passes compiled with
#: the old helpers on disk: :func:`_drop_stale_caches` removes them when these files change.
SHARED_HELPERS = (Path(__file__).with_name("streams.py"),)


def _drop_stale_caches() -> None:
    """Delete the package's numba disk caches if a shared helper changed since they were made.

    The stamp (a hash of the helpers' source) is kept beside the caches, in
    ``sim/__pycache__``. Where that folder cannot be written (an installed, read-only copy:
    its files change only by reinstalling, which numba sees) nothing is done.
    """
    root = Path(__file__).parent
    stamp = hashlib.sha256(b"".join(p.read_bytes() for p in SHARED_HELPERS)).hexdigest()
    marker = root / "__pycache__" / "compiled-helpers.sha256"
    try:
        if marker.read_text() == stamp:
            return
    except OSError:
        pass
    try:
        for cache in (*root.rglob("*.nbi"), *root.rglob("*.nbc")):
            cache.unlink(missing_ok=True)
        marker.parent.mkdir(exist_ok=True)
        marker.write_text(stamp)
    except OSError:
        pass


_drop_stale_caches()

#: Customers per chunk of a parallel pass (and of its sums and random streams, ``sim.streams``).
#: Fixed (not derived from the thread count), so that the sums and the draws, and therefore
#: the results, are the same with 1, 2 or 64 threads. 2048 rather than 4096: at 20,000
#: customers 10 chunks share out over 2 threads more evenly than 5 do (9 % faster a step
#: there, 4 % at 100,000, measured alternating in one process).
CHUNK = 2048


def n_chunks(n: int) -> int:
    """Chunks of :data:`CHUNK` customers covering ``n`` (at least one)."""
    return max(1, -(-n // CHUNK))


#: Environment variable: threads for the compiled passes (default: every core numba sees).
THREADS_ENV = "VALUE_MATRIX_THREADS"


def set_threads(n: int | None = None) -> int:
    """Let the parallel passes use ``n`` threads (None: ``$VALUE_MATRIX_THREADS`` or all cores).

    Results do not depend on it (see :func:`pjit`); worker processes of a multi-process run
    use one thread each, so that workers × threads never exceeds the cores.
    """
    if n is None:
        n = int(os.environ.get(THREADS_ENV) or numba.config.NUMBA_NUM_THREADS)
    n = max(1, min(int(n), numba.config.NUMBA_NUM_THREADS))
    numba.set_num_threads(n)
    return n


if os.environ.get(THREADS_ENV):
    set_threads()


def threads() -> int:
    """Threads the parallel passes use now."""
    return numba.get_num_threads()

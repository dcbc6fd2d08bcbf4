"""The customer matrix and Bowman's strategy clock.

Each firm sits at (PP, PUV). Relative to the market average, its price is *low*, *standard* or
*high*, and so is its value; the 3 × 3 grid gives the clock's eight positions plus the centre:

=========  ==================  =========================  ===========================
           value low           value standard             value high
=========  ==================  =========================  ===========================
price low  1 low_price_low_value  2 low_price             3 hybrid
standard   8 low_value_standard_price  centre             4 differentiation
price high 7 higher_price_low_value  6 higher_price_standard_value  5 focused_differentiation
=========  ==================  =========================  ===========================

Positions 6–8 are the failure positions. "Standard" means within ``tolerance`` (relative) of the
market average; the boundary itself counts as standard.
"""

from __future__ import annotations

import numpy as np

CLOCK_LABELS = (
    "low_price_low_value",
    "low_price",
    "hybrid",
    "differentiation",
    "focused_differentiation",
    "higher_price_standard_value",
    "higher_price_low_value",
    "low_value_standard_price",
    "centre",
)
FAILURE_POSITIONS = ("higher_price_standard_value", "higher_price_low_value", "low_value_standard_price")

# _GRID[price_band][value_band], bands: 0 low, 1 standard, 2 high
_GRID = (
    ("low_price_low_value", "low_price", "hybrid"),
    ("low_value_standard_price", "centre", "differentiation"),
    ("higher_price_low_value", "higher_price_standard_value", "focused_differentiation"),
)

DEFAULT_TOLERANCE = 0.05


def band(relative: np.ndarray | float, tolerance: float = DEFAULT_TOLERANCE) -> np.ndarray:
    """0 below ``-tolerance``, 2 above ``+tolerance``, 1 within (boundaries included)."""
    r = np.asarray(relative, dtype=float)
    edge = tolerance + 1e-9  # the boundary counts as standard despite float rounding
    return np.where(r < -edge, 0, np.where(r > edge, 2, 1))


def classify(
    pp: np.ndarray,
    puv: np.ndarray,
    market_pp: float | None = None,
    market_puv: float | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
) -> list[str]:
    """Strategy-clock label of each firm from its PP and PUV relative to the market average.

    Args:
        pp: (F,) the firms' perceived price.
        puv: (F,) the firms' perceived use value.
        market_pp: the market's reference PP; default the mean over firms (NaN ignored).
        market_puv: the market's reference PUV; default the mean over firms (NaN ignored).
        tolerance: relative distance from the average still counted as "standard".

    Returns:
        One label from ``CLOCK_LABELS`` per firm ("centre" where a coordinate is unknown).
    """
    pp = np.asarray(pp, dtype=float)
    puv = np.asarray(puv, dtype=float)
    if market_pp is None:
        market_pp = _nanmean(pp)
    if market_puv is None:
        market_puv = _nanmean(puv)
    rel_p = _relative(pp, market_pp)
    rel_v = _relative(puv, market_puv)
    pb, vb = band(rel_p, tolerance), band(rel_v, tolerance)
    return [_GRID[p][v] for p, v in zip(pb.tolist(), vb.tolist(), strict=True)]


def _nanmean(x: np.ndarray) -> float:
    """``np.nanmean(x)`` (same sum, same bits) without its overhead; NaN if nothing is finite.

    Called for every recorded step: ``np.nanmean``'s wrappers cost more than the arithmetic.
    """
    if not np.isfinite(x).any():
        return np.nan
    missing = np.isnan(x)
    return float(np.add.reduce(np.where(missing, 0.0, x)) / (x.size - np.count_nonzero(missing)))


def _relative(x: np.ndarray, ref: float) -> np.ndarray:
    """(x − ref) / |ref|, 0 where x is NaN (or everywhere when ref is 0 or not finite)."""
    if not (ref and np.isfinite(ref)):
        return np.zeros_like(x)
    rel = (x - ref) / abs(ref)  # NaN and ±inf propagate quietly; ref is finite and not 0
    return np.where(np.isnan(rel), 0.0, rel)  # ±inf bands as nan_to_num's ±max would

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
        market_pp = float(np.nanmean(pp)) if np.isfinite(pp).any() else np.nan
    if market_puv is None:
        market_puv = float(np.nanmean(puv)) if np.isfinite(puv).any() else np.nan
    rel_p = _relative(pp, market_pp)
    rel_v = _relative(puv, market_puv)
    pb, vb = band(rel_p, tolerance), band(rel_v, tolerance)
    return [_GRID[p][v] for p, v in zip(pb.tolist(), vb.tolist(), strict=True)]


def _relative(x: np.ndarray, ref: float) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = (x - ref) / abs(ref) if ref and np.isfinite(ref) else np.zeros_like(x)
    return np.nan_to_num(rel, nan=0.0)

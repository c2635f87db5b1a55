"""Work shared by the scorers of one household across attack methods and resolutions.

A study scores every method at every rung of the ladder on the same household. Much of that work
does not depend on the method or, below :data:`nilm.signal.FEATURE_PERIOD_S`, on the
rung: the learned attacks read 60-s block means whether the curve is attacked at 1 s, 2 s or
1 min, and the no-information priors of the appliance scores depend only on the attacked grid.
A :class:`Memo` passed to the scorers (``memo=``) computes each such piece once.

Results with a memo are those without, except for one documented choice: a caller may register
the household's own grid at the feature period (:meth:`Memo.use_feature_grid`), resampled from
the same data, to stand for the block means of a finer grid. The two differ only by the rounding
of float sums (and, when the fine grid does not start on a feature-period boundary, by where the
blocks start), and the study always registers it, so its results do not depend on which cells a
job happens to compute.
"""

from __future__ import annotations

from ..signal import aggregate_view, coarsen, feature_factor


class Memo:
    """Per-household memo for :mod:`nilm.privacy` scorers (one study job).

    Keys of :meth:`get` hold ``id()`` of grids; the memo keeps a reference to every grid it
    has returned or been given, so an id is never reused by another object while it lives.
    """

    def __init__(self):
        self._feature = {}
        self._values = {}
        self._keep = {}

    def use_feature_grid(self, fine, coarse) -> None:
        """Let ``coarse`` (the same household at period ``k · fine.period`` with
        ``k = feature_factor(fine.period)``) stand for the block means of ``fine``."""
        k = feature_factor(float(fine.period))
        if k == 1 or abs(float(coarse.period) - k * float(fine.period)) > 1e-9:
            raise ValueError(f"a {fine.period} s grid reads features at {k * fine.period} s, "
                             f"not {coarse.period} s")
        self._feature[id(fine)] = (fine, coarse)

    def forget(self, fine) -> None:
        """Drop the registration of ``fine`` (and so the memo's reference to it)."""
        self._feature.pop(id(fine), None)

    def feature_grid(self, grid):
        """The grid a learned attack reads for ``grid``: itself at the feature period and
        coarser, else the registered grid, else block means (:func:`coarsen`)."""
        k = feature_factor(float(grid.period))
        if k == 1:
            out = grid
        else:
            hit = self._feature.get(id(grid))
            out = hit[1] if hit is not None and hit[0] is grid else coarsen(grid, k)
        self._keep[id(out)] = out
        return out

    def get(self, key, compute):
        """``compute()``, evaluated once per ``key``."""
        if key not in self._values:
            self._values[key] = compute()
        return self._values[key]


def feature_grid(grid, memo: Memo | None, *, mains_only: bool = False):
    """:meth:`Memo.feature_grid` of ``memo``, or block means when there is none (of the
    aggregate alone with ``mains_only``: pooling a year of 1-s sub-meters that an attack does
    not read is most of the cost)."""
    if memo is not None:
        return memo.feature_grid(grid)
    k = feature_factor(float(grid.period))
    if k == 1:
        return grid
    if mains_only:
        grid = aggregate_view(grid)
    return coarsen(grid, k)


def memoised(memo: Memo | None, key, compute):
    """``memo.get(key, compute)``, or ``compute()`` without a memo."""
    return compute() if memo is None else memo.get(key, compute)


__all__ = ["Memo", "feature_grid", "memoised"]

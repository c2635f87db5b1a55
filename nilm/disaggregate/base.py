"""The estimator contract shared by every disaggregator (scikit-learn conventions).

``Model(**params, seed=...)`` stores hyper-parameters only. ``fit(grid)`` learns from the mains and
sub-meters of a training :class:`~nilm.series.Grid` (intervals where anything is NaN are ignored)
and sets attributes ending in ``_`` (at least ``names_`` and ``period_``); it returns ``self``.
``predict(mains)`` takes a Grid or a 1-D float array of mains power (W) at the training period and
returns float32 ``[k, n]`` appliance power in W, ``>= 0``, NaN where the mains is NaN. Algorithms
do not read files or print (progress bars only when asked).
"""

from __future__ import annotations

import numpy as np

from ..series import Grid


class Disaggregator:
    """Base class: parameter handling and input checks. Subclasses implement ``_fit`` and
    ``_predict``."""

    #: subclasses set True when ``_fit`` needs reactive power in ``grid.extra["reactive"]``
    uses_reactive = False
    #: subclasses set True when ``_predict`` already returns float32 values ``>= 0`` (or NaN), so
    #: that ``predict`` skips its clipping pass (a read and a write of the whole output)
    nonnegative_output = False

    def get_params(self, deep: bool = True) -> dict:
        """Hyper-parameters: each argument of ``__init__`` by name, as stored. ``deep`` is
        accepted for scikit-learn's protocol (``sklearn.base.clone`` works on these models);
        no model holds a nested estimator, so it changes nothing."""
        import inspect

        sig = inspect.signature(type(self).__init__)
        return {k: getattr(self, k) for k in sig.parameters if k != "self"}

    def set_params(self, **params):
        """Set hyper-parameters by name; returns self. An unknown name raises ``ValueError``
        (nothing is set then)."""
        valid = self.get_params()
        unknown = sorted(set(params) - set(valid))
        if unknown:
            raise ValueError(f"{type(self).__name__} has no parameter {unknown} "
                             f"(parameters: {sorted(valid)})")
        for k, v in params.items():
            setattr(self, k, v)
        return self

    def clone(self):
        """An unfitted copy: same class, deep copies of the hyper-parameters, no learned
        attribute (what ``sklearn.base.clone`` returns)."""
        import copy

        return type(self)(**copy.deepcopy(self.get_params()))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def fit(self, grid: Grid, names: list[str] | None = None):
        """Learn from ``grid`` (optionally only the appliances in ``names``); returns self."""
        if names is not None:
            grid = grid.select(names)
        if len(grid.names) == 0:
            raise ValueError("fit needs at least one sub-metered appliance in the grid")
        ok = grid.fully_valid()
        if ok.sum() < 2:
            raise ValueError(f"fit needs valid training intervals, got {int(ok.sum())}")
        self.names_ = list(grid.names)
        self.period_ = float(grid.period)
        self._fit(grid, ok)
        return self

    def predict(self, mains) -> np.ndarray:
        """Appliance power ``[k, n]`` in W (float32, >= 0, NaN where mains is NaN)."""
        if not hasattr(self, "names_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted")
        grid = mains if isinstance(mains, Grid) else None
        x = np.asarray(grid.mains if grid is not None else mains, dtype=np.float32)
        if x.ndim != 1:
            raise ValueError("mains must be 1-D")
        if grid is not None and abs(grid.period - self.period_) > 1e-9:
            raise ValueError(f"model fitted at period {self.period_} s, got {grid.period} s")
        out = np.asarray(self._predict(x, grid), dtype=np.float32)
        if not self.nonnegative_output:
            # in place: at 10^6 samples a copy costs as much as CO's whole search
            np.maximum(out, 0.0, out=out)
        missing = ~np.isfinite(x)
        if missing.any():
            out[:, missing] = np.nan
        return out

    def _fit(self, grid: Grid, ok: np.ndarray) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _predict(self, x: np.ndarray, grid: Grid | None) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

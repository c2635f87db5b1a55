"""Combinatorial optimisation (CO) disaggregation (Hart 1985), following NILMTK's CO.

Training learns a few power states per appliance by 1-D k-means on its sub-meter; prediction
explains each mains interval by the state combination whose total is nearest to it (independently
per interval: no temporal model). This is the NILMTK ``CombinatorialOptimisation`` algorithm
(Batra et al. 2014):

* states: NILMTK clusters the sub-meter values above 10 W with k-means and adds an "off" state
  at 0 W. It picks 1 or 2 "on" clusters by silhouette score, but since one cluster has no
  silhouette it ends up with 2 whenever there are two distinct values, i.e. 3 states. Here
  ``n_states=3`` (off + 2 k-means "on" states) is the default, any count can be forced, and
  ``n_states="auto"`` picks the number of on-states (1..3) by silhouette score the way NILMTK
  intends (on a seeded subsample of at most 2000 values, since silhouette is quadratic);
* base load: NILMTK adds the minimum of the mains being disaggregated ("vampire power") as an
  always-on load. Here a constant ``base_load_`` is learned instead from the training data, as the
  ``base_quantile`` quantile of the unmetered remainder ``mains − Σ sub-meters`` (so test data is
  never peeked at), and subtracted from the mains before the search;
* search: the exact nearest combination while the table has at most ``max_combinations`` entries
  (default 2**22: 32 MiB each of sorted totals, codes and cell thresholds, 16 MiB each of the
  cells' two indices, plus a state lookup table of at most ``max_lookup`` entries); beyond that
  the appliances with the
  largest states keep an exact table under the cap and the others are set by coordinate descent
  (see :mod:`nilm.kernels.co`).

References
----------
Hart, G. W. (1992). Nonintrusive appliance load monitoring. Proc. IEEE 80(12), 1870–1891
(first described in Hart 1985, MIT Energy Laboratory report).
Batra, N., Kelly, J., Parson, O., Dutta, H., Knottenbelt, W., Rogers, A., Singh, A. &
Srivastava, M. (2014). NILMTK: an open source toolkit for non-intrusive load monitoring. e-Energy.
"""

from __future__ import annotations

import numpy as np

from ..kernels.co import build_index, search
from ..series import Grid
from .base import Disaggregator

#: NILMTK's ``cluster`` ignores sub-meter values at or below this (W) when finding "on" states
ON_MINIMUM_W = 10.0


def learn_states(values: np.ndarray, n_states: int | str = 3, *, seed: int = 0,
                 max_samples: int = 20_000) -> np.ndarray:
    """Power states of one appliance by 1-D k-means (NILMTK's ``cluster``).

    Parameters
    ----------
    values : float array, W, the appliance's training power (finite values).
    n_states : total number of states including "off" (0 W), or ``"auto"`` (1–3 "on" states by
        silhouette score).
    seed : ``random_state`` of k-means and of the subsampling.
    max_samples : k-means runs on a seeded random subsample of at most this many "on" values.

    Returns
    -------
    float64 sorted distinct states, W, starting with 0.
    """
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    v = np.asarray(values, dtype=np.float64)
    on = v[v > ON_MINIMUM_W]
    if len(on) == 0:
        return np.zeros(1)
    rng = np.random.default_rng(seed)
    if len(on) > max_samples:
        on = rng.choice(on, max_samples, replace=False)
    distinct = len(np.unique(on))

    def centres(k):
        # one thread: 1-D k-means on <= max_samples values is tiny, and OpenMP threads fighting
        # over shared cores made it 30x slower here
        with threadpool_limits(limits=1, user_api="openmp"):
            km = KMeans(n_clusters=k, n_init=3, random_state=seed).fit(on[:, None])
        return km.cluster_centers_.ravel(), km.labels_

    if n_states == "auto":
        from sklearn.metrics import silhouette_score

        sub = rng.choice(len(on), min(len(on), 2000), replace=False)
        best, best_score = centres(1)[0], -np.inf
        for k in range(2, min(3, distinct) + 1):
            c, lab = centres(k)
            if len(np.unique(lab[sub])) < 2:
                continue
            score = silhouette_score(on[sub, None], lab[sub])
            if score > best_score:
                best, best_score = c, score
        c = best
    else:
        k = int(n_states) - 1
        if k < 1:
            return np.zeros(1)
        c = centres(min(k, distinct))[0]
    return np.unique(np.concatenate([[0.0], c]))


class CO(Disaggregator):
    """Combinatorial optimisation (Hart 1985; NILMTK's variant), see the module docstring.

    Parameters
    ----------
    n_states : int or ``"auto"``, states per appliance including off (NILMTK: effectively 3).
    base_quantile : float in [0, 1] or None; quantile of the training remainder
        ``mains − Σ sub-meters`` (W) learned as constant base load; None: no base load.
    max_combinations : int, largest exact combination table.
    max_iter : int, coordinate-descent sweeps when the table is over the cap.
    max_lookup : int, largest table of per-combination state powers (entries, 8 bytes each)
        precomputed to avoid decoding combination codes per sample.
    seed : int, seeds k-means and its subsampling.

    Attributes
    ----------
    states_ : list of float64 arrays, W, per appliance (``names_`` order).
    base_load_ : float, W.
    exact_ : int array, appliances (indices into ``names_``) searched exactly.
    rest_ : int array, appliances set by coordinate descent (empty under the cap).
    """

    #: every output is one of the learned states: 0 W or a k-means centre of values > 10 W
    nonnegative_output = True

    def __init__(self, n_states: int | str = 3, base_quantile: float | None = 0.05,
                 max_combinations: int = 2**22, max_iter: int = 10, max_lookup: int = 2**22,
                 seed: int = 0):
        self.n_states = n_states
        self.base_quantile = base_quantile
        self.max_combinations = max_combinations
        self.max_iter = max_iter
        self.max_lookup = max_lookup
        self.seed = seed

    def _fit(self, grid: Grid, ok: np.ndarray) -> None:
        apps = grid.appliances[:, ok].astype(np.float64)
        self.states_ = [learn_states(a, self.n_states, seed=self.seed + j)
                        for j, a in enumerate(apps)]
        if self.base_quantile is None:
            self.base_load_ = 0.0
        else:
            rem = grid.mains[ok].astype(np.float64) - apps.sum(axis=0)
            self.base_load_ = float(max(0.0, np.quantile(rem, self.base_quantile)))
        # the biggest appliances go in the exact table: their errors would dominate otherwise
        order = sorted(range(len(self.states_)), key=lambda j: -float(self.states_[j].max()))
        size, cut = 1, 0
        for j in order:
            if size * len(self.states_[j]) > self.max_combinations:
                break
            size *= len(self.states_[j])
            cut += 1
        self.exact_ = np.array(sorted(order[:cut]), dtype=np.int64)
        self.rest_ = np.array(order[cut:], dtype=np.int64)
        self._index = build_index([self.states_[j] for j in self.exact_],
                                  [self.states_[j] for j in self.rest_], self.max_lookup)

    def _predict(self, x: np.ndarray, grid: Grid | None) -> np.ndarray:
        return search(x, self._index, offset=self.base_load_, max_iter=self.max_iter,
                      rows=np.concatenate([self.exact_, self.rest_]))

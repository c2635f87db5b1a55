"""Hart's edge-detection disaggregator (steady states, on/off pairs, clusters, labels).

Implements G. W. Hart (1992), "Nonintrusive appliance load monitoring", Proc. IEEE 80(12):
1870-1891, the algorithm NILMTK calls ``Hart85``:

1. **steady states** on the mains: maximal runs whose samples stay within ``noise_w`` W of the run
   mean and last at least ``min_duration_s`` seconds (at least one sample);
2. **edges**: level changes of at least ``min_step_w`` W between consecutive steady states (never
   across a NaN gap, where the change is unknown);
3. **pairs**: each falling edge is matched to the closest preceding unmatched rising edge of the
   same magnitude within ``tol_w + tol_frac * |step|`` (and of the same reactive change when the
   grid carries ``extra["reactive"]``, as UCI does);
4. **clusters**: the pairs of the training mains are grouped by seeded k-means on (P) or (P, Q);
5. **labels**: each cluster takes the sub-metered appliance whose typical on-step (learned from its
   sub-meter in ``fit``: median on-power minus median off-power) is nearest in relative terms,
   when within ``label_tol``; other clusters are unlabelled (their power is not attributed).

Prediction repeats 1-3 on the new mains, assigns each pair to the nearest training cluster, and
paints the cluster's power over the pair's on-span onto the cluster's appliance (painting each
pair's own power instead was measured worse on development data, see docs/benchmarks.md). Three
physical constraints learned in ``fit`` reject what pairing alone gets wrong: a pair longer than
``max_on_factor`` times the appliance's longest training run is not attributed, an appliance
never exceeds its training maximum, and the appliances together never exceed the mains (scaled
down proportionally where they would).

**Resolution.** ``min_duration_s`` is converted to samples with the grid period, so the same model
runs from 1 s to 60 min. At 1 min and coarser a steady state may be a single interval, and a step
falling inside an interval creates a transient interval whose energy share is attributed
fractionally. Appliance runs shorter than one interval are invisible: this is the honest loss of
information the library measures, not a bug.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..kernels import edges as _k
from ..series import Grid
from .base import Disaggregator


@dataclass
class Edges:
    """Edges of a mains signal (sample indices on its grid, power in W, reactive in var).

    ``i0``: first transient sample, ``i1``: first sample of the new steady state, ``before`` /
    ``after``: steady levels either side, ``dq``: reactive change (NaN when unknown).
    """

    i0: np.ndarray
    i1: np.ndarray
    before: np.ndarray
    after: np.ndarray
    dq: np.ndarray

    @property
    def dp(self) -> np.ndarray:
        """Active power change in W (positive: something switched on)."""
        return self.after - self.before

    def __len__(self) -> int:
        return len(self.i0)


def min_samples(min_duration_s: float, period_s: float) -> int:
    """Shortest steady state in samples: ``ceil(min_duration_s / period_s)``, at least 1."""
    if not period_s > 0:
        raise ValueError(f"period must be positive, got {period_s} s")
    return max(1, int(np.ceil(min_duration_s / period_s - 1e-9)))


def _as_f64(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64)


def detect_edges(x, period_s: float, *, q=None, noise_w: float = 15.0,
                 min_duration_s: float = 12.0, min_step_w: float = 30.0) -> Edges:
    """Hart (1992) edges of a regular power signal.

    Parameters
    ----------
    x : array [n], mains active power in W on a regular grid; NaN = missing.
    period_s : float, grid period in s.
    q : array [n] or None, reactive power in var on the same grid.
    noise_w : float, W, steady-state tolerance around the run mean.
    min_duration_s : float, s, shortest steady state (converted with :func:`min_samples`).
    min_step_w : float, W, smallest level change kept as an edge.
    """
    x = _as_f64(x)
    qq = np.empty(0) if q is None else _as_f64(q)
    if qq.size and qq.shape != x.shape:
        raise ValueError(f"reactive power has shape {qq.shape}, mains {x.shape}")
    ss = _k.steady_states(x, qq, float(noise_w), min_samples(min_duration_s, period_s))
    return Edges(*_k.edges_from_states(*ss, float(min_step_w)))


def pair_edges(edges: Edges, period_s: float, *, tol_w: float = 30.0, tol_frac: float = 0.1,
               tol_q: float = 30.0, max_on_s: float = 86400.0
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(on, off, power) of matched rising/falling edges (Hart 1992, sec. V): indices into
    ``edges`` and each pair's power in W, the mean of its two step sizes.

    Parameters
    ----------
    edges : from :func:`detect_edges`.
    period_s : grid period in s.
    tol_w : W, absolute tolerance on ``|dP_on + dP_off|``.
    tol_frac : fraction of the larger step added to the tolerance.
    tol_q : var, absolute tolerance on ``|dQ_on + dQ_off|`` where both are known.
    max_on_s : s, longest on-span considered.
    """
    max_on = max(1, int(max_on_s / period_s))
    return _k.pair_edges(edges.i0, edges.dp, edges.dq, float(tol_w), float(tol_frac),
                         float(tol_q), max_on)


def longest_run(on) -> int:
    """Length in samples of the longest run of True in a boolean array (0 when none)."""
    d = np.diff(np.concatenate([[0], np.asarray(on, dtype=np.int8), [0]]))
    starts, stops = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    return int((stops - starts).max()) if len(starts) else 0


def typical_step(y, min_step_w: float) -> float:
    """An appliance's typical on-step in W from its sub-meter: median of the "on" samples minus
    median of the "off" samples, "on" meaning above ``max(min_step_w / 2, 0.3 * 99th percentile)``.
    0 when the appliance never switches on."""
    y = np.asarray(y, dtype=np.float64)
    y = y[np.isfinite(y)]
    if y.size == 0:
        return 0.0
    thr = max(min_step_w / 2.0, 0.3 * float(np.percentile(y, 99)))
    on = y > thr
    if not on.any():
        return 0.0
    off_level = float(np.median(y[~on])) if (~on).any() else 0.0
    return float(np.median(y[on])) - off_level


def kmeans(X, k: int, seed: int, n_init: int = 10, max_iter: int = 300
           ) -> tuple[np.ndarray, np.ndarray, float]:
    """Seeded k-means of a few thousand points in 1-2 dimensions (Lloyd 1982, k-means++ seeding
    of Arthur & Vassilvitskii 2007), in numpy: ``n_init`` seedings drawn from
    ``numpy.random.default_rng(seed)``, the lowest inertia kept.

    (scikit-learn's OpenMP KMeans costs seconds per call on a shared 2-core machine for such
    sizes, which is why it is not used here.)

    Parameters
    ----------
    X : float array [n, d], features (W, var).  k : clusters (at most the distinct rows).

    Returns
    -------
    centres : float64 [k', d], labels : int64 [n], inertia : float (sum of squared distances).
    """
    X = np.asarray(X, dtype=np.float64)
    n = len(X)
    k = int(min(k, len(np.unique(X, axis=0))))
    rng = np.random.default_rng(seed)
    best = (None, None, np.inf)
    for _ in range(n_init):
        c = X[[rng.integers(n)]]
        d2 = ((X - c[0]) ** 2).sum(axis=1)
        for _j in range(1, k):
            c = np.vstack([c, X[rng.choice(n, p=d2 / d2.sum())]])
            d2 = np.minimum(d2, ((X - c[-1]) ** 2).sum(axis=1))
        lab = None
        for _it in range(max_iter):
            new = np.argmin(((X[:, None, :] - c[None]) ** 2).sum(axis=2), axis=1)
            if lab is not None and np.array_equal(new, lab):
                break
            lab = new
            cnt = np.bincount(lab, minlength=k)
            for j in np.flatnonzero(cnt):
                c[j] = X[lab == j].mean(axis=0)
        inertia = float(((X - c[lab]) ** 2).sum())
        if inertia < best[2]:
            best = (c.copy(), lab, inertia)
    return best


class Hart85(Disaggregator):
    """Hart's edge-detection disaggregator (Hart 1992); see the module docstring.

    Parameters
    ----------
    noise_w : W, steady-state tolerance.
    min_duration_s : s, shortest steady state.
    min_step_w : W, smallest edge.
    tol_w, tol_frac, tol_q : pairing tolerances (W, fraction, var).
    max_on_s : s, longest on-span paired.
    n_clusters : number of k-means clusters of training pairs; ``None``: appliances + 2 (the
        extra clusters absorb unmetered loads), capped at the number of distinct pairs.
    label_tol : a cluster is labelled with the appliance of nearest typical step when
        ``|centroid - step| <= label_tol * step``.
    max_on_factor : a pair labelled with an appliance is dropped when its on-span exceeds
        ``max_on_factor`` times the appliance's longest training run (+ 2 samples).
    use_reactive : use ``grid.extra["reactive"]`` when present.
    seed : seeds k-means.

    Attributes
    ----------
    steps_ : float64 [k], typical on-step of each appliance, W.
    centroids_ : float64 [c, 1 or 2], cluster centres (P in W, then Q in var when used).
    cluster_target_ : int64 [c], appliance row of each cluster, -1 when unlabelled.
    n_train_pairs_ : int, pairs found in the training mains.
    max_power_ : float64 [k], W, training maximum of each sub-meter (the prediction's cap).
    max_on_samples_ : int64 [k], longest training run of each appliance, samples.
    """

    def __init__(self, noise_w: float = 15.0, min_duration_s: float = 12.0,
                 min_step_w: float = 30.0, tol_w: float = 30.0, tol_frac: float = 0.1,
                 tol_q: float = 30.0, max_on_s: float = 86400.0, n_clusters: int | None = None,
                 label_tol: float = 0.5, max_on_factor: float = 1.5, use_reactive: bool = True,
                 seed: int = 0):
        self.noise_w = noise_w
        self.min_duration_s = min_duration_s
        self.min_step_w = min_step_w
        self.tol_w = tol_w
        self.tol_frac = tol_frac
        self.tol_q = tol_q
        self.max_on_s = max_on_s
        self.n_clusters = n_clusters
        self.label_tol = label_tol
        self.max_on_factor = max_on_factor
        self.use_reactive = use_reactive
        self.seed = seed

    def _reactive(self, grid: Grid | None):
        if grid is None or not self.use_reactive:
            return None
        return grid.extra.get("reactive")

    def _pairs(self, x, q):
        ed = detect_edges(x, self.period_, q=q, noise_w=self.noise_w,
                          min_duration_s=self.min_duration_s, min_step_w=self.min_step_w)
        on, off, power = pair_edges(ed, self.period_, tol_w=self.tol_w,
                                    tol_frac=self.tol_frac, tol_q=self.tol_q,
                                    max_on_s=self.max_on_s)
        feats = [power]
        if q is not None:
            feats.append((ed.dq[on] - ed.dq[off]) / 2.0)
        return ed, on, off, np.stack(feats, axis=1)

    def _fit(self, grid: Grid, ok: np.ndarray) -> None:
        app = grid.appliances[:, ok]
        self.steps_ = np.array([typical_step(a, self.min_step_w) for a in app])
        self.max_power_ = np.array([float(np.max(a)) if a.size else 0.0 for a in app])
        # longest training run above half the step, on the full (gappy) timeline so that a run
        # is never joined across a NaN gap
        self.max_on_samples_ = np.array([
            longest_run(np.where(ok, grid.appliances[c], 0.0)
                        > max(self.min_step_w, self.steps_[c]) / 2.0)
            for c in range(len(self.names_))], dtype=np.int64)
        x = np.where(ok, grid.mains, np.nan)
        q = self._reactive(grid)
        if q is not None:
            q = np.where(ok, q, np.nan)
        _, _, _, feats = self._pairs(x, q)
        feats = feats[np.all(np.isfinite(feats), axis=1)]
        self.reactive_ = q is not None and len(feats) > 0
        if not self.reactive_:
            feats = feats[:, :1]
        self.n_train_pairs_ = len(feats)
        n_distinct = len(np.unique(np.round(feats, 6), axis=0)) if len(feats) else 0
        want = len(self.names_) + 2 if self.n_clusters is None else int(self.n_clusters)
        c = min(want, n_distinct)
        if c == 0:
            # no training events (e.g. too coarse a period): the appliances' own steps stand in
            # for clusters, so prediction still attributes matching pairs
            self.centroids_ = self.steps_[:, None].copy()
            self.cluster_target_ = np.arange(len(self.names_), dtype=np.int64)
            return
        self.centroids_ = kmeans(feats, c, self.seed)[0]
        self.cluster_target_ = np.array([self._label(p) for p in self.centroids_[:, 0]],
                                        dtype=np.int64)

    def _label(self, p: float) -> int:
        rel = np.full(len(self.steps_), np.inf)
        pos = self.steps_ > 0
        rel[pos] = np.abs(p - self.steps_[pos]) / self.steps_[pos]
        best = int(np.argmin(rel))
        return best if rel[best] <= self.label_tol else -1

    def _predict(self, x: np.ndarray, grid: Grid | None) -> np.ndarray:
        xx = _as_f64(x)
        q = self._reactive(grid) if self.reactive_ else None
        ed, on, off, feats = self._pairs(xx, q)
        out = np.zeros((len(self.names_), len(xx)), dtype=np.float64)
        if len(on) == 0:
            return out
        cols = feats.shape[1]
        cen = self.centroids_[:, :cols]
        d = np.where(np.isfinite(feats[:, None, :]), (feats[:, None, :] - cen[None]) ** 2, 0.0)
        cluster = np.argmin(d.sum(axis=2), axis=1)
        target = self.cluster_target_[cluster]
        # a pair much longer than any run of its appliance in training is two unrelated edges
        span = ed.i0[off] - ed.i1[on]
        limit = np.ceil(self.max_on_factor * self.max_on_samples_) + 2
        target = np.where((target >= 0) & (span > limit[np.maximum(target, 0)]), -1, target)
        _k.paint_pairs(xx, ed.i0[on], ed.i1[on], ed.before[on], ed.after[on], ed.i0[off],
                       ed.i1[off], ed.before[off], ed.after[off], target,
                       self.centroids_[cluster, 0], out)
        # overlapping pairs of one appliance cannot make it draw more than it ever did in
        # training, and the appliances together cannot draw more than the mains
        np.minimum(out, self.max_power_[:, None], out=out)
        total = out.sum(axis=0)
        # total > max(mains, 0) >= 0 on these samples, so the division below is safe
        over = np.flatnonzero(total > np.where(np.isfinite(xx), np.maximum(xx, 0.0), np.inf))
        out[:, over] *= np.maximum(xx[over], 0.0) / total[over]
        return out

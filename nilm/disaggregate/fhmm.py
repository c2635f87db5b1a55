"""Factorial HMM disaggregation with exact Viterbi decoding over the joint state space.

Implements the FHMM baseline of J. Z. Kolter & M. J. Johnson (2011), "REDD: A public data set for
energy disaggregation research", SustKDD, on the factorial HMM of Z. Ghahramani & M. I. Jordan
(1997), "Factorial hidden Markov models", Machine Learning 29:245-273 (NILMTK's ``FHMMExact``).

Learning (supervised, from sub-meters, one chain per appliance):

* states: seeded 1-D k-means (:func:`kmeans_1d`) on the appliance's power (``n_states``
  clusters, fewer when the sub-meter takes fewer distinct values), sorted; state means in W;
* transitions: counts of state changes between consecutive valid intervals plus
  ``transition_prior`` pseudo-counts per cell (so unseen transitions stay possible), row-normalised;
* initial probabilities: state frequencies (plus the same pseudo-count);
* emission: ``mains ~ N(offset + sum_c mean_c(s_c), sigma**2)``, where ``offset`` (W) and
  ``sigma`` (W, floored at ``min_sigma_w``) are the mean and standard deviation of the training
  residual ``mains - sum_c mean_c(state_c)``. The offset models unmetered loads, which Kolter &
  Johnson's formulation leaves to the noise term; set ``fit_offset=False`` for the original.

Decoding: exact Viterbi with the factorised transition (see :mod:`nilm.kernels.viterbi`): time
``O(n * S * sum_c K_c)``, never the ``S x S`` joint matrix (``S = prod_c K_c``).

Memory of :meth:`FHMM.predict` on ``n`` samples: backpointers ``min(n, L) * S * b`` bytes with
``b = 1`` (uint8) for ``S <= 256``, 2 (uint16) for ``S <= 65536``, else 4 (int32), where
``L = max(1, max_backpointer_bytes // (S * b))``; when ``n > L`` the sequence is decoded in
chunks of ``L`` steps from float64 score checkpoints (``ceil(n / L) * S * 8`` bytes), at the cost
of a second forward pass. Plus ``O(S)`` work buffers, the path (``n * b`` bytes), the decoded
states (``k n`` bytes) and the float32 output (``4 k n`` bytes). With the default 1 GiB budget,
half a year of 1-s samples of 6 appliances with 2 states (S = 64, 1 GB of backpointers) decodes
in one pass (the second pass was a third of FHMM's time in a household-year study); 6
appliances with 3 states (S = 729, uint16) decode in chunks of 736,000 steps.
"""

from __future__ import annotations

import numpy as np

from ..kernels import kmeans as _km
from ..kernels import viterbi as _k
from ..series import Grid
from .base import Disaggregator


def kmeans_1d(y, k: int, seed: int, n_init: int = 10, max_iter: int = 300
              ) -> tuple[np.ndarray, float]:
    """Seeded 1-D k-means (Lloyd 1982 with k-means++ seeding, Arthur & Vassilvitskii 2007).

    In one dimension the clusters of a sorted sample are contiguous, so each Lloyd iteration is
    ``k - 1`` binary searches and prefix-sum differences: ``O(k log n)`` after one sort. The runs
    are one kernel call (:func:`nilm.kernels.kmeans.kmeans_runs`); the random draws are made
    here, in the order of the NumPy formulation it reproduces (``tests/naive.py``).

    Parameters
    ----------
    y : float array, finite values (W).
    k : number of clusters (reduced to the number of distinct values).
    seed : seeds ``numpy.random.default_rng`` for the ``n_init`` k-means++ initialisations.

    Returns
    -------
    centres : float64 [k'], ascending.  inertia : float, sum of squared distances (W^2).
    """
    y = np.sort(np.asarray(y, dtype=np.float64))
    n = len(y)
    if n == 0:
        return np.zeros(1), 0.0
    k = int(min(k, 1 + np.count_nonzero(y[1:] != y[:-1])))
    # deviations from the mean keep the prefix sums of squares well conditioned
    y0 = y - y.mean()
    cs = np.concatenate([[0.0], np.cumsum(y0)])
    cs2 = np.concatenate([[0.0], np.cumsum(y0 * y0)])
    rng = np.random.default_rng(seed)
    starts = np.empty(n_init, dtype=np.int64)
    draws = np.empty((n_init, max(k - 1, 0)))
    for run in range(n_init):
        starts[run] = rng.integers(n)
        for j in range(k - 1):
            draws[run, j] = rng.random()
    cut, inertia = _km.kmeans_runs(y0, cs, cs2, k, starts, draws, max_iter)
    if not np.isfinite(inertia):
        raise ValueError("k-means++ found no mass for a further centre (values too close "
                         "to tell apart after centring)")
    # centres from the original values: the de-meaned prefix sums would leave rounding residue
    # (a cluster of exact zeros must come back as 0 W, not -1e-14)
    return (np.array([y[a:b].mean() for a, b in zip(cut[:-1], cut[1:], strict=True)]),
            max(float(inertia), 0.0))


def kmeans_states(y, n_states: int, seed: int, max_samples: int = 20_000) -> np.ndarray:
    """Sorted state means (W) of one sub-meter by seeded 1-D k-means (:func:`kmeans_1d`) on at
    most ``max_samples`` finite values drawn without replacement with
    ``numpy.random.default_rng(seed)``; fewer states when there are fewer distinct values."""
    y = np.asarray(y, dtype=np.float64)
    y = y[np.isfinite(y)]
    if y.size > max_samples:
        y = np.random.default_rng(seed).choice(y, max_samples, replace=False)
    return kmeans_1d(y, n_states, seed)[0]


def nearest_state(y, means) -> np.ndarray:
    """Index (int64) of the nearest of the sorted ``means`` for each value of ``y`` (1-D)."""
    mid = (means[1:] + means[:-1]) / 2.0
    return np.searchsorted(mid, np.asarray(y, dtype=np.float64)).astype(np.int64)


def backpointer_dtype(n_joint: int) -> type:
    """Smallest unsigned/signed integer type holding joint-state indices ``0 .. n_joint - 1``."""
    if n_joint <= 1 << 8:
        return np.uint8
    if n_joint <= 1 << 16:
        return np.uint16
    return np.int32


def joint_path(x, state_means, log_trans, log_init, offset: float, sigma: float,
               max_backpointer_bytes: int = 1 << 30) -> tuple[np.ndarray, float, np.ndarray]:
    """Exact joint Viterbi path of a factorial HMM with Gaussian emission.

    Parameters
    ----------
    x : array [n], observations (W); NaN = missing. float32 and float64 are read as they are.
    state_means : list of C float arrays [K_c], each chain's state means (W).
    log_trans : list of C arrays [K_c, K_c], log transition probabilities (from row to column).
    log_init : list of C arrays [K_c], log initial probabilities.
    offset : W, added to every joint mean.  sigma : W, emission standard deviation (> 0).
    max_backpointer_bytes : bytes, backpointer budget (see the module docstring).

    Returns
    -------
    path : [n] joint state per step (:func:`backpointer_dtype` of ``S``).
    log_prob : float, log-density of the decoded path and the finite observations.
    comp : int64 [C, S], each chain's state in each joint state.
    """
    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    x = np.ascontiguousarray(x)
    n = len(x)
    ks = np.array([len(m) for m in state_means], dtype=np.int64)
    C = len(ks)
    S = int(np.prod(ks))
    kmax = int(ks.max())
    comp = np.stack(np.unravel_index(np.arange(S), tuple(ks)))  # [C, S] chain state of s
    dt = backpointer_dtype(S)
    if n == 0:
        return np.zeros(0, dtype=dt), 0.0, comp
    mu = offset + sum(np.asarray(state_means[c], dtype=np.float64)[comp[c]] for c in range(C))
    linit = sum(np.asarray(log_init[c], dtype=np.float64)[comp[c]] for c in range(C))
    lt = np.full((C, kmax, kmax), -np.inf)
    for c in range(C):
        lt[c, :ks[c], :ks[c]] = log_trans[c]
    strides = np.array([int(np.prod(ks[c + 1:])) for c in range(C)], dtype=np.int64)
    mu = np.ascontiguousarray(mu)
    linit = np.ascontiguousarray(linit)
    inv_var = 1.0 / float(sigma) ** 2
    chunk = max(1, int(max_backpointer_bytes) // (S * np.dtype(dt).itemsize))
    delta = np.empty(S, dtype=np.float64)
    args = (mu, inv_var, lt, ks, strides, linit)
    if n <= chunk:
        bp = np.empty((n, S), dtype=dt)
        shift = _k.viterbi_forward(x, *args, delta, bp, True, True)
        path, _ = _k.backtrack(bp, int(np.argmax(delta)))
    else:
        path = np.empty(n, dtype=dt)
        scratch = np.empty((1, S), dtype=dt)
        starts = list(range(0, n, chunk))
        checkpoints = []
        shift = 0.0
        for j, t0 in enumerate(starts):
            checkpoints.append(delta.copy())
            shift += _k.viterbi_forward(x[t0:t0 + chunk], *args, delta, scratch, j == 0, False)
        last = int(np.argmax(delta))
        bp = np.empty((chunk, S), dtype=dt)
        for j in range(len(starts) - 1, -1, -1):
            t0 = starts[j]
            seg = x[t0:t0 + chunk]
            work = checkpoints[j].copy()
            _k.viterbi_forward(seg, *args, work, bp, j == 0, True)
            path[t0:t0 + len(seg)], last = _k.backtrack(bp[:len(seg)], last)
            last = int(last)
    n_obs = int(np.count_nonzero(np.isfinite(x)))
    log_prob = float(delta.max() + shift) - n_obs * float(np.log(sigma * np.sqrt(2 * np.pi)))
    return path, log_prob, comp


def viterbi_factorial(x, state_means, log_trans, log_init, offset: float, sigma: float,
                      max_backpointer_bytes: int = 1 << 30) -> tuple[np.ndarray, float]:
    """Decoded state of each chain along :func:`joint_path` (same parameters).

    Returns
    -------
    states : [C, n] uint8 (int32 when a chain has more than 256 states), decoded state of each
        chain.
    log_prob : float, log-density of the decoded path and the finite observations.
    """
    path, log_prob, comp = joint_path(x, state_means, log_trans, log_init, offset, sigma,
                                      max_backpointer_bytes)
    kmax = max(len(m) for m in state_means)
    return comp.astype(np.uint8 if kmax <= 256 else np.int32)[:, path], log_prob


class FHMM(Disaggregator):
    """Factorial-HMM disaggregator with exact Viterbi (Kolter & Johnson 2011); see the module
    docstring for the model, its memory bound and its cost.

    Parameters
    ----------
    n_states : int or list of int (one per appliance), states per appliance (2-3 usual).
    transition_prior : pseudo-count added to every transition and initial count.
    fit_offset : model the mean of the unmetered residual as a constant load (W).
    min_sigma_w : W, floor of the emission standard deviation.
    max_joint_states : refuse models with more joint states (time and memory guard).
    max_backpointer_bytes : bytes of backpointers before chunked (checkpointed) decoding.
    max_fit_samples : values per sub-meter given to k-means.
    seed : seeds the k-means subsample and initialisation.

    Attributes
    ----------
    means_ : list of float64 [K_c], state means per appliance (W), ascending.
    log_trans_ : list of float64 [K_c, K_c].  log_init_ : list of float64 [K_c].
    offset_ : W.  sigma_ : W.
    """

    def __init__(self, n_states: int | list[int] = 2, transition_prior: float = 1.0,
                 fit_offset: bool = True, min_sigma_w: float = 1.0,
                 max_joint_states: int = 4096, max_backpointer_bytes: int = 1 << 30,
                 max_fit_samples: int = 20_000, seed: int = 0):
        self.n_states = n_states
        self.transition_prior = transition_prior
        self.fit_offset = fit_offset
        self.min_sigma_w = min_sigma_w
        self.max_joint_states = max_joint_states
        self.max_backpointer_bytes = max_backpointer_bytes
        self.max_fit_samples = max_fit_samples
        self.seed = seed

    def _fit(self, grid: Grid, ok: np.ndarray) -> None:
        k = len(self.names_)
        ns = [self.n_states] * k if np.isscalar(self.n_states) else list(self.n_states)
        if len(ns) != k:
            raise ValueError(f"n_states has {len(ns)} entries for {k} appliances")
        S = int(np.prod(ns))
        if S > self.max_joint_states:
            raise ValueError(f"{S} joint states exceed max_joint_states={self.max_joint_states}")
        self.means_, self.log_trans_, self.log_init_ = [], [], []
        fitted = np.zeros(int(ok.sum()), dtype=np.float64)
        for c in range(k):
            y = grid.appliances[c]
            means = kmeans_states(y[ok], ns[c], self.seed + c, self.max_fit_samples)
            pairs, init = _km.state_counts(y, ok, means, fitted)
            counts = pairs + self.transition_prior
            init = init + self.transition_prior
            self.means_.append(means)
            self.log_trans_.append(np.log(counts / counts.sum(axis=1, keepdims=True)))
            self.log_init_.append(np.log(init / init.sum()))
        resid = grid.mains[ok].astype(np.float64) - fitted
        self.offset_ = float(resid.mean()) if self.fit_offset else 0.0
        self.sigma_ = max(float(np.sqrt(np.mean((resid - self.offset_) ** 2))),
                          float(self.min_sigma_w))

    def decode(self, mains) -> tuple[np.ndarray, float]:
        """Decoded states ``[k, n]`` (uint8) and path log-probability for mains power (W)."""
        x = np.asarray(mains.mains if isinstance(mains, Grid) else mains, dtype=np.float64)
        return viterbi_factorial(x, self.means_, self.log_trans_, self.log_init_, self.offset_,
                                 self.sigma_, self.max_backpointer_bytes)

    def _predict(self, x: np.ndarray, grid: Grid | None) -> np.ndarray:
        path, _, comp = joint_path(x, self.means_, self.log_trans_, self.log_init_,
                                   self.offset_, self.sigma_, self.max_backpointer_bytes)
        table = np.stack([np.asarray(m, dtype=np.float32)[comp[c]]
                          for c, m in enumerate(self.means_)])
        return _k.paint(path, table)

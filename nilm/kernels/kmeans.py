"""Kernels of the factorial-HMM fit: seeded 1-D k-means and the state/transition counts.

:func:`kmeans_runs` is the whole of :func:`nilm.disaggregate.fhmm.kmeans_1d` after its sort:
``n_init`` k-means++ initialisations (Arthur & Vassilvitskii 2007) followed by Lloyd iterations
(Lloyd 1982) on the sorted sample, where clusters are contiguous, so an iteration is ``k - 1``
binary searches and prefix-sum differences. It reproduces the NumPy formulation bit for bit: the
random draws are made beforehand by the caller in the same order (``Generator.integers`` for the
first centre, one ``Generator.random`` per further centre, which is what ``Generator.choice``
with ``p`` consumes), each later centre is the first index whose normalised cumulative
probability exceeds the draw (``choice``'s inverse-CDF rule), and the normaliser ``sum(d2)`` is
NumPy's pairwise summation (:func:`pairwise_sum`).

References
----------
Lloyd, S. (1982). Least squares quantization in PCM. IEEE Trans. Inf. Theory 28(2), 129-137.
Arthur, D. & Vassilvitskii, S. (2007). k-means++: the advantages of careful seeding. SODA.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def _block_sum(a, lo, n):
    """NumPy's leaf of the pairwise sum: a plain loop below 8 values, else 8 accumulators."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - n % 8:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@numba.njit(cache=True)
def pairwise_sum(a):
    """Sum of a float64 vector in NumPy's order, so that it equals ``a.sum()`` bit for bit.

    NumPy splits a block of more than 128 values at half its length rounded down to a multiple
    of 8 and adds the two halves' sums; leaves use :func:`_block_sum`. The recursion runs here
    on an explicit stack (a recursive function loaded from Numba's cache crashed).
    """
    n = a.shape[0]
    if n <= 128:
        return _block_sum(a, 0, n)
    depth = 2
    m = n
    while m > 128:
        m = m - (m // 2 - (m // 2) % 8)
        depth += 1
    los = np.empty(depth, np.int64)
    lens = np.empty(depth, np.int64)
    stage = np.empty(depth, np.int64)
    vals = np.empty(depth + 1)
    sp = 0
    los[0], lens[0], stage[0] = 0, n, 0
    vsp = 0
    while sp >= 0:
        lo, m = los[sp], lens[sp]
        if m <= 128:
            vals[vsp] = _block_sum(a, lo, m)
            vsp += 1
            sp -= 1
            continue
        half = m // 2
        half -= half % 8
        if stage[sp] == 0:  # descend into the left half
            stage[sp] = 1
            sp += 1
            los[sp], lens[sp], stage[sp] = lo, half, 0
        elif stage[sp] == 1:  # then the right half
            stage[sp] = 2
            sp += 1
            los[sp], lens[sp], stage[sp] = lo + half, m - half, 0
        else:  # both done: left + right
            vals[vsp - 2] = vals[vsp - 2] + vals[vsp - 1]
            vsp -= 1
            sp -= 1
    return vals[0]


@numba.njit(cache=True)
def _lower_bound(y, v):
    """First index ``i`` with ``y[i] >= v`` in sorted ``y`` (``np.searchsorted``, left)."""
    lo = 0
    hi = y.shape[0]
    while lo < hi:
        mid = (lo + hi) >> 1
        if y[mid] < v:
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(cache=True)
def _cuts(y0, c, cut):
    n = y0.shape[0]
    k = c.shape[0]
    cut[0] = 0
    for j in range(1, k):
        cut[j] = _lower_bound(y0, (c[j] + c[j - 1]) / 2.0)
    cut[k] = n


@numba.njit(cache=True)
def kmeans_runs(y0, cs, cs2, k, starts, draws, max_iter):
    """Best of ``len(starts)`` seeded k-means runs on a sorted, de-meaned sample.

    Parameters
    ----------
    y0 : float64 [n], sorted values minus their mean (W).
    cs, cs2 : float64 [n + 1], prefix sums of ``y0`` and ``y0**2`` (leading 0).
    k : int, clusters (at most the number of distinct values).
    starts : int64 [n_init], index of each run's first centre.
    draws : float64 [n_init, k - 1], uniform draws choosing the further centres.
    max_iter : int, Lloyd iterations per run at most.

    Returns
    -------
    cut : int64 [k + 1], cluster boundaries (indices into ``y0``) of the best run.
    inertia : float, its sum of squared distances (W^2); NaN if a draw found no mass (all
        remaining distances zero), which the caller reports.
    """
    n = y0.shape[0]
    best_inertia = np.inf
    best_cut = np.zeros(k + 1, np.int64)
    c = np.empty(k)
    new = np.empty(k)
    cut = np.empty(k + 1, np.int64)
    d2 = np.empty(n)
    cdf = np.empty(n)
    for run in range(starts.shape[0]):
        c0 = y0[starts[run]]
        for i in range(n):
            d = y0[i] - c0
            d2[i] = d * d
        c[0] = c0
        for j in range(1, k):
            total = pairwise_sum(d2)
            if not total > 0.0:
                return best_cut, np.nan
            acc = 0.0
            for i in range(n):
                acc += d2[i] / total
                cdf[i] = acc
            last = cdf[n - 1]
            u = draws[run, j - 1]
            pick = n - 1
            for i in range(n):
                if cdf[i] / last > u:
                    pick = i
                    break
            cj = y0[pick]
            c[j] = cj
            for i in range(n):
                d = y0[i] - cj
                d2[i] = min(d2[i], d * d)
        c[:] = np.sort(c)
        for _ in range(max_iter):
            _cuts(y0, c, cut)
            same = True
            for j in range(k):
                cnt = cut[j + 1] - cut[j]
                new[j] = (cs[cut[j + 1]] - cs[cut[j]]) / max(cnt, 1) if cnt > 0 else c[j]
                same = same and new[j] == c[j]
            if same:
                break
            c[:] = new
        _cuts(y0, c, cut)
        inertia = 0.0
        for j in range(k):
            cnt = cut[j + 1] - cut[j]
            sums = cs[cut[j + 1]] - cs[cut[j]]
            sq = cs2[cut[j + 1]] - cs2[cut[j]]
            inertia += (sq - 2.0 * c[j] * sums) + cnt * c[j] * c[j]
        if inertia < best_inertia:
            best_inertia = inertia
            best_cut[:] = cut
    return best_cut, best_inertia


@numba.njit(cache=True)
def state_counts(y, ok, means, fitted):
    """Nearest-state labels of one sub-meter and what the FHMM fit counts from them.

    Parameters
    ----------
    y : float [n], the appliance's power (W); read only where ``ok``.
    ok : bool [n], valid training intervals.
    means : float64 [K], sorted state means (W); a value goes to the state whose midpoint
        interval holds it (``np.searchsorted`` of the midpoints, left).
    fitted : float64 [ok.sum()], in place: ``+= means[label]`` at each valid interval in order.

    Returns
    -------
    pairs : int64 [K, K], transitions between consecutive valid intervals.
    init : int64 [K], labels of the valid intervals.
    """
    K = means.shape[0]
    mid = np.empty(max(K - 1, 0))
    for j in range(K - 1):
        mid[j] = (means[j + 1] + means[j]) / 2.0
    pairs = np.zeros((K, K), np.int64)
    init = np.zeros(K, np.int64)
    prev = -1
    m = 0
    for i in range(y.shape[0]):
        if not ok[i]:
            prev = -1
            continue
        v = np.float64(y[i])
        lab = 0
        for j in range(K - 1):
            lab += mid[j] < v
        init[lab] += 1
        if prev >= 0:
            pairs[prev, lab] += 1
        fitted[m] += means[lab]
        m += 1
        prev = lab
    return pairs, init

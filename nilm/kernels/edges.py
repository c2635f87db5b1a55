"""Numba kernels of Hart's edge detector: steady states, edges, on/off pairing, painting.

Implements the event pipeline of G. W. Hart (1992), "Nonintrusive appliance load monitoring",
Proc. IEEE 80(12):1870-1891. Every kernel has a plain-Python twin in ``tests/naive.py``.

Indices are sample positions on a regular grid; power in W (float64 accumulation).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def steady_states(x, q, noise_w, min_len):
    """Hart's steady states: maximal runs whose samples stay within ``noise_w`` of the run mean.

    Parameters
    ----------
    x : float array [n], active power in W; NaN = missing.
    q : float array [n] or [0], reactive power in var (empty: none).
    noise_w : float, W. A finite sample joins the current run when ``|x - run mean| <= noise_w``.
    min_len : int >= 1, samples. Shorter runs are transients, not steady states.

    Returns
    -------
    start, stop : int64 [m], run ``[start, stop)``.
    p_mean : float64 [m], W.  q_mean : float64 [m], var (NaN when ``q`` is empty or all NaN).
    after_gap : bool [m], True when a NaN lies between run ``j - 1`` and run ``j``; the level
        change across a gap is unknown, so no edge is formed there.
    """
    n = x.shape[0]
    has_q = q.shape[0] == n
    start = np.empty(n, np.int64)
    stop = np.empty(n, np.int64)
    p_mean = np.empty(n, np.float64)
    q_mean = np.empty(n, np.float64)
    after_gap = np.empty(n, np.bool_)
    m = 0
    s0 = 0
    cnt = 0
    acc = 0.0
    qacc = 0.0
    qcnt = 0
    gap = False
    for i in range(n + 1):
        v = x[i] if i < n else np.nan
        joins = False
        if i < n and np.isfinite(v) and cnt > 0:
            joins = abs(v - acc / cnt) <= noise_w
        if joins:
            acc += v
            cnt += 1
            if has_q and np.isfinite(q[i]):
                qacc += q[i]
                qcnt += 1
            continue
        # the current run ends before sample i
        if cnt >= min_len:
            start[m] = s0
            stop[m] = i
            p_mean[m] = acc / cnt
            q_mean[m] = qacc / qcnt if qcnt > 0 else np.nan
            after_gap[m] = gap
            gap = False
            m += 1
        if i < n and np.isfinite(v):
            s0 = i
            acc = v
            cnt = 1
            qacc = 0.0
            qcnt = 0
            if has_q and np.isfinite(q[i]):
                qacc = q[i]
                qcnt = 1
        else:
            cnt = 0
            gap = True
    return start[:m], stop[:m], p_mean[:m], q_mean[:m], after_gap[:m]


@numba.njit(cache=True)
def edges_from_states(start, stop, p_mean, q_mean, after_gap, min_step_w):
    """Edges = level changes between consecutive steady states not separated by a gap.

    A steady state of a single sample that lies on a monotone staircase between its neighbours
    (same sign of change on both sides, no gap) is absorbed into one edge: with one-sample steady
    states (coarse periods) a step inside an interval produces such an intermediate mean, and it
    is one event, not two.

    Parameters
    ----------
    start, stop, p_mean, q_mean, after_gap : output of :func:`steady_states`.
    min_step_w : float, W. Changes with ``|dP| < min_step_w`` are not edges.

    Returns
    -------
    i0 : int64 [e], first transient sample (end of the previous steady state).
    i1 : int64 [e], first sample of the new steady state (``i0 <= i1``).
    before, after : float64 [e], steady levels in W on either side.
    dq : float64 [e], reactive change in var (NaN when unknown).
    """
    m = start.shape[0]
    size = max(m - 1, 0)
    i0 = np.empty(size, np.int64)
    i1 = np.empty(size, np.int64)
    before = np.empty(size, np.float64)
    after = np.empty(size, np.float64)
    dq = np.empty(size, np.float64)
    e = 0
    j = 1
    while j < m:
        if after_gap[j]:
            j += 1
            continue
        left = j - 1
        right = j
        d = p_mean[right] - p_mean[left]
        while (right + 1 < m and stop[right] - start[right] == 1 and not after_gap[right + 1]
               and (p_mean[right + 1] - p_mean[right]) * d > 0):
            right += 1
        d = p_mean[right] - p_mean[left]
        if abs(d) >= min_step_w:
            i0[e] = stop[left]
            i1[e] = start[right]
            before[e] = p_mean[left]
            after[e] = p_mean[right]
            dq[e] = q_mean[right] - q_mean[left]
            e += 1
        j = right + 1
    return i0[:e], i1[:e], before[:e], after[:e], dq[:e]


@numba.njit(cache=True)
def pair_edges(i0, dp, dq, tol_w, tol_frac, tol_q, max_on):
    """Match each falling edge to the closest preceding unmatched rising edge of similar size.

    A rising edge ``a`` (``dp[a] > 0``) and a later falling edge ``b`` match when
    ``|dp[a] + dp[b]| <= tol_w + tol_frac * max(dp[a], -dp[b])``, and, where both reactive changes
    are known, ``|dq[a] + dq[b]| <= tol_q + tol_frac * max(|dq[a]|, |dq[b]|)``, and
    ``i0[b] - i0[a] <= max_on`` samples. Among candidates the latest rising edge wins
    (Hart 1992, section V: "closest preceding").

    Parameters
    ----------
    i0 : int64 [e], edge positions (samples, non-decreasing).
    dp : float64 [e], active change in W.  dq : float64 [e], reactive change in var (NaN: unknown).
    tol_w : W.  tol_frac : relative tolerance.  tol_q : var.  max_on : int, samples.

    Returns
    -------
    on, off : int64 [p], indices into the edge arrays, ordered by the falling edge.
    power : float64 [p], W, the pair's own power ``(dp[on] - dp[off]) / 2`` (Hart 1992, sec. V;
        NILMTK's pairing keeps the same mean of the two steps): the feature pairs are clustered on.
    """
    e = i0.shape[0]
    open_ = np.empty(e, np.int64)
    n_open = 0
    on = np.empty(e, np.int64)
    off = np.empty(e, np.int64)
    power = np.empty(e, np.float64)
    p = 0
    for b in range(e):
        if dp[b] > 0:
            open_[n_open] = b
            n_open += 1
            continue
        found = -1
        for k in range(n_open - 1, -1, -1):
            a = open_[k]
            if i0[b] - i0[a] > max_on:
                break
            allowed = tol_w + tol_frac * max(dp[a], -dp[b])
            if abs(dp[a] + dp[b]) > allowed:
                continue
            if np.isfinite(dq[a]) and np.isfinite(dq[b]):
                allowed_q = tol_q + tol_frac * max(abs(dq[a]), abs(dq[b]))
                if abs(dq[a] + dq[b]) > allowed_q:
                    continue
            found = k
            break
        if found >= 0:
            on[p] = open_[found]
            off[p] = b
            power[p] = (dp[open_[found]] - dp[b]) / 2.0
            p += 1
            for k in range(found, n_open - 1):
                open_[k] = open_[k + 1]
            n_open -= 1
    return on[:p], off[:p], power[:p]


@numba.njit(cache=True)
def paint_pairs(x, on_i0, on_i1, on_before, on_after, off_i0, off_i1, off_before, off_after,
                target, power, out):
    """Add each labelled pair's power to ``out[target]`` over its on-span.

    Between the rising and the falling edge the appliance draws ``power`` (W). Transient samples
    (between a steady state and the next) get the fraction of the step the mains has completed,
    clipped to [0, 1], so that a step falling inside a coarse interval contributes its energy share.

    Parameters
    ----------
    x : float [n], mains in W.  on_* / off_* : the rising / falling edge of each pair (from
    :func:`edges_from_states`).  target : int64 [p], row of ``out`` (< 0: unlabelled, skipped).
    power : float64 [p], W.  out : float64 [k, n], accumulated in place.
    """
    for j in range(target.shape[0]):
        r = target[j]
        if r < 0:
            continue
        pw = power[j]
        span = on_after[j] - on_before[j]
        for i in range(on_i0[j], on_i1[j]):
            if np.isfinite(x[i]) and span != 0.0:
                out[r, i] += pw * min(max((x[i] - on_before[j]) / span, 0.0), 1.0)
        for i in range(on_i1[j], off_i0[j]):
            out[r, i] += pw
        span = off_before[j] - off_after[j]
        for i in range(off_i0[j], off_i1[j]):
            if np.isfinite(x[i]) and span != 0.0:
                out[r, i] += pw * min(max((x[i] - off_after[j]) / span, 0.0), 1.0)

"""Numba kernel: zero-order-hold integration of an irregular power series over time bins.

This is the one hot loop behind every change of resolution in nilm (see :mod:`nilm.resample`).
Its naive twin is ``tests/naive.py::hold_integrate``.
"""

from __future__ import annotations

import numba
import numpy as np

#: block length of the 1-s-step check in :func:`_run_sum`
_BLOCK = 64


@numba.njit(cache=True, fastmath={"reassoc"})
def _unit_sum(p, i0, i1):
    """(Σ p, count) over the non-NaN ``p[i0:i1]``: samples held exactly 1 s each."""
    e = 0.0
    for q in range(i0, i1):
        e += np.float64(p[q])
    if e == e:  # no NaN (the usual case): the plain sum is the answer
        return e, i1 - i0
    e = 0.0
    c = 0
    for q in range(i0, i1):
        v = p[q]
        ok = v == v
        e += np.float64(v) if ok else 0.0
        c += 1 if ok else 0
    return e, c


@numba.njit(cache=True, fastmath={"reassoc"})
def _held_sum(t, p, i0, i1, max_gap):
    """(energy W·s, covered s) of ``p[i0:i1]``, each held until the next sample, ≤ max_gap."""
    e = 0.0
    c = 0
    for q in range(i0, i1):
        v = p[q]
        ok = v == v
        d = min(t[q + 1] - t[q], max_gap) if ok else 0
        e += np.float64(v if ok else 0.0) * d
        c += d
    return e, c


@numba.njit(cache=True)
def _run_sum(t, p, i0, i1, max_gap):
    """Energy (W·s) and covered seconds of samples ``i0 <= i < i1``, each held until the next
    sample (at most ``max_gap``), NaN holding nothing; requires ``i1 < len(t)``.

    The loops are branch-free so that they vectorise; ``reassoc`` lets the float64 sums be split
    into SIMD lanes (a fixed order for a given build, so results stay reproducible) while NaN
    tests keep their IEEE meaning. Stretches spaced exactly 1 s apart (the usual case of 1 Hz
    meters: ``t[j] - t[i] == j - i`` for strictly increasing integers means every step is 1 s)
    are summed without reading their time stamps, checked as a whole run, then by blocks."""
    if max_gap < 1:
        return _held_sum(t, p, i0, i1, max_gap)
    if t[i1] - t[i0] == i1 - i0:
        return _unit_sum(p, i0, i1)
    e = 0.0
    c = 0
    i = i0
    while i < i1:
        j = min(i + _BLOCK, i1)
        if t[j] - t[i] == j - i:
            be, bc = _unit_sum(p, i, j)
        else:
            be, bc = _held_sum(t, p, i, j, max_gap)
        e += be
        c += bc
        i = j
    return e, c


@numba.njit(cache=True)
def hold_integrate(t, p, edges, max_gap, last_hold):
    """Energy and covered time of a zero-order-held signal in each bin ``[edges[k], edges[k+1])``.

    Sample ``i`` holds its value ``p[i]`` over ``[t[i], min(t[i+1], t[i] + max_gap))``; the last
    sample holds for ``min(last_hold, max_gap)``. A NaN sample holds *missing*: its span adds
    neither energy nor covered time. Beyond ``max_gap`` the signal is missing, never extrapolated.
    ``±inf`` is not treated as missing: it propagates to the bin, so bad values stay visible.

    Parameters
    ----------
    t : int64 array (n,), epoch seconds, strictly increasing.
    p : float32 or float64 array (n,), power in W (NaN = missing).
    edges : int64 array (m + 1,), bin edges in epoch seconds, strictly increasing.
    max_gap : int, longest hold in seconds (>= 0).
    last_hold : int, hold of the last sample in seconds (>= 0), before the ``max_gap`` cap.

    Returns
    -------
    energy : float64 array (m,), energy of the held signal in each bin, in W·s (joules),
        accumulated in float64.
    covered : int64 array (m,), seconds of each bin covered by a non-missing held sample.

    Notes
    -----
    One pass over the samples with a bin pointer that only moves forward: O(n + m) time, no
    division; the current bin is accumulated in registers and runs of samples inside one bin go
    through the branch-free :func:`_run_sum`. Integer seconds keep ``covered`` exact; the energy
    sum over bins equals the integral of the held signal over ``[edges[0], edges[-1])`` up to
    float64 rounding (the order of the additions is fixed, so results are reproducible).
    """
    n = t.shape[0]
    m = edges.shape[0] - 1
    if m < 0:
        m = 0
    energy = np.zeros(m, dtype=np.float64)
    covered = np.zeros(m, dtype=np.int64)
    if n == 0 or m == 0:
        return energy, covered
    lo = edges[0]
    hi = edges[m]
    k = 0
    e_next = edges[1]
    # the current bin's sums stay in registers and are flushed when the bin changes, so the
    # common case (many samples per bin) has no store-to-load dependency through memory
    acc_e = 0.0
    acc_c = 0
    i = -1
    while i + 1 < n:
        i += 1
        pi = p[i]
        if pi != pi:
            continue
        a = t[i]
        if a >= hi:
            break
        if i + 1 < n:
            b = t[i + 1]
        else:
            b = a + last_hold
        if b - a > max_gap:
            b = a + max_gap
        if b <= lo:
            continue
        if a < lo:
            a = lo
        if b > hi:
            b = hi
        if b <= a:
            continue
        pv = np.float64(pi)
        if a >= e_next:
            energy[k] += acc_e
            covered[k] += acc_c
            acc_e = 0.0
            acc_c = 0
            while edges[k + 1] <= a:
                k += 1
            e_next = edges[k + 1]
        if b <= e_next:
            d = b - a
            acc_e += pv * d
            acc_c += d
            # fast path: the following samples whose whole hold ends inside this bin need none
            # of the clipping above (they start after edges[0] and inside this bin)
            if i + 2 < n and t[i + 2] <= e_next:
                # strictly increasing whole seconds: the run is at most e_next - t[i+1] + 1
                # samples long, which keeps the search short and in cache
                stop = min(n, i + 2 + (e_next - t[i + 1]))
                j = i + np.searchsorted(t[i + 1:stop], e_next, side="right")
                fe, fc = _run_sum(t, p, i + 1, j, max_gap)
                acc_e += fe
                acc_c += fc
                i = j - 1
            continue
        # the hold straddles bin edges (upsampling, or a sample just before an edge)
        d = e_next - a
        energy[k] += acc_e + pv * d
        covered[k] += acc_c + d
        a = e_next
        k += 1
        while edges[k + 1] < b:
            d = edges[k + 1] - a
            energy[k] += pv * d
            covered[k] += d
            a = edges[k + 1]
            k += 1
        e_next = edges[k + 1]
        d = b - a
        acc_e = pv * d
        acc_c = d
    if m > 0:
        energy[k] += acc_e
        covered[k] += acc_c
    return energy, covered

"""Nearest state combination search for combinatorial optimisation (Hart 1985).

Given per-appliance power states, CO explains each mains sample by the combination of states whose
total is nearest to it. The full table has ``Π n_states`` entries, so the appliances are split:

* an **exact group**, whose combination sums are precomputed, de-duplicated and sorted once
  (:func:`combination_table`) and searched per sample from a uniform-bucket guess
  (:func:`bucket_index`) corrected by exact comparisons: O(1) per sample for spread-out totals,
  ``O(log table)`` (bisection) in crowded buckets;
* a **rest group** (only when the whole table exceeds the cap), refined by coordinate descent,
  also called iterated conditional modes (Besag 1986): starting from every rest appliance in its
  lowest state, each rest appliance in turn takes the state that best explains what the others
  leave, then the exact group is searched again for the new remainder; repeat until nothing
  changes or ``max_iter`` sweeps. Each step can only lower ``|target − total|``.

Tie rules (so that the naive reference in ``tests/naive.py`` reproduces choices exactly): the
exact search picks the smallest |error|, the lower total when two totals are equally near, and the
lowest combination code (C order, last appliance fastest) among equal totals; a coordinate step
picks the lowest state index among equally good states.

References
----------
Hart, G. W. (1985). Prototype nonintrusive appliance load monitor. MIT Energy Laboratory
Technical Report; Hart (1992), Proc. IEEE 80(12).
Besag, J. (1986). On the statistical analysis of dirty pictures. JRSS B 48(3).
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np


def combination_table(states: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct totals of every state combination, and the lowest code giving each.

    Parameters
    ----------
    states : one float array of state powers (W) per appliance.

    Returns
    -------
    sums : float64 ``[u]``, W, strictly increasing.
    codes : int64 ``[u]``, the C-order flat index (mixed radix, last appliance fastest) of the
        first combination with that total.
    """
    total = np.zeros(1)
    for s in states:
        # left-to-right accumulation, the order the naive reference sums in
        total = (total[:, None] + np.asarray(s, dtype=np.float64)[None, :]).ravel()
    order = np.argsort(total, kind="stable")
    srt = total[order]
    first = np.empty(len(srt), dtype=bool)
    first[:1] = True
    first[1:] = srt[1:] > srt[:-1]
    return srt[first], order[first].astype(np.int64)


def decode_table(codes: np.ndarray, states: list[np.ndarray]) -> np.ndarray:
    """``[u, h]`` float64 state powers (W) of each combination code (C order, last fastest), so
    that the search reads them instead of dividing per sample."""
    out = np.empty((len(codes), len(states)))
    rem = np.asarray(codes, dtype=np.int64).copy()
    for j in range(len(states) - 1, -1, -1):
        s = np.asarray(states[j], dtype=np.float64)
        out[:, j] = s[rem % len(s)]
        rem //= len(s)
    return out


def pad_states(states: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """``[m, max n]`` float64 table (padded with 0) and ``[m]`` state counts."""
    m = len(states)
    width = max((len(s) for s in states), default=1)
    table = np.zeros((m, width))
    count = np.zeros(m, dtype=np.int64)
    for j, s in enumerate(states):
        table[j, :len(s)] = s
        count[j] = len(s)
    return table, count


def bucket_index(sums: np.ndarray, per_entry: int = 4, max_buckets: int = 2**22):
    """Uniform buckets over ``[sums[0], sums[-1]]`` for an O(1) first guess of the search.

    Returns ``(guess, inv_width)``: ``guess[b]`` is the index of the total nearest to the
    bucket's lower edge ``sums[0] + b / inv_width``. The search walks from the guess with exact
    comparisons, so rounding in the bucket arithmetic costs time, never correctness.
    """
    u = len(sums)
    nb = int(min(max_buckets, per_entry * u)) if u > 1 else 1
    span = float(sums[-1] - sums[0]) if u else 0.0
    width = span / nb if span > 0 else 1.0
    edge = sums[0] + width * np.arange(nb + 1)
    lo = np.clip(np.searchsorted(sums, edge, "left"), 1, max(u - 1, 1))
    if u > 1:
        lower = edge - sums[lo - 1] <= sums[lo] - edge
        guess = np.where(lower, lo - 1, lo)
    else:
        guess = np.zeros(nb + 1, dtype=np.int64)
    return guess.astype(np.int64), 1.0 / width


class CombinationIndex(NamedTuple):
    """Everything the search needs about the state tables (arrays for the Numba kernel)."""

    sums: np.ndarray
    codes: np.ndarray
    guess: np.ndarray
    inv_width: float
    exact: np.ndarray
    exact_n: np.ndarray
    lut: np.ndarray
    rest: np.ndarray
    rest_n: np.ndarray


def build_index(exact_states: list[np.ndarray], rest_states: list[np.ndarray],
                max_lookup: int = 2**22) -> CombinationIndex:
    """Tables of :func:`co_search` for an exact group and a rest group of appliances.

    Parameters
    ----------
    exact_states, rest_states : per appliance, float arrays of state powers (W).
    max_lookup : largest :func:`decode_table` (entries of 8 bytes); above it the kernel decodes
        combination codes per sample (integer divisions, the costliest step), below it reads them.
    """
    sums, codes = combination_table(exact_states)
    guess, inv_width = bucket_index(sums)
    exact, exact_n = pad_states(exact_states)
    rest, rest_n = pad_states(rest_states)
    h = len(exact_states)
    fits = len(codes) * h <= max_lookup
    lut = decode_table(codes, exact_states) if fits else np.zeros((0, h))
    return CombinationIndex(sums, codes, guess, inv_width, exact, exact_n, lut, rest, rest_n)


def search(mains, index: CombinationIndex, *, offset: float = 0.0, max_iter: int = 10,
           rows: np.ndarray | None = None) -> np.ndarray:
    """Best combination per sample: float32 ``[h + l, n]`` state powers (W).

    Parameters
    ----------
    mains : float ``[n]``, W; NaN = missing (NaN out).
    index : :func:`build_index`.
    offset : W subtracted from the mains first (the base load).
    max_iter : coordinate-descent sweeps over the rest group.
    rows : output row of each exact-group then rest-group appliance (default: that order).
    """
    k = index.exact.shape[0] + index.rest.shape[0]
    rows = np.arange(k, dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)
    x = np.asarray(mains)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    return co_search(x, float(offset), index.sums, index.codes, index.guess, index.inv_width,
                     index.exact, index.exact_n, index.lut, index.rest, index.rest_n,
                     int(max_iter), rows)


@numba.njit(cache=True)
def _nearest(sums, guess, inv_width, t):
    """Index into sorted ``sums`` of the total nearest to ``t`` (lower one on a tie)."""
    u = len(sums)
    if not t > sums[0]:
        return 0
    if not t < sums[u - 1]:
        return u - 1
    b = int((t - sums[0]) * inv_width)
    b = min(max(b, 0), len(guess) - 2)
    c = guess[b]
    end = guess[b + 1]
    if end - c > 8:
        # crowded bucket (clustered totals): bisect for the first total >= t
        lo = c
        hi = end + 1
        while lo < hi:
            mid = (lo + hi) >> 1
            if sums[mid] < t:
                lo = mid + 1
            else:
                hi = mid
        c = max(lo - 1, 0)
    # the guess is right or one step low for most t (a few buckets per total), so these loops
    # rarely run and their branches are predictable, unlike bisection's. Each step applies the
    # tie rule exactly: up only when strictly nearer, down when at least as near.
    while c < u - 1 and t - sums[c] > sums[c + 1] - t:
        c += 1
    while c > 0 and t - sums[c - 1] <= sums[c] - t:
        c -= 1
    return c


@numba.njit(cache=True)
def _nearest_all(x, offset, sums, guess, inv_width):
    """:func:`_nearest` of every ``x − offset`` (``-1`` where missing).

    One exact walk per sample. (A branch-free, vectorisable first pass used to precede it; in
    some fresh compilations it gave wrong indices on a few inputs, intermittently, so it was
    removed: correctness first, the walk from the bucket guess is short anyway.)"""
    n = len(x)
    k = np.empty(n, dtype=np.int64)
    for i in range(n):
        ti = np.float64(x[i]) - offset
        k[i] = _nearest(sums, guess, inv_width, ti) if np.isfinite(ti) else -1
    return k


@numba.njit(cache=True)
def co_search(x, offset, sums, codes, guess, inv_width, exact, exact_n, lut, rest, rest_n, max_iter,
              rows):
    """Per-sample state powers of the best combination found (see the module docstring).

    Call it through :func:`search`, which documents the arguments; here ``target = x − offset``
    is explained, ``out[rows[j]]`` receives appliance ``j`` of the exact group then the rest
    group, and the output is float32 W, NaN where ``x`` is NaN.
    """
    h = exact.shape[0]
    nl = rest.shape[0]
    n = len(x)
    out = np.empty((h + nl, n), dtype=np.float32)
    choice = np.zeros(nl, dtype=np.int64)
    use_lut = lut.shape[0] > 0
    if nl == 0 and use_lut:
        # chunks keep the per-sample temporaries in cache; rows are written contiguously
        for c0 in range(0, n, 32768):
            c1 = min(c0 + 32768, n)
            k = _nearest_all(x[c0:c1], offset, sums, guess, inv_width)
            for j in range(h):
                row = out[rows[j]]
                for i in range(c1 - c0):
                    row[c0 + i] = lut[k[i], j] if k[i] >= 0 else np.nan
        return out
    for i in range(n):
        t = np.float64(x[i]) - offset
        if not np.isfinite(t):
            for j in range(h + nl):
                out[rows[j], i] = np.nan
            continue
        rest_sum = 0.0
        for j in range(nl):
            choice[j] = 0
            rest_sum += rest[j, 0]
        k = _nearest(sums, guess, inv_width, t - rest_sum)
        for _ in range(max_iter if nl > 0 else 0):
            changed = False
            for j in range(nl):
                others = 0.0
                for q in range(nl):
                    if q != j:
                        others += rest[q, choice[q]]
                r = t - sums[k] - others
                best = 0
                best_err = abs(r - rest[j, 0])
                for s in range(1, rest_n[j]):
                    e = abs(r - rest[j, s])
                    if e < best_err:
                        best_err = e
                        best = s
                if best != choice[j]:
                    choice[j] = best
                    changed = True
            rest_sum = 0.0
            for j in range(nl):
                rest_sum += rest[j, choice[j]]
            k2 = _nearest(sums, guess, inv_width, t - rest_sum)
            if k2 != k:
                k = k2
                changed = True
            if not changed:
                break
        if use_lut:
            for j in range(h):
                out[rows[j], i] = lut[k, j]
        else:
            code = codes[k]
            for j in range(h - 1, -1, -1):
                out[rows[j], i] = exact[j, code % exact_n[j]]
                code //= exact_n[j]
        for j in range(nl):
            out[rows[h + j], i] = rest[j, choice[j]]
    return out

"""Nearest state combination search for combinatorial optimisation (Hart 1985).

Given per-appliance power states, CO explains each mains sample by the combination of states whose
total is nearest to it. The full table has ``Π n_states`` entries, so the appliances are split:

* an **exact group**, whose combination sums are precomputed, de-duplicated and sorted once
  (:func:`combination_table`) and looked up per sample in a quantised table over the range of
  the sums (:func:`cell_table`): each cell stores the nearest-total indices at its two ends and
  the exact float64 threshold of the one decision boundary it may hold (:func:`thresholds`), so
  a sample whose cell holds at most one boundary is answered by two independent table reads and
  one comparison, and the rare crowded cell by bisection between the two stored indices; O(1)
  per sample for spread-out totals;
* a **rest group** (only when the whole table exceeds the cap), refined by coordinate descent,
  also called iterated conditional modes (Besag 1986): starting from every rest appliance in its
  lowest state, each rest appliance in turn takes the state that best explains what the others
  leave, then the exact group is searched again for the new remainder; repeat until nothing
  changes or ``max_iter`` sweeps. Each step can only lower ``|target − total|``.

Tie rules (so that the naive reference in ``tests/naive.py`` reproduces choices exactly): the
exact search picks the smallest |error|, the lower total when two totals are equally near, and the
lowest combination code (C order, last appliance fastest) among equal totals; a coordinate step
picks the lowest state index among equally good states.

Why the lookup is exact. With sorted totals ``s_0 < … < s_{u-1}`` define, in float64, the
predicate ``P_c(t): t − s_c > s_{c+1} − t`` ("``s_{c+1}`` is strictly nearer than ``s_c``"). Both
subtractions are monotone under rounding, so ``P_c(t)`` implies ``P_{c-1}(t)`` and ``P_c(t')`` for
``t' > t``: the nearest index is the count ``F(t) = #{c : P_c(t)}``, non-decreasing in ``t``. The
cell of ``t`` is ``⌊(t − s_0) · inv_width⌋`` (clamped), itself monotone in ``t``, so every ``t`` of
cell ``b`` has ``F(t)`` between ``F`` at the cell's two edges widened by a rounding margin, which
:func:`cell_table` stores; when they differ by at most one, ``F(t) = lo + P_lo(t)``, and since
``P_lo`` is monotone it is exactly ``t > τ_lo`` with ``τ_lo`` the largest float64 where it is
false (:func:`thresholds` finds it by bisection over the floats in ``[s_lo, s_{lo+1}]``). The sums
carry a ``+inf`` sentinel after ``s_{u-1}``, so ``P_{u-1}`` is false and no index ever leaves
``[0, u − 1]``, whatever the input (NaN and ±inf included; their output rows are NaN).

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
    """``[u, h]`` float64 state powers (W) of each combination code (C order, last fastest)."""
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


def nearest_index(sums: np.ndarray, t) -> np.ndarray:
    """``F(t)``: index (int64) of the total nearest to each finite ``t`` under the tie rules, by
    array operations (the rule :func:`cell_table` tabulates; see the module docstring).

    ``sums`` is the sorted table followed by its ``+inf`` sentinel.
    """
    t = np.asarray(t, dtype=np.float64)
    u = len(sums) - 1
    c = np.clip(np.searchsorted(sums[:u], t), 0, u - 1)
    # a few exact steps from the bisection point: P is monotone in c, so this stops at F(t)
    for _ in range(u + 1):
        up = t - sums[c] > sums[c + 1] - t
        down = (c > 0) & ~(t - sums[np.maximum(c - 1, 0)] > sums[c] - t)
        if not (up.any() or down.any()):
            return c.astype(np.int64)
        c = c + up - down
    raise AssertionError("nearest_index did not settle")  # pragma: no cover - P is monotone


def _ordered(bits: np.ndarray) -> np.ndarray:
    """Map float64 bit patterns (as int64) to int64 keys in the order of the floats, and back
    (the map is its own inverse): negative floats get their magnitude bits flipped."""
    return bits ^ ((bits >> 63) & np.int64(0x7FFFFFFFFFFFFFFF))


def thresholds(sums: np.ndarray) -> np.ndarray:
    """``τ_c``: the largest float64 ``t`` where ``P_c(t)`` is false, for ``c`` in ``[0, u − 1]``,
    so that ``P_c(t) ⟺ t > τ_c`` for every float64 ``t`` (NaN included: both are false).

    ``sums`` is the sorted table followed by its ``+inf`` sentinel; ``τ_{u-1} = +inf``. ``P_c`` is
    monotone (module docstring), false at ``s_c`` and true at ``s_{c+1}``, so ``τ_c`` is found by
    bisection over the floats between them (at most 64 halvings of their bit-pattern keys).
    """
    sums = np.asarray(sums, dtype=np.float64)
    u = len(sums) - 1
    s, nxt = sums[:u - 1], sums[1:u]
    lo = _ordered(s.view(np.int64))
    hi = _ordered(nxt.view(np.int64))
    for _ in range(65):
        open_ = hi - 1 > lo
        if not open_.any():
            break
        mid = (lo >> 1) + (hi >> 1) + (lo & hi & 1)  # floor of the mean, without overflow
        t = _ordered(mid).view(np.float64)
        p = t - s > nxt - t
        hi = np.where(open_ & p, mid, hi)
        lo = np.where(open_ & ~p, mid, lo)
    return np.append(_ordered(lo).view(np.float64), np.inf)


#: flag bit of a :func:`cell_table` entry: the cell holds two or more decision boundaries
AMBIGUOUS = 1 << 30


def cell_table(sums: np.ndarray, per_entry: int = 8, max_cells: int = 2**22):
    """Quantised lookup over ``[s_0, s_{u-1}]`` for :func:`_nearest`.

    Parameters
    ----------
    sums : float64 ``[u + 1]``, sorted distinct totals (W) then ``+inf``; ``u < 2**30``.
    per_entry, max_cells : ``min(max_cells, per_entry * u)`` cells of equal width.

    Returns
    -------
    cells : int32 ``[nb]``, ``lo``: the nearest-total index ``F`` at the cell's low edge, widened
        by a rounding margin (first cell: from ``-inf``), plus :data:`AMBIGUOUS` when ``F`` at the
        high edge (last cell: ``+inf``) exceeds ``lo + 1``.
    cell_hi : int32 ``[nb]``, ``F`` at the high edge (the bisection bound of ambiguous cells).
    inv_width : float, cells per W.
    """
    u = len(sums) - 1
    if not 1 <= u < AMBIGUOUS:
        raise ValueError(f"{u} combination totals: need 1 to {AMBIGUOUS - 1}")
    s0, s1 = float(sums[0]), float(sums[u - 1])
    span = s1 - s0
    nb = int(max(1, min(max_cells, per_entry * u))) if span > 0 else 1
    inv_width = nb / span if span > 0 else 1.0
    edge = s0 + np.arange(nb + 1) / inv_width
    # a cell's floats lie within a few ulps of its computed edges; 45 ulps of the largest
    # magnitude is a safe margin and costs nothing (a boundary must fall inside it to matter)
    margin = 1e-14 * (abs(s0) + abs(s1) + span)
    lo = nearest_index(sums, edge[:-1] - margin)
    hi = nearest_index(sums, edge[1:] + margin)
    lo[0] = 0
    hi[-1] = u - 1
    cells = (lo + np.where(hi - lo > 1, AMBIGUOUS, 0)).astype(np.int32)
    return cells, hi.astype(np.int32), float(inv_width)


class CombinationIndex(NamedTuple):
    """Everything the search needs about the state tables (arrays for the Numba kernel)."""

    sums: np.ndarray
    codes: np.ndarray
    cells: np.ndarray
    cell_tau: np.ndarray
    cell_hi: np.ndarray
    inv_width: float
    exact: np.ndarray
    exact_n: np.ndarray
    lut: np.ndarray
    rest: np.ndarray
    rest_n: np.ndarray


def build_index(exact_states: list[np.ndarray], rest_states: list[np.ndarray],
                max_lookup: int = 2**22, max_cells: int = 2**22) -> CombinationIndex:
    """Tables of :func:`co_search` for an exact group and a rest group of appliances.

    Parameters
    ----------
    exact_states, rest_states : per appliance, float arrays of state powers (W).
    max_lookup : largest table of per-combination state powers (entries, 4 bytes each); above it
        the kernel decodes combination codes per sample (integer divisions), below it reads them.
    max_cells : largest :func:`cell_table` (16 bytes per cell with its thresholds).
    """
    sums, codes = combination_table(exact_states)
    sums = np.append(sums, np.inf)
    # 32 cells per total: few ambiguous cells (1 % of the samples at 8 per total on the
    # benchmark's 81 totals, each a bisection), and a table that still stays in cache
    cells, cell_hi, inv_width = cell_table(sums, per_entry=32, max_cells=max_cells)
    # the threshold of each cell's low index, read beside it (no dependent second read)
    cell_tau = thresholds(sums)[cells & (AMBIGUOUS - 1)]
    exact, exact_n = pad_states(exact_states)
    rest, rest_n = pad_states(rest_states)
    h = len(exact_states)
    if len(codes) * h <= max_lookup:
        # [h, u + 1]: one row per appliance (rows are written one at a time), and a NaN column
        # u, the answer for non-finite targets chosen without a branch
        lut = np.hstack([decode_table(codes, exact_states).T, np.full((h, 1), np.nan)])
        lut = np.ascontiguousarray(lut, dtype=np.float32)
    else:
        lut = np.zeros((h, 0), dtype=np.float32)
    return CombinationIndex(sums, codes, cells, cell_tau, cell_hi, inv_width, exact, exact_n, lut,
                            rest, rest_n)


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
    # allocated by NumPy, which asks for transparent huge pages on large arrays: a Numba-allocated
    # output of 4 x 10^6 samples took ~4000 page faults on first touch, measured here to cost
    # more than the whole search in a fresh process (see docs/benchmarks.md)
    out = np.empty((k, len(x)), dtype=np.float32)
    co_search(x, float(offset), index.sums, index.codes, index.cells, index.cell_tau,
              index.cell_hi, index.inv_width, index.exact, index.exact_n, index.lut, index.rest,
              index.rest_n, int(max_iter), rows, out)
    return out


@numba.njit(cache=True)
def _nearest(sums, cells, cell_hi, inv_width, t):
    """``F(t)``: index into ``sums`` (sorted totals + ``+inf``) of the total nearest to ``t``,
    always in ``[0, u − 1]`` (see the module docstring)."""
    u = sums.shape[0] - 1
    s0 = sums[0]
    s1 = sums[u - 1]
    # clamp first: float-to-int conversion of NaN or huge values is undefined
    tc = t if t > s0 else s0
    tc = tc if tc < s1 else s1
    b = min(int((tc - s0) * inv_width), cells.shape[0] - 1)
    e = np.int64(cells[b])
    if e < AMBIGUOUS:
        return e + np.int64(t - sums[e] > sums[e + 1] - t)
    lo = e - AMBIGUOUS
    hi = np.int64(cell_hi[b])
    while lo < hi:
        mid = (lo + hi) >> 1
        if t - sums[mid] > sums[mid + 1] - t:
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(cache=True)
def _guess(x, offset, s0, s1, cells, cell_tau, inv_width, u, k, ambiguous):
    """``k[i] = lo + (t_i > τ_lo)`` from each sample's cell (exact there unless the cell is
    ambiguous), ``u`` for non-finite ``t_i``; the positions of samples in ambiguous cells go to
    ``ambiguous``, their number is returned. ``s0``, ``s1``: the smallest and largest total.
    Branch-free, and the cell's index and threshold are read side by side, so the loop runs at a
    few cycles per sample whatever the data."""
    last = np.uint64(cells.shape[0] - 1)
    m = 0
    for i in range(x.shape[0]):
        t = np.float64(x[i]) - offset
        tc = t if t > s0 else s0
        tc = tc if tc < s1 else s1
        # unsigned (tc >= s0): no negative-index wraparound code in the loop
        b = min(np.uint64((tc - s0) * inv_width), last)
        e = cells[b]
        c = (e & (AMBIGUOUS - 1)) + np.int32(t > cell_tau[b])
        finite = t - t == 0.0  # False for NaN and +-inf
        k[i] = c if finite else u
        ambiguous[m] = i
        m += (e >= AMBIGUOUS) & finite
    return m


@numba.njit(cache=True)
def _write_rows(k, lut, rows, out, c0):
    """``out[rows[j], c0 + i] = lut[j, k[i]]``, one output row at a time."""
    for j in range(lut.shape[0]):
        # a slice and unsigned indices keep wraparound checks out of the loop: 2x faster here
        row = out[rows[j], c0:c0 + k.shape[0]]
        col = lut[j]
        for i in range(k.shape[0]):
            row[i] = col[np.uint32(k[i])]


@numba.njit(cache=True)
def _lookup(x, offset, sums, cells, cell_tau, cell_hi, inv_width, lut, rows, out):
    """Exact group only, state powers read from ``lut``, in chunks that stay in cache."""
    chunk = 4096
    u = np.int32(sums.shape[0] - 1)
    s0 = sums[0]
    s1 = sums[u - 1]
    k = np.empty(chunk, dtype=np.int32)
    ambiguous = np.empty(chunk, dtype=np.int64)
    for c0 in range(0, x.shape[0], chunk):
        seg = x[c0:c0 + chunk]
        kk = k[:seg.shape[0]]
        m = _guess(seg, offset, s0, s1, cells, cell_tau, inv_width, u, kk, ambiguous)
        for q in range(m):
            i = ambiguous[q]
            kk[i] = _nearest(sums, cells, cell_hi, inv_width, np.float64(seg[i]) - offset)
        _write_rows(kk, lut, rows, out, c0)


@numba.njit(cache=True)
def co_search(x, offset, sums, codes, cells, cell_tau, cell_hi, inv_width, exact, exact_n, lut,
              rest, rest_n, max_iter, rows, out):
    """Per-sample state powers of the best combination found (see the module docstring).

    Call it through :func:`search`, which documents the arguments; here ``target = x − offset``
    is explained, ``out[rows[j]]`` (float32 ``[h + l, n]``, W) receives appliance ``j`` of the
    exact group then the rest group, NaN where ``x`` is not finite.
    """
    h = exact.shape[0]
    nl = rest.shape[0]
    n = len(x)
    use_lut = lut.shape[1] > 0
    if nl == 0 and use_lut:
        _lookup(x, offset, sums, cells, cell_tau, cell_hi, inv_width, lut, rows, out)
        return
    choice = np.zeros(nl, dtype=np.int64)
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
        k = _nearest(sums, cells, cell_hi, inv_width, t - rest_sum)
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
            k2 = _nearest(sums, cells, cell_hi, inv_width, t - rest_sum)
            if k2 != k:
                k = k2
                changed = True
            if not changed:
                break
        if use_lut:
            for j in range(h):
                out[rows[j], i] = lut[j, k]
        else:
            code = codes[k]
            for j in range(h - 1, -1, -1):
                out[rows[j], i] = exact[j, code % exact_n[j]]
                code //= exact_n[j]
        for j in range(nl):
            out[rows[h + j], i] = rest[j, choice[j]]

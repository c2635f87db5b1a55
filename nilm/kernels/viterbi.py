"""Exact Viterbi decoding of a factorial HMM without the joint transition matrix.

A factorial HMM (Ghahramani & Jordan 1997, "Factorial hidden Markov models", Machine Learning
29:245-273) has ``C`` independent chains with ``K_c`` states each; the joint state
``s = sum_c s_c * stride_c`` (chain 0 most significant, ``stride_{C-1} = 1``, the order of
``np.kron(A_0, np.kron(A_1, ...))``) ranges over ``S = prod K_c`` values. The joint transition
factorises, ``log A(s, s') = sum_c log A_c(s_c, s'_c)``, so the max-product step

    max_s [delta(s) + sum_c log A_c(s_c, s'_c)]

is computed one chain at a time (max over ``s_c`` with the other components fixed), which costs
``S * sum_c K_c`` per step instead of ``S**2`` and never stores the ``S x S`` matrix. The joint
argmax is carried through the stages, so decoding stays exact.

For all-binary models of up to :data:`UNROLL_MAX_CHAINS` chains, the pass that stores
backpointers runs a generated kernel with every loop over the joint states unrolled
(:func:`unrolled_source`), bit-identical to the loops and 2-4 times faster.

Memory layout. The scores stay in one contiguous float64 vector of the joint states and every
stage works in place: viewing it as ``[P, K_c, Q]`` (``Q = stride_c``), stage ``c`` replaces each
column ``[p, :, q]`` by its max-product with ``log A_c``; the innermost loop runs over ``q``, so the
``K_c`` rows it reads and writes are contiguous runs of ``Q`` doubles, which the compiler turns
into SIMD loads, compares and blends (unsigned indices keep Numba's negative-index wrap-around out
of the loop, which would block vectorisation). The joint argmax is written straight into the
step's backpointer row (uint8 for ``S <= 256``), so no copy follows the stages. Emission: Gaussian
``x_t ~ N(mu(s), sigma**2)`` with ``mu(s) = offset + sum_c mean_c(s_c)``; a NaN observation
contributes nothing (pure prediction step). Scores are log-probabilities in float64, shifted by
their maximum at each step to keep precision over long sequences.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import numba
import numpy as np

from ..atomic import write_text

#: all-binary models of at most this many chains (``S <= 16``) get the unrolled forward pass
#: with backpointers; at 5 chains the unrolled body spills registers (slower than the loops,
#: measured) and takes half a minute to compile
UNROLL_MAX_CHAINS = 4


@numba.njit(cache=True, inline="always")
def _pair2(v, g, i0, i1, l00, l01, l10, l11, track):
    """States ``i0`` / ``i1`` of one column of a 2-state chain's stage (see :func:`_stage2`)."""
    x0, x1 = v[i0], v[i1]
    p, q = x0 + l00, x1 + l10
    up0 = q > p
    v[i0] = q if up0 else p
    p, q = x0 + l01, x1 + l11
    up1 = q > p
    v[i1] = q if up1 else p
    if track:
        g0, g1 = g[i0], g[i1]
        g[i0] = g1 if up0 else g0
        g[i1] = g1 if up1 else g0


@numba.njit(cache=True, inline="always")
def _stage2(v, g, S, Q, lt, track):
    """In-place max-product of one 2-state chain of stride ``Q``; ``g`` (when ``track``) carries
    the joint argmax. Ties keep the lower source state. The fastest chain (``Q = 1``) has its
    own single loop over adjacent pairs, which the compiler vectorises as interleaved accesses;
    the others loop over contiguous runs of ``Q``."""
    l00, l01, l10, l11 = lt[0, 0], lt[0, 1], lt[1, 0], lt[1, 1]
    if Q == 1:
        for r in range(S // 2):
            i0 = np.uint64(2 * r)
            _pair2(v, g, i0, i0 + np.uint64(1), l00, l01, l10, l11, track)
        return
    qu = np.uint64(Q)
    for blk in range(S // (2 * Q)):
        base = np.uint64(blk * 2 * Q)
        for j in range(qu):
            i0 = base + np.uint64(j)
            _pair2(v, g, i0, i0 + qu, l00, l01, l10, l11, track)


@numba.njit(cache=True, inline="always")
def _stage3(v, g, S, Q, lt, track):
    """:func:`_stage2` for a 3-state chain."""
    qu = np.uint64(Q)
    for blk in range(S // (3 * Q)):
        base = np.uint64(blk * 3 * Q)
        for j in range(qu):
            i0 = base + np.uint64(j)
            i1 = i0 + qu
            i2 = i1 + qu
            x0, x1, x2 = v[i0], v[i1], v[i2]
            g0, g1, g2 = g[i0], g[i1], g[i2]
            for b in range(3):
                p, q, r = x0 + lt[0, b], x1 + lt[1, b], x2 + lt[2, b]
                up = q > p
                best = q if up else p
                arg = g1 if up else g0
                up = r > best
                ib = i0 + np.uint64(b) * qu
                v[ib] = r if up else best
                if track:
                    g[ib] = g2 if up else arg


@numba.njit(cache=True)
def _stage_any(v, g, S, Q, K, lt, track, tv, tg):
    """:func:`_stage2` for a chain of any number of states ``K`` (scratch ``tv``, ``tg`` of
    length ``>= K``)."""
    for blk in range(S // (K * Q)):
        base = blk * K * Q
        for j in range(Q):
            i0 = base + j
            for a in range(K):
                tv[a] = v[i0 + a * Q]
                tg[a] = g[i0 + a * Q]
            for b in range(K):
                best = tv[0] + lt[0, b]
                arg = tg[0]
                for a in range(1, K):
                    cand = tv[a] + lt[a, b]
                    if cand > best:
                        best = cand
                        arg = tg[a]
                v[i0 + b * Q] = best
                if track:
                    g[i0 + b * Q] = arg


@numba.njit(cache=True, inline="always")
def _emit(delta, mu, xt, inv_var, prev):
    """Emission and the previous step's normalisation in one pass, in place; returns the new
    maximum. (A constant shift commutes with the max-plus stages, so it can be applied one step
    late.) A missing observation selects a zero penalty instead of branching; two running
    maxima halve the latency of the reduction."""
    S = delta.shape[0]
    finite = np.isfinite(xt)
    b0 = -np.inf
    b1 = -np.inf
    for s in range(0, S - 1, 2):
        d0 = xt - mu[s]
        d1 = xt - mu[s + 1]
        e0 = 0.5 * d0 * d0 * inv_var
        e1 = 0.5 * d1 * d1 * inv_var
        v0 = (delta[s] - prev) - (e0 if finite else 0.0)
        v1 = (delta[s + 1] - prev) - (e1 if finite else 0.0)
        delta[s] = v0
        delta[s + 1] = v1
        b0 = v0 if v0 > b0 else b0
        b1 = v1 if v1 > b1 else b1
    if S % 2 == 1:
        d0 = xt - mu[S - 1]
        e0 = 0.5 * d0 * d0 * inv_var
        v0 = (delta[S - 1] - prev) - (e0 if finite else 0.0)
        delta[S - 1] = v0
        b0 = v0 if v0 > b0 else b0
    return b0 if b0 > b1 else b1


@numba.njit(cache=True)
def _stages_any(delta, g, S, n_states, strides, log_trans, store, tv, tg):
    """Every chain's stage, whatever its number of states (chains from last to first: the order
    fixes how the scores round, and the tests pin it)."""
    for c in range(n_states.shape[0] - 1, -1, -1):
        K = n_states[c]
        Q = strides[c]
        if K == 2:
            _stage2(delta, g, S, Q, log_trans[c], store)
        elif K == 3:
            _stage3(delta, g, S, Q, log_trans[c], store)
        elif K > 1:
            _stage_any(delta, g, S, Q, K, log_trans[c], store, tv, tg)
        else:
            for s in range(S):
                delta[s] += log_trans[c, 0, 0]


@numba.njit(cache=True)
def _forward(x, mu, inv_var, log_trans, n_states, strides, log_init, delta, bp, first, store,
             binary):
    """:func:`viterbi_forward`; ``binary`` (every chain has 2 states) keeps only the 2-state
    stage in the loop, which the compiler then optimises as a whole (about twice as fast as
    the loop that can also dispatch to the other stages)."""
    S = mu.shape[0]
    kmax = log_trans.shape[1]
    tv = np.empty(kmax, np.float64)
    tg = np.empty(kmax, bp.dtype)
    shift = 0.0
    prev = 0.0
    for t in range(x.shape[0]):
        g = bp[t] if store else bp[0]
        if first and t == 0:
            for s in range(S):
                delta[s] = log_init[s]
                g[s] = s
        else:
            if store:
                for s in range(S):
                    g[s] = s
            if binary:
                for c in range(n_states.shape[0] - 1, -1, -1):
                    _stage2(delta, g, S, strides[c], log_trans[c], store)
            else:
                _stages_any(delta, g, S, n_states, strides, log_trans, store, tv, tg)
        best = _emit(delta, mu, x[t], inv_var, prev)
        shift += prev
        prev = best if np.isfinite(best) else 0.0
    for s in range(S):
        delta[s] -= prev
    shift += prev
    return shift


def unrolled_source(n_chains: int) -> str:
    """Python source of :func:`viterbi_forward` with ``store`` for ``n_chains`` 2-state chains,
    every loop over joint states unrolled (``S = 2**n_chains`` scores, backpointers, emission
    means and the ``4 C`` log transitions held in local variables, so in registers or L1).

    The operations and their order are those of the looped kernel (stages from the last chain
    to the first, ties keep the lower source state, the same emission expression), so both give
    bit-identical scores, shifts and backpointers. It runs 2-4x faster for 1-4 chains (10^6
    steps: 13 vs 52 ms at ``S = 2``, 55-70 vs 140-215 ms at ``S = 16``, on the shared 2-core
    machine): the looped stages spend most of their time in loop control over runs of 1-8
    states and in storing the scores between stages."""
    C = int(n_chains)
    S = 1 << C
    out = ["import numpy as np", "", "",
           "def forward(x, mu, inv_var, lt, linit, delta, bp, first):"]
    a = out.append
    for s in range(S):
        a(f"    d{s} = delta[{s}]")
        a(f"    m{s} = mu[{s}]")
    for c in range(C):
        for i in range(2):
            for j in range(2):
                a(f"    l{c}_{i}{j} = lt[{c}, {i}, {j}]")
    a("    shift = 0.0")
    a("    prev = 0.0")
    a("    for t in range(x.shape[0]):")
    a("        if first and t == 0:")
    for s in range(S):
        a(f"            d{s} = linit[{s}]")
        a(f"            g{s} = {s}")
    a("        else:")
    for s in range(S):
        a(f"            g{s} = {s}")
    for c in range(C - 1, -1, -1):
        Q = 1 << (C - 1 - c)
        for i0 in range(S):
            if i0 & Q:
                continue
            i1 = i0 + Q
            a(f"            x0, x1, h0, h1 = d{i0}, d{i1}, g{i0}, g{i1}")
            for b, ib in ((0, i0), (1, i1)):
                a(f"            p, q = x0 + l{c}_0{b}, x1 + l{c}_1{b}")
                a(f"            d{ib} = q if q > p else p")
                a(f"            g{ib} = h1 if q > p else h0")
    a("        xt = x[t]")
    a("        finite = np.isfinite(xt)")
    a("        top = -np.inf")
    for s in range(S):
        a(f"        e = xt - m{s}")
        a(f"        d{s} = (d{s} - prev) - (0.5 * e * e * inv_var if finite else 0.0)")
        a(f"        top = d{s} if d{s} > top else top")
    for s in range(S):
        a(f"        bp[t, {s}] = g{s}")
    a("        shift += prev")
    a("        prev = top if np.isfinite(top) else 0.0")
    for s in range(S):
        a(f"    delta[{s}] = d{s} - prev")
    a("    shift += prev")
    a("    return shift")
    return "\n".join(out) + "\n"


_UNROLLED: dict[int, object] = {}


def unrolled_forward(n_chains: int):
    """The compiled :func:`unrolled_source` kernel, ``f(x, mu, inv_var, log_trans, log_init,
    delta, bp, first) -> shift`` (arguments as in :func:`viterbi_forward`, ``store`` true).

    Its source is written once to ``$NILM_CACHE/kernels`` (default ``~/.cache/nilm``, the
    folder of :mod:`nilm.io.cache`) and imported from there, so that Numba caches the compiled
    code beside it: the first compile takes 1-8 s (1 to 4 chains), later processes load it in
    well under a second. Where that folder cannot be written the kernel is compiled in memory,
    uncached."""
    C = int(n_chains)
    if C not in _UNROLLED:
        src = unrolled_source(C)
        folder = Path(os.environ.get("NILM_CACHE") or Path.home() / ".cache" / "nilm")
        path = folder.expanduser() / "kernels" / f"viterbi_binary_{C}.py"
        try:
            if not path.is_file() or path.read_text() != src:
                path.parent.mkdir(parents=True, exist_ok=True)
                write_text(path, src)
            name = f"nilm_viterbi_binary_{C}"
            spec = importlib.util.spec_from_file_location(name, path)
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            # Numba's cached code re-imports its module by name when it is loaded
            sys.modules[name] = mod
            fn = numba.njit(cache=True)(mod.forward)
        except OSError:
            ns: dict = {}
            exec(compile(src, f"<viterbi_binary_{C}>", "exec"), ns)  # noqa: S102 - our source
            fn = numba.njit(ns["forward"])
        _UNROLLED[C] = fn
    return _UNROLLED[C]


def viterbi_forward(x, mu, inv_var, log_trans, n_states, strides, log_init, delta, bp, first,
                    store):
    """Advance the Viterbi recursion over ``x``, in place.

    Parameters
    ----------
    x : float64 or float32 [L], observations (W); NaN = missing.
    mu : float64 [S], emission mean of each joint state (W).
    inv_var : float, ``1 / sigma**2`` (W^-2).
    log_trans : float64 [C, Kmax, Kmax], per-chain log transition (row: from, column: to).
    n_states : int64 [C], states of each chain.
    strides : int64 [C], ``prod(n_states[c + 1:])``.
    log_init : float64 [S], joint log initial probability (used when ``first``).
    delta : float64 [S], in: scores after the step before ``x[0]``; out: after ``x[-1]``.
    bp : int array [L, S] (uint8/uint16/int32), written when ``store``: ``bp[t, s]`` is the best
        joint predecessor of ``s`` at step ``t`` (meaningless at ``t = 0`` when ``first``).
        Without ``store`` it may have a single row (scratch, overwritten).
    first : bool, ``x[0]`` is the first observation of the sequence (no transition into it).
    store : bool, write ``bp``.

    Returns
    -------
    shift : float, total amount subtracted from the scores (add it back for log-probabilities).
    """
    binary = bool(np.all(np.asarray(n_states) == 2))
    if binary and store and len(n_states) <= UNROLL_MAX_CHAINS:
        return unrolled_forward(len(n_states))(x, mu, inv_var, log_trans, log_init, delta, bp,
                                               first)
    return _forward(x, mu, inv_var, log_trans, n_states, strides, log_init, delta, bp, first,
                    store, binary)


@numba.njit(cache=True)
def backtrack(bp, last):
    """Joint-state path of one stored chunk ending in state ``last``.

    Returns ``(path [L], prev)``, ``path`` of ``bp``'s dtype, where ``prev = bp[0, path[0]]`` is
    the state at the step before the chunk.
    """
    L = bp.shape[0]
    path = np.empty(L, bp.dtype)
    s = last
    for t in range(L - 1, -1, -1):
        path[t] = s
        s = bp[t, s]
    return path, s


@numba.njit(cache=True)
def paint(path, table):
    """``out[c, t] = table[c, path[t]]``: float32 ``[C, L]`` per-chain values (e.g. state means,
    W) of a joint-state path, one output row at a time."""
    C = table.shape[0]
    L = path.shape[0]
    out = np.empty((C, L), np.float32)
    for c in range(C):
        row = out[c]
        col = table[c]
        for t in range(L):
            row[t] = col[path[t]]
    return out

"""Exact Viterbi decoding of a factorial HMM without the joint transition matrix.

A factorial HMM (Ghahramani & Jordan 1997, "Factorial hidden Markov models", Machine Learning
29:245-273) has ``C`` independent chains with ``K_c`` states each; the joint state
``s = sum_c s_c * stride_c`` (chain 0 most significant, ``stride_{C-1} = 1``, the order of
``np.kron(A_0, np.kron(A_1, ...))``) ranges over ``S = prod K_c`` values. The joint transition
factorises, ``log A(s, s') = sum_c log A_c(s_c, s'_c)``, so the max-product step

    max_s [delta(s) + sum_c log A_c(s_c, s'_c)]

is computed one chain at a time (max over ``s_c`` with the other components fixed), which costs
``S * sum_c K_c`` per step instead of ``S**2`` and never stores the ``S x S`` matrix. The joint
argmax is carried through the stages, so decoding stays exact. Each stage reads the chain as the
last axis and writes it as the first (the "shuffle" of Kronecker-product algorithms: P. Fernandes,
B. Plateau & W. J. Stewart 1998, "Efficient descriptor-vector multiplications in stochastic
automata networks", J. ACM 45(3)), so every stage is one contiguous pass. Emission: Gaussian
``x_t ~ N(mu(s), sigma**2)`` with ``mu(s) = offset + sum_c mean_c(s_c)``; a NaN observation
contributes nothing (pure prediction step). Scores are log-probabilities in float64, shifted by
their maximum at each step to keep precision over long sequences.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, inline="always")
def _max_stage(src_v, src_a, dst_v, dst_a, lt, K):
    """One chain's max-product stage in the shuffle layout.

    ``src`` is viewed as ``[R, K]`` (the chain is the last, fastest axis); the result
    ``dst[b * R + r] = max_a src[r * K + a] + lt[a, b]`` puts the chain first, so ``C``
    successive stages visit every chain and restore the original layout. ``*_a`` carry the joint
    argmax. K = 2 and 3 are unrolled: the comparisons are unpredictable, and selects on
    registers avoid both branches and inner loops of one or two iterations.
    """
    R = src_v.shape[0] // K
    if K == 2:
        l00, l01, l10, l11 = lt[0, 0], lt[0, 1], lt[1, 0], lt[1, 1]
        for r in range(R):
            x0, x1 = src_v[2 * r], src_v[2 * r + 1]
            g0, g1 = src_a[2 * r], src_a[2 * r + 1]
            p, q = x0 + l00, x1 + l10
            dst_v[r] = q if q > p else p
            dst_a[r] = g1 if q > p else g0
            p, q = x0 + l01, x1 + l11
            dst_v[R + r] = q if q > p else p
            dst_a[R + r] = g1 if q > p else g0
    elif K == 3:
        for r in range(R):
            x0, x1, x2 = src_v[3 * r], src_v[3 * r + 1], src_v[3 * r + 2]
            g0, g1, g2 = src_a[3 * r], src_a[3 * r + 1], src_a[3 * r + 2]
            for b in range(3):
                p, q, u = x0 + lt[0, b], x1 + lt[1, b], x2 + lt[2, b]
                best = q if q > p else p
                arg = g1 if q > p else g0
                dst_v[b * R + r] = u if u > best else best
                dst_a[b * R + r] = g2 if u > best else arg
    else:
        for b in range(K):
            for r in range(R):
                i = r * K
                best = src_v[i] + lt[0, b]
                arg = src_a[i]
                for a in range(1, K):
                    v = src_v[i + a] + lt[a, b]
                    arg = src_a[i + a] if v > best else arg
                    best = v if v > best else best
                dst_v[b * R + r] = best
                dst_a[b * R + r] = arg


@numba.njit(cache=True)
def viterbi_forward(x, mu, inv_var, log_trans, n_states, log_init, delta, bp, first, store):
    """Advance the Viterbi recursion over ``x``, in place.

    Parameters
    ----------
    x : float64 [L], observations (W); NaN = missing.
    mu : float64 [S], emission mean of each joint state (W).
    inv_var : float, ``1 / sigma**2`` (W^-2).
    log_trans : float64 [C, Kmax, Kmax], per-chain log transition (row: from, column: to).
    n_states : int64 [C], states of each chain.
    log_init : float64 [S], joint log initial probability (used when ``first``).
    delta : float64 [S], in: scores after the step before ``x[0]``; out: after ``x[-1]``.
    bp : int array [L, S] (uint8/uint16/int32), written when ``store``: ``bp[t, s]`` is the best
        joint predecessor of ``s`` at step ``t`` (meaningless at ``t = 0`` when ``first``).
    first : bool, ``x[0]`` is the first observation of the sequence (no transition into it).
    store : bool, write ``bp``.

    Returns
    -------
    shift : float, total amount subtracted from the scores (add it back for log-probabilities).
    """
    S = mu.shape[0]
    C = n_states.shape[0]
    v0 = np.empty(S, np.float64)
    v1 = np.empty(S, np.float64)
    # joint argmax indices: int32 halves the memory traffic of int64 (S < 2**31 always)
    a0 = np.empty(S, np.int32)
    a1 = np.empty(S, np.int32)
    ident = np.arange(S).astype(np.int32)
    shift = 0.0
    prev = 0.0
    # the buffers holding the result of the last stage
    fv = v0 if C % 2 == 1 else v1
    fa = a0 if C % 2 == 1 else a1
    for t in range(x.shape[0]):
        if first and t == 0:
            for s in range(S):
                fv[s] = log_init[s]
                fa[s] = s
        else:
            # the last chain is the fastest axis: stages run C-1 .. 0, ping-ponging buffers
            _max_stage(delta, ident, v0, a0, log_trans[C - 1], n_states[C - 1])
            for j in range(1, C):
                c = C - 1 - j
                if j % 2 == 1:
                    _max_stage(v0, a0, v1, a1, log_trans[c], n_states[c])
                else:
                    _max_stage(v1, a1, v0, a0, log_trans[c], n_states[c])
        # one fused pass: emission, backpointers, and the previous step's normalisation (a
        # constant shift commutes with the max-plus stages, so it can be applied one step late)
        xt = x[t]
        emit = np.isfinite(xt)
        best = -np.inf
        for s in range(S):
            val = fv[s] - prev
            if emit:
                d = xt - mu[s]
                val -= 0.5 * d * d * inv_var
            delta[s] = val
            best = max(best, val)
            if store:
                bp[t, s] = fa[s]
        shift += prev
        prev = best if np.isfinite(best) else 0.0
    for s in range(S):
        delta[s] -= prev
    shift += prev
    return shift


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

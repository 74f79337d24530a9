"""Local gradient estimators for local training, stacked over the agents.

Spec ``lt_admm_cc.md`` §2.3. No SimPy here.

For agent i at the local-training iterate phi, an estimate g of grad f_i(phi) plus the number
of component gradients evaluated:

* minibatch - g = (1/|B|) sum_{h in B} grad f_{i,h}(phi)  (plain LT-ADMM);
* saga      - g = (1/|B|) sum_{h in B} [grad f_{i,h}(phi) - T_h] + mean(T), then
  T_h <- grad f_{i,h}(phi) for h in B (standard SAGA bookkeeping, no extra cost); the table
  is filled once at x_0 (m_i evaluations) and persists across rounds;
* svrg      - the same, but the table is reset to grad f_{i,h}(x_{i,k}) at the start of every
  round (m_i evaluations per round).

Mini-batches are drawn without replacement from the agent's own sampling stream
(:class:`Sampler`); with ``batch = "all"`` (or m_i <= batch) the exact local gradient.

Bit-identity rules of the stacked forms (one agent's result does not depend on the group):
a dot product ``a @ x`` of one agent (BLAS gemv) -> ``np.matmul`` on stacked operands, which
calls the same BLAS routine per stack entry (``einsum`` / ``(a * x).sum()`` do not match);
a one-row ``a.T @ w`` (gemv: 0 + a_j w) -> ``a * w + 0.0``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

__all__ = ["Sampler", "StackedEstimators", "ESTIMATORS"]

#: estimator kinds (scenario names)
ESTIMATORS = ("minibatch", "saga", "svrg")


class Sampler:
    """One agent's mini-batch draws from its sampling stream.

    Args:
        m: the agent's sample count.
        batch: mini-batch size or "all"; ``full`` when it covers every sample.
        rng: the agent's sampling stream ("agent", i, "sampling").
    """

    #: single indices drawn ahead per refill of the batch-1 buffer
    BLOCK = 512

    def __init__(self, m, batch, rng):
        self.m = m
        self.full = batch == "all" or batch >= m
        self.batch = m if self.full else int(batch)
        self.rng = rng
        self._block = np.empty(0, dtype=np.int64)
        self._next = 0

    def _sample(self) -> np.ndarray:
        """The mini-batch: ``choice(m, batch, replace=False)`` from the sampling stream."""
        if self.batch == 1:
            return self._block_of(1)
        return self.rng.choice(self.m, size=self.batch, replace=False)

    def _block_of(self, count) -> np.ndarray:
        """The next ``count`` single-index draws (batch 1), from a buffer of BLOCK draws.

        Bit-identical to ``count`` calls of ``choice(m, 1, replace=False)``: numpy draws a
        single index with the bounded-integer routine of ``integers(0, m)``, and
        ``integers(0, m, size=K)`` equals K scalar calls (both asserted in
        tests/test_performance_equivalences.py). Drawing ahead is safe because the sampling
        stream ("agent", i, "sampling") feeds nothing else.
        """
        if self._next + count > self._block.size:
            rest = self._block[self._next:]
            fresh = self.rng.integers(0, self.m, size=max(self.BLOCK, count))
            self._block, self._next = np.concatenate([rest, fresh]), 0
        out = self._block[self._next:self._next + count]
        self._next += count
        return out


def _take(arr, g):
    return arr[g.sel]


class StackedEstimators:
    """Every agent's gradient estimator (one kind, one batch size) on stacked data.

    Data A (N, m, d), b (N, m), for a group of agents at once (a group of one on its own rows).

    Args:
        kind: "minibatch", "saga" or "svrg" (see the module docstring).
        problems: the agents' :class:`~netsim.problems.local.LocalProblem` (logistic, least
            squares or lasso: only the smooth part's gradient is estimated).
        batch: mini-batch size, or "all" (an agent with m_i <= batch uses its full gradient).
        rngs: the agents' sampling streams.
    """

    def __init__(self, kind, problems, batch, rngs):
        from netsim.problems.problem import stacked_rows

        self.kind = kind
        self.ests = ests = [Sampler(p.m, batch, rng) for p, rng in zip(problems, rngs)]
        e0 = ests[0]
        probs = problems
        self.logistic = probs[0].kind == "logistic"
        #: ragged sample counts: the data stay per agent (lists) and every group runs as a
        #: loop of groups of one (each agent its own m_i and full-batch flag)
        self.ragged = len({p.m for p in probs}) > 1
        self.ms, self.fulls = [e.m for e in ests], [e.full for e in ests]
        self.full, self.m = all(self.fulls), e0.m
        self.batch = next((e.batch for e in ests if not e.full), e0.batch)
        if self.ragged:
            self.A, self.b = [p.A for p in probs], [p.b for p in probs]
        else:
            self.A, self.b = stacked_rows(probs)
        self.reg = np.array([p.reg for p in probs])
        n, d = len(ests), probs[0].dim
        self.T = self.mean = None
        self._own: dict = {}
        self._sample_fns: dict = {}
        self.first = np.ones(n, dtype=bool)
        if self.kind != "minibatch" and not self.full:
            self.T = ([np.zeros((m, d)) for m in self.ms] if self.ragged
                      else np.zeros((n, self.m, d)))
            self.mean = np.zeros((n, d))

    def _weights(self, a, y, x):
        """D loss / d (a.x) for rows a (B, d), targets y (B,), model x (d,).

        Or stacked: a (G, B, d), y (G, B), x (G, d).
        """
        z = _mv(a, x)
        if not self.logistic:
            return z - y
        return -y * expit(-y * z)

    def start(self, g, X):
        """Round start at X (rows of the group).

        SAGA fills its table in an agent's first round, SVRG in every round. Returns the gradients
        evaluated, per agent (a list).
        """
        if self.full or self.kind == "minibatch":
            return [0] * g.ids.size
        if self.ragged:
            out = []
            for r, i in enumerate(g.ids.tolist()):
                fill = not self.fulls[i] and (self.kind == "svrg" or self.first[i])
                if fill:
                    A, b, reg, T, mean, m, _ = self._own_of(i)
                    T[...] = A * self._weights(A, b, X[r])[:, None] + reg * X[r]
                    mean[...] = T.mean(axis=0)
                self.first[i] = False
                out.append(self.ms[i] if fill else 0)
            return out
        if self.kind == "svrg":
            self._fill(g.sel, X)
            return [self.m] * g.ids.size
        if g.single and not self.first[g.ids[0]]:
            return [0]
        fill = self.first[g.sel].copy()
        if fill.all():
            self._fill(g.sel, X)
        elif fill.any():
            self._fill(g.ids[fill], X[fill])
        self.first[g.sel] = False
        return np.where(fill, self.m, 0).tolist()

    def _fill(self, sel, X):
        A, b = self.A[sel], self.b[sel]
        w = self._weights(A, b, X)
        T = A * w[:, :, None] + self.reg[sel][:, None, None] * X[:, None, :]
        self.T[sel] = T
        self.mean[sel] = T.mean(axis=1)

    def draws(self, g, tau):
        """Every mini-batch of the round, drawn per agent in step order: (G, tau, B)."""
        if self.full:
            return None
        if self.ragged:
            return np.stack([np.zeros((tau, self.batch), dtype=np.intp) if self.fulls[i]
                             else self.ests[i]._block_of(tau)[:, None] if self.batch == 1
                             else np.stack([self.ests[i]._sample() for _ in range(tau)])
                             for i in g.ids])
        if self.batch == 1:
            if g.single:
                return self.ests[g.ids[0]]._block_of(tau)[None, :, None]
            return np.stack([self.ests[i]._block_of(tau) for i in g.ids])[:, :, None]
        return np.stack([np.stack([self.ests[i]._sample() for _ in range(tau)])
                         for i in g.ids])

    def __call__(self, g, phi, idx):
        """(g_i(phi_i) for the group, component gradients per agent); idx (G, B).

        A group of one runs the same formulas on the agent's own rows (views, per-agent shapes).
        """
        if g.single:
            est, n = self._estimate(phi[0], *self._own_of(int(g.ids[0])),
                                    None if idx is None else idx[0])
            return est[None], n
        if self.ragged:                     # counts differ: m_i for full-batch agents
            out = [self._estimate(phi[r], *self._own_of(i), None if idx is None else idx[r])
                   for r, i in enumerate(g.ids.tolist())]
            return np.stack([e for e, _ in out]), np.array([c for _, c in out])
        full = self.full
        return self._estimate(phi, _take(self.A, g) if full else None,
                              _take(self.b, g) if full else None, _take(self.reg, g)[:, None],
                              None, None if self.mean is None else _take(self.mean, g),
                              self.m, full, idx, g)

    def one_sample(self, i):
        """Does agent ``i`` estimate from one sample (batch-1 mini-batch)?

        Then :meth:`sample_gradient` may stand for a group of one's ``__call__``.
        """
        return self.kind == "minibatch" and self.batch == 1 and not self.fulls[i]

    def sample_gradient(self, i):
        """Agent ``i``'s batch-1 mini-batch gradient as a function ``(phi, h) -> (d,) array``.

        grad f_{i,h}(phi) + reg_i phi at the model ``phi`` (d,) on sample ``h``; made once.

        The bits of :meth:`__call__` on a group of one (its row of the result), with less
        overhead: the one-row gemv on a view of row h instead of a fancy-indexed copy, the
        weight in numpy float64 scalars (the same IEEE products, the same ``expit`` ufunc
        loop, the same floating-point warnings). Only when :meth:`one_sample` holds.
        """
        fn = self._sample_fns.get(i)
        if fn is None:
            A, b, reg = self._own_of(i)[:3]
            reg, logistic = reg[0], self.logistic

            def fn(phi, h):
                z = (A[h:h + 1] @ phi)[0]
                y = b[h]
                w = -y * expit(-y * z) if logistic else z - y
                return (A[h] * w + 0.0) + reg * phi
            self._sample_fns[i] = fn
        return fn

    def _own_of(self, i):
        """Agent i's data and state as views (made once): A, b, reg, T, mean, m, full."""
        own = self._own.get(i)
        if own is None:
            own = self._own[i] = (self.A[i], self.b[i], self.reg[i:i + 1],
                                  None if self.T is None else self.T[i],
                                  None if self.mean is None else self.mean[i],
                                  self.ms[i], self.fulls[i])
        return own

    def _estimate(self, phi, A, b, reg, T, mean, m, full, idx, g=None):
        """The estimator on one agent's model, or on a group's models.

        One agent: ``phi`` (d,) with its data A (m, d), b (m,) and table T (m, d); a group ``g``:
        models (G, d) with the stacked ones (A (G, m, d) etc.; the group's rows of the full tables
        are picked with ``idx``).
        """
        if full:
            w = self._weights(A, b, phi)
            return _mv(np.swapaxes(A, -1, -2), w) / m + reg * phi, m
        if g is None:
            a, y = A[idx], b[idx]
        else:
            rows = g.ids[:, None]
            a, y = self.A[rows, idx], self.b[rows, idx]
        w = self._weights(a, y, phi)
        if self.kind == "minibatch":
            if self.batch == 1:
                # a.T @ w with one row is BLAS gemv: 0 + a_j w, i.e. a_j w with -0 -> +0
                grad = a[..., 0, :] * w + 0.0
            else:
                grad = _mv(np.swapaxes(a, -1, -2), w) / self.batch
            return grad + reg * phi, self.batch
        G = a * w[..., None] + reg[..., None] * phi[..., None, :]
        diff = G - (T[idx] if g is None else self.T[rows, idx])
        if self.batch == 1:
            d = diff[..., 0, :]
            est = d + mean
            new_mean = mean + d / m
        else:
            est = diff.mean(axis=-2) + mean
            new_mean = mean + diff.sum(axis=-2) / m
        if g is None:
            mean[...] = new_mean
            T[idx] = G
        else:
            self.mean[g.sel] = new_mean
            self.T[rows, idx] = G
        return est, self.batch


def _mv(M, v):
    """Matrix-vector products M @ v.

    One BLAS gemv for M (k, m), v (m,); per stack entry (the same routine) for M (G, k, m), v (G,
    m).
    """
    return M @ v if v.ndim == 1 else np.matmul(M, v[..., None])[..., 0]

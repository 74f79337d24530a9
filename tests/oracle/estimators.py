"""Per-agent gradient estimators (the oracle of :mod:`netsim.algorithms.estimators`; spec
``lt_admm_cc.md`` §2.3).

Each estimator owns its state (the SAGA table, the sampling stream) and returns, for the
local-training iterate phi, an estimate g of grad f_i(phi) plus the number of component
gradients it evaluated. No SimPy here.

* :class:`MinibatchGradient` - g = (1/|B|) sum_{h in B} grad f_{i,h}(phi)  (plain LT-ADMM).
* :class:`SagaGradient`      - g = (1/|B|) sum_{h in B} [grad f_{i,h}(phi) - T_h] + mean(T),
  then T_h <- grad f_{i,h}(phi) for h in B (standard SAGA bookkeeping, no extra cost); the
  table is filled once at x_0 (m_i evaluations) and persists across rounds.
* :class:`SvrgGradient`      - the same, but the table is reset to grad f_{i,h}(x_{i,k}) at
  the start of every round (m_i evaluations per round).

Mini-batches are drawn without replacement from the agent's own sampling stream; with
``batch = "all"`` every estimator returns the exact local gradient.
"""

from __future__ import annotations

import numpy as np

__all__ = ["MinibatchGradient", "SagaGradient", "SvrgGradient", "make_estimator"]


class MinibatchGradient:
    """Plain mini-batch gradient (no variance reduction)."""

    #: single indices drawn ahead per refill of the batch-1 buffer
    BLOCK = 512

    def __init__(self, problem, batch, rng):
        self.problem = problem
        self.m = problem.m
        self.full = batch == "all" or batch >= self.m
        self.batch = self.m if self.full else int(batch)
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

    def start(self, x: np.ndarray, first: bool) -> int:
        """Called at the start of each round at x_{i,k}; returns gradients evaluated."""
        return 0

    def __call__(self, phi: np.ndarray) -> tuple[np.ndarray, int]:
        """Return (g, gradients evaluated) at phi."""
        if self.full:
            return self.problem.grad(phi), self.m
        return self.problem.minibatch_grad(phi, self._sample()), self.batch


class SagaGradient(MinibatchGradient):
    """SAGA-type variance-reduced estimator with a persistent gradient table."""

    def start(self, x, first):
        if self.full or not first:
            return 0
        self._fill(x)
        return self.m

    def _fill(self, x):
        table = self.problem.component_grads(x, np.arange(self.m))
        if getattr(self, "table", None) is None:
            self.table, self.mean = table, table.mean(axis=0)
        else:      # in place: the batched kernels keep the table in a stacked array
            self.table[...] = table
            self.mean[...] = table.mean(axis=0)

    def __call__(self, phi):
        if self.full:
            return self.problem.grad(phi), self.m
        idx = self._sample()
        G = self.problem.component_grads(phi, idx)
        diff = G - self.table[idx]
        if self.batch == 1:
            # one row: its mean (row / 1) and its sum are the row itself, exactly
            d = diff[0]
            g = d + self.mean
            self.mean[...] = self.mean + d / self.m
        else:
            g = diff.mean(axis=0) + self.mean
            self.mean[...] = self.mean + diff.sum(axis=0) / self.m
        self.table[idx] = G
        return g, self.batch


class SvrgGradient(SagaGradient):
    """SVRG-type estimator: the SAGA table is recomputed at x_{i,k} every round."""

    def start(self, x, first):
        if self.full:
            return 0
        self._fill(x)
        return self.m


def make_estimator(kind: str, problem, batch, rng):
    """``kind`` in {"minibatch", "saga", "svrg"} -> estimator instance."""
    return {"minibatch": MinibatchGradient, "saga": SagaGradient,
            "svrg": SvrgGradient}[kind](problem, batch, rng)

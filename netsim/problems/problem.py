"""The global problem F(x) = sum_i f_i(x) + g(x) and its reference optimum.

x* comes from a centralized solver that shares no code path with the agents' oracles'
use in the algorithms: scipy's L-BFGS-B on the stacked data, then a polish to machine
precision (Newton's method for logistic regression, the normal equations for least
squares, an active-set solve with the KKT conditions checked for lasso). Tests compare it
with scikit-learn and numpy.
"""

from __future__ import annotations

import contextlib
import contextvars

import numpy as np
import scipy.linalg
import scipy.optimize
from scipy.special import expit

from netsim.errors import ScenarioError
from netsim.problems.local import LocalProblem, _polish

__all__ = ["Problem", "reference_optimum", "stacked_rows", "without_optimum"]

#: inside :func:`without_optimum`: a problem's x* is not solved (reads as NaN)
_SKIP_OPTIMUM = contextvars.ContextVar("netsim_skip_optimum", default=False)


@contextlib.contextmanager
def without_optimum():
    """Build runs without solving for the reference optimum (``netsim validate`` checks a
    scenario by building it; the runs are not simulated, so x* is not needed). Scoped to the
    current context (thread / task); x* read inside is NaN and not kept.
    """
    token = _SKIP_OPTIMUM.set(True)
    try:
        yield
    finally:
        _SKIP_OPTIMUM.reset(token)


class Problem:
    """All agents' local problems plus the reference optimum.

    Attributes:
        kind: "logistic", "least_squares" or "lasso".
        agents: list of :class:`LocalProblem` (f_i; lasso shares g evenly: l1_i = l1 / N).
        dim, n_agents: sizes.
        l1: total l1 weight (lasso), else 0.
        x_star, f_star: the optimum and F(x_star).
        classifier: True for logistic regression (the trace gets an ``accuracy`` column).
    """

    def __init__(self, kind: str, agents: list[LocalProblem], l1: float = 0.0,
                 description: str = ""):
        self.kind = kind
        self.agents = agents
        self.n_agents = len(agents)
        self.dim = agents[0].dim
        self.l1 = float(l1)
        self.classifier = kind == "logistic"
        self.description = description

    def _skipped(self) -> bool:
        # least squares keeps its closed-form solve: it is one Cholesky factorization, and
        # the check that the data determine x* (reg = 0) is part of validating a scenario
        return _SKIP_OPTIMUM.get() and "_x_star" not in self.__dict__ \
            and self.kind != "least_squares"

    @property
    def x_star(self) -> np.ndarray:
        """The reference optimum, solved when first read (inside :func:`without_optimum`:
        NaN, neither solved nor kept, except the closed-form least-squares solve).
        """
        if self._skipped():
            return np.full(self.dim, np.nan)
        if "_x_star" not in self.__dict__:
            self._x_star = reference_optimum(self)
        return self._x_star

    @property
    def f_star(self) -> float:
        """F(x_star) (NaN where :attr:`x_star` is)."""
        if self._skipped():
            return float("nan")
        if "_f_star" not in self.__dict__:
            self._f_star = self.objective(self.x_star)
        return self._f_star

    def objective(self, x: np.ndarray) -> float:
        """F(x) = sum_i f_i(x) + l1 ||x||_1 (sum over agents in order)."""
        st = self._stack()
        if st is None:
            return float(sum(a.loss(x) for a in self.agents))
        # the per-agent LocalProblem.loss, all agents at once, bit for bit: stacked matmul
        # calls the same BLAS routine per agent as a.A @ x; row means reduce each row as a
        # 1-D mean does (tests/test_performance_equivalences.py)
        A, b, regs, l1s = st
        z = self._scores(x)
        if self.kind == "logistic":
            vals = np.mean(np.logaddexp(0.0, -b * z), axis=1)
        else:
            vals = 0.5 * np.mean((z - b) ** 2, axis=1)
        xx, ax = float(x @ x), float(np.abs(x).sum())     # Python floats: same IEEE results
        return float(sum(v + 0.5 * r * xx + l1 * ax
                         for v, r, l1 in zip(vals.tolist(), regs, l1s)))

    def _scores(self, x):
        """a_h . x for every agent's rows, (N, m).

        The last result is reused for the same x (the monitor asks for the objective and the
        accuracy of one point).
        """
        last = getattr(self, "_last_scores", None)
        if last is not None and last[0].shape == x.shape and last[0].tobytes() == x.tobytes():
            return last[1]
        z = np.matmul(self._stack()[0], x)
        self._last_scores = (np.array(x, dtype=float), z)
        return z

    def share_stacked_data(self) -> None:
        """Stack the agents' data now (when they allow it, see :meth:`_stack`): each agent's
        ``A`` and ``b`` become views of one array. Call it before handing the agents' data to
        objects that keep it, so that they keep views, not a second copy.
        """
        self._stack()

    def _stack(self):
        """(A (N, m, d), b (N, m), regs, l1s), or None.

        Given when every agent is a LocalProblem with the same m (then the metrics are computed for
        all agents at once).
        """
        if not hasattr(self, "_stacked_data"):
            ags = self.agents
            ok = all(type(a) is LocalProblem for a in ags) and len({a.m for a in ags}) == 1
            self._stacked_data = None
            if ok:
                A, b = stacked_rows(ags)        # no copy if they are views of one already
                for i, a in enumerate(ags):      # one copy of the data: agents hold views
                    a.A, a.b = A[i], b[i]
                self._stacked_data = (A, b, [a.reg for a in ags], [a.l1 for a in ags])
        return self._stacked_data


    def smooth_grad(self, x: np.ndarray) -> np.ndarray:
        """sum_i grad f_i(x) (smooth parts)."""
        return sum(a.grad(x) for a in self.agents)

    def grad_norm(self, x: np.ndarray) -> float:
        """||sum_i grad f_i(x)||, or for lasso the prox-gradient mapping's norm.

        For lasso ||x - S(x - grad, l1)||, zero exactly at the optimum.
        """
        g = self.smooth_grad(x)
        if self.l1 > 0:
            shrunk = np.sign(x - g) * np.maximum(np.abs(x - g) - self.l1, 0)
            return float(np.linalg.norm(x - shrunk))
        return float(np.linalg.norm(g))

    def accuracy(self, x: np.ndarray) -> float:
        """Fraction of all samples with sign(a.x) = b (classifiers)."""
        st = self._stack()
        if st is None:
            hits = sum(int(np.sum((a.A @ x > 0) == (a.b > 0))) for a in self.agents)
        else:
            hits = int(np.sum((self._scores(x) > 0) == (st[1] > 0)))
        return hits / sum(a.m for a in self.agents)


def _stacked(problem):
    """Rows weighted so that sum_i (1/m_i) sum_h = sum over stacked rows: w_h = 1/m_i.

    When the agents' data are stacked (:meth:`Problem._stack`), ``A`` and ``b`` are reshaped
    views of it (the same rows in the same order, no second copy of the data).
    """
    st = problem._stack()
    if st is not None and st[0].ndim == 3:
        A3, b2 = st[0], st[1]
        A, b = A3.reshape(-1, A3.shape[2]), b2.reshape(-1)
        w = np.full(A.shape[0], 1.0 / A3.shape[1])
        return A, b, w, sum(a.reg for a in problem.agents)
    A = np.vstack([a.A for a in problem.agents])
    b = np.concatenate([a.b for a in problem.agents])
    w = np.concatenate([np.full(a.m, 1.0 / a.m) for a in problem.agents])
    reg = sum(a.reg for a in problem.agents)
    return A, b, w, reg


def reference_optimum(problem: Problem) -> np.ndarray:
    """x* = argmin F by a centralized solver (see the module docstring)."""
    A, b, w, reg = _stacked(problem)
    d = problem.dim
    if problem.kind in ("least_squares", "lasso"):
        Q = (A.T * w) @ A + reg * np.eye(d)
        q = A.T @ (w * b)
        if problem.kind == "least_squares":
            try:
                x = scipy.linalg.solve(Q, q, assume_a="pos")
            except np.linalg.LinAlgError:
                raise ScenarioError("problem.regularization",
                                    "must be > 0 here: the stacked data do not determine a "
                                    "unique least-squares solution; got "
                                    f"{reg / problem.n_agents}") from None
            return x + scipy.linalg.solve(Q, q - Q @ x, assume_a="pos")   # refinement step
        return _lasso_optimum(Q, q, problem.l1)
    return _logistic_optimum(A, b, w, reg)


def _logistic_optimum(A, b, w, reg):
    def fun(x):
        z = b * (A @ x)
        val = w @ np.logaddexp(0.0, -z) + 0.5 * reg * (x @ x)
        g = -A.T @ (w * b * expit(-z)) + reg * x
        return val, g

    d = A.shape[1]
    res = scipy.optimize.minimize(fun, np.zeros(d), jac=True, method="L-BFGS-B",
                                  options={"maxiter": 10_000, "ftol": 1e-15, "gtol": 1e-12})
    x = res.x
    for _ in range(50):   # Newton polish to machine precision
        s = expit(-b * (A @ x))
        g = -A.T @ (w * b * s) + reg * x
        H = (A.T * (w * s * (1 - s))) @ A + reg * np.eye(d)
        dx = scipy.linalg.solve(H, g, assume_a="pos")
        x = x - dx
        if np.linalg.norm(dx) <= 1e-16 * max(1.0, np.linalg.norm(x)):
            break
    return x


def _lasso_optimum(Q, q, lam):
    """Min 1/2 x'Qx - q'x + lam||x||_1.

    L-BFGS-B on the split x = p - n (p, n >= 0), then the active-set solve on its support (KKT
    verified); if that support guess was off, an exact active-set method from x = 0
    (:func:`~netsim.problems.local.lasso_qp`, which itself falls back to coordinate descent),
    keeping whichever result violates the KKT conditions least.
    """
    d = q.size

    def fun(pn):
        x = pn[:d] - pn[d:]
        Qx = Q @ x
        g = Qx - q
        val = 0.5 * x @ Qx - q @ x + lam * pn.sum()
        return val, np.concatenate([g + lam, -g + lam])

    res = scipy.optimize.minimize(fun, np.zeros(2 * d), jac=True, method="L-BFGS-B",
                                  bounds=[(0, None)] * (2 * d),
                                  options={"maxiter": 20_000, "ftol": 1e-16, "gtol": 1e-13})
    x = res.x[:d] - res.x[d:]
    scale = max(np.abs(x).max(), 1e-300)
    x[np.abs(x) < 1e-7 * scale] = 0.0
    xp = _polish(Q, q, lam, x)
    if xp is not None:
        return xp
    from netsim.problems.local import lasso_qp

    tries = [lasso_qp(Q, q, lam)[0], lasso_qp(Q, q, lam, x)[0]]
    return min(tries, key=lambda y: _kkt_violation(Q, q, lam, y))


def _kkt_violation(Q, q, lam, x):
    """max_j of |g_j + lam sign(x_j)| (x_j != 0) and |g_j| - lam (x_j = 0), g = Qx - q."""
    g = Q @ x - q
    on = x != 0
    return max(np.abs(g[on] + lam * np.sign(x[on])).max(initial=0.0),
               (np.abs(g[~on]) - lam).max(initial=0.0))


def stacked_rows(local_problems):
    """(A (N, m, d), b (N, m)) of these agents.

    The arrays of :meth:`Problem._stack` when the agents' data are its views, in order (no copy),
    else freshly stacked.
    """
    A0 = local_problems[0].A
    base = A0.base
    if (base is not None and base.ndim == 3 and base.shape[0] == len(local_problems)
            and all(p.A.base is base and p.b.base is local_problems[0].b.base
                    and p.A.ctypes.data == base[i].ctypes.data
                    for i, p in enumerate(local_problems))):
        return base, local_problems[0].b.base
    return (np.stack([p.A for p in local_problems]), np.stack([p.b for p in local_problems]))

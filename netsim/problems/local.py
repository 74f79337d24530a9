"""One agent's objective: loss, gradients, component gradients and exact local solves.

Conventions (SCENARIO.md): for agent i with m rows a_h and targets b_h,

    f_i(x) = (1/m) sum_h loss_h(x) + (reg/2) ||x||^2  (+ l1 ||x||_1 for lasso)

least squares / lasso: loss_h = (1/2)(a_h.x - b_h)^2;  logistic: loss_h = log(1 + exp(-b_h a_h.x)),
b_h in {-1, +1}. For lasso ``reg = 0`` and ``l1`` is this agent's share of the l1 weight.

Component gradient h (the unit counted in the trace's ``gradients`` column):
grad loss_h(x) + reg x.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.linalg
from scipy.special import expit

__all__ = ["LocalProblem", "lasso_qp", "soft_threshold"]


def soft_threshold(v, t):
    """Prox of t||.||_1: sign(v) max(|v| - t, 0)."""
    return np.sign(v) * np.maximum(np.abs(v) - t, 0.0)


def _polish(Q, q, lam, x):
    """Active-set refinement for min 1/2 x'Qx - q'x + lam||x||_1: with the support S and the
    signs s of ``x`` fixed, solve Q_SS x_S = q_S - lam s_S; return the point if it satisfies
    the KKT conditions (signs kept, |q_j - (Qx)_j| <= lam off the support), else None.
    """
    S = np.flatnonzero(x)
    out = np.zeros_like(x)
    if S.size:
        s = np.sign(x[S])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", scipy.linalg.LinAlgWarning)
                xs = scipy.linalg.solve(Q[np.ix_(S, S)], q[S] - lam * s, assume_a="pos")
        except (np.linalg.LinAlgError, scipy.linalg.LinAlgWarning, ValueError):
            return None
        if np.any(np.sign(xs) != s):
            return None
        out[S] = xs
    r = q - Q @ out
    off = np.ones(x.size, dtype=bool)
    off[S] = False
    if np.any(np.abs(r[off]) > lam * (1 + 1e-12) + 1e-15):
        return None
    return out


def lasso_qp(Q, q, lam, x0=None):
    """Exact minimizer of phi(x) = 1/2 x'Qx - q'x + lam ||x||_1 (Q positive definite, or
    semi-definite with a unique minimizer).

    Feature-sign search (Lee, Battle, Raina & Ng, 2007), warm-started at ``x0``: keep an
    active set S with signs s; once x is optimal on S, activate the zero coordinate with the
    largest violation |q_j - (Qx)_j| > lam (sign of q_j - (Qx)_j); solve
    Q_SS x_S = q_S - lam s_S; walk from x towards that point,
    keeping the best of it and the points where a coordinate crosses zero (phi decreases
    strictly, so the loop is finite). It stops at the KKT point, exact to rounding error:
    (Qx - q)_j = -lam sign(x_j) on the support, |(Qx - q)_j| <= lam off it. Should rounding
    ever stall it (or Q_SS be singular), coordinate descent (:func:`_lasso_cd`) finishes the job.

    Returns (x, passes): ``passes`` counts the evaluations of Qx - q (one data pass each).
    """
    d = q.size
    x = np.zeros(d) if x0 is None else np.array(x0, dtype=float)
    tol = lam * 1e-12 + 1e-14 * (1.0 + np.abs(q).max(initial=0.0))

    def phi(y):
        return 0.5 * y @ (Q @ y) - q @ y + lam * np.abs(y).sum()

    passes, solved = 0, x0 is None   # solved: x is the exact minimizer on its sign pattern
    for _ in range(10 * d + 100):
        passes += 1
        off_viol = np.where(x != 0, 0.0, np.abs(q - Q @ x) - lam)
        j = int(np.argmax(off_viol))
        if solved and off_viol[j] <= tol:
            return x, passes
        s = np.sign(x)
        if solved:   # optimal on its support: activate the worst violator (it moves its way)
            s[j] = np.sign((q - Q @ x)[j])
        S = np.flatnonzero(s)
        xs = np.zeros(0)
        if S.size:
            xs = _restricted_step(Q[np.ix_(S, S)], q[S] - lam * s[S], x[S])
        if np.all(np.sign(xs) == s[S]):
            x = np.zeros(d)
            x[S] = xs
            solved = True
            continue
        solved = False
        # line search over [x_S, xs]: the end point and every zero crossing
        cur, step = x[S], xs - x[S]
        with np.errstate(divide="ignore", invalid="ignore"):
            ts = -cur / step
        cand = [1.0] + [t for t in ts[(ts > 0) & (ts < 1)]]
        best, best_val = x, phi(x)
        for t in cand:
            y = np.zeros(d)
            y[S] = cur + t * step
            y[S[np.abs(ts - t) <= 1e-15 * max(1.0, t)]] = 0.0
            val = phi(y)
            if val < best_val:
                best, best_val = y, val
        if best is x:   # no descent left at this precision: hand over to coordinate descent
            break
        x = best
    x, sweeps = _lasso_cd(Q, q, lam, x)
    return x, passes + sweeps


def _restricted_step(H, c, cur):
    """Target of the feature-sign step: argmin 1/2 y'Hy - c'y (H = Q_SS).

    If H is singular (Q = A'A only semi-definite, more active features than samples) and c
    is not in its range, the restricted objective decreases linearly along the null-space
    part d of c; then return cur + T d with T past the last zero crossing, so that the line
    search of :func:`lasso_qp` visits every crossing (phi is bounded, so one exists).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", scipy.linalg.LinAlgWarning)
            return scipy.linalg.solve(H, c, assume_a="pos")
    except (np.linalg.LinAlgError, scipy.linalg.LinAlgWarning, ValueError):
        pass   # singular to working precision
    w, V = np.linalg.eigh(H)
    big = w > 1e-13 * max(w.max(), 1e-300)
    y = V[:, big] @ ((V[:, big].T @ c) / w[big])
    d = V[:, ~big] @ (V[:, ~big].T @ c)
    if np.linalg.norm(d) <= 1e-12 * max(np.linalg.norm(c), 1e-300):
        return y                       # c in range(H): the minimum-norm minimizer
    with np.errstate(divide="ignore", invalid="ignore"):
        ts = -cur / d
    ts = ts[np.isfinite(ts) & (ts > 0)]
    return cur + (2.0 * ts.max() if ts.size else 1.0) * d


def _lasso_cd(Q, q, lam, x0, max_sweeps=100_000):
    """Coordinate descent for phi (x_j <- S(q_j - sum_{k != j} Q_jk x_k, lam) / Q_jj) from
    ``x0``, with the active-set refinement :func:`_polish` tried every 5 sweeps.
    Returns (x, sweeps).
    """
    d = q.size
    x = np.array(x0, dtype=float)
    diag = np.diag(Q).copy()
    for sweep in range(max_sweeps):
        if sweep % 5 == 0:
            xp = _polish(Q, q, lam, x)
            if xp is not None:
                return xp, sweep
        r = q - Q @ x
        for j in range(d):
            old = x[j]
            z = r[j] + diag[j] * old
            new = (np.sign(z) * max(abs(z) - lam, 0.0)) / diag[j] if diag[j] > 0 else 0.0
            if new != old:
                r -= Q[:, j] * (new - old)
                x[j] = new
    return x, max_sweeps   # pragma: no cover - CD on a PD quadratic converges


class _Factor:
    """A Cholesky factor H = U'U kept in packed form (d(d+1)/2 floats: half of the d x d
    matrix ``scipy.linalg.cho_factor`` keeps), solved with LAPACK ``potrs`` directly: the
    same routine, hence the same bits, as ``cho_solve`` on the unpacked factor, without
    scipy's per-call input checks (the inputs are ours and finite-checked at build).

    Args:
        H: symmetric positive definite (d, d).

    Raises:
        numpy.linalg.LinAlgError: H is not positive definite (as ``cho_factor``).
    """

    def __init__(self, H: np.ndarray):
        U, _lower = scipy.linalg.cho_factor(H)
        self.dim = U.shape[0]
        self.packed, info = _trttp(U, uplo="U")
        if info != 0:     # pragma: no cover - only for invalid arguments
            raise ValueError(f"LAPACK trttp failed (info {info})")

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        """X with H x = rhs (float64 (d,))."""
        U, _ = _tpttr(self.dim, self.packed, uplo="U")
        x, info = _potrs(U, rhs, lower=0)
        if info != 0:     # pragma: no cover - only for invalid arguments
            raise ValueError(f"LAPACK potrs failed (info {info})")
        return x


_trttp, _tpttr, _potrs = scipy.linalg.lapack.get_lapack_funcs(
    ("trttp", "tpttr", "potrs"), dtype=np.float64)


class LocalProblem:
    """Agent i's data and objective (see the module docstring).

    Attributes:
        kind: "logistic", "least_squares" or "lasso".
        A, b: rows and targets (float64).
        m, dim: sample count and dimension.
        reg: l2 weight; l1: l1 weight (lasso only).
    """

    def __init__(self, kind: str, A: np.ndarray, b: np.ndarray, reg: float, l1: float = 0.0):
        self.kind = kind
        self.A = np.ascontiguousarray(A, dtype=float)
        self.b = np.ascontiguousarray(b, dtype=float)
        self.m, self.dim = self.A.shape
        self.reg = float(reg)
        self.l1 = float(l1)
        self._quadratic = kind in ("least_squares", "lasso")
        if self._quadratic:
            self._Atb = self.A.T @ self.b / self.m
        # per c: the Cholesky factor (least squares) or the lasso's Q; the Gram matrix A'A/m
        # itself is never kept (built when a new c needs it: one d x d matrix per c)
        self._factors: dict[float, object] = {}

    def _gram(self) -> np.ndarray:
        """A'A/m (d x d), built on demand (same bits every time)."""
        return self.A.T @ self.A / self.m

    # ------------------------------------------------------------------ values and gradients
    def loss(self, x: np.ndarray) -> float:
        """f_i(x), including the l1 share for lasso."""
        z = self.A @ x
        if self._quadratic:
            val = 0.5 * np.mean((z - self.b) ** 2)
        else:
            val = np.mean(np.logaddexp(0.0, -self.b * z))
        return float(val + 0.5 * self.reg * (x @ x) + self.l1 * np.abs(x).sum())

    def _weights(self, a, b, x):
        """D loss_h / d (a_h.x) for the rows given."""
        z = a @ x
        if self._quadratic:
            return z - b
        return -b * expit(-b * z)

    def grad(self, x: np.ndarray) -> np.ndarray:
        """Gradient of the smooth part: (1/m) A^T w + reg x."""
        return self.A.T @ self._weights(self.A, self.b, x) / self.m + self.reg * x

    def component_grads(self, x: np.ndarray, idx) -> np.ndarray:
        """Rows grad loss_h(x) + reg x for h in ``idx`` (shape len(idx) x dim)."""
        a = self.A[idx]
        return a * self._weights(a, self.b[idx], x)[:, None] + self.reg * x

    def minibatch_grad(self, x: np.ndarray, idx) -> np.ndarray:
        """(1/|B|) sum_{h in B} (grad loss_h(x) + reg x)."""
        a = self.A[idx]
        return a.T @ self._weights(a, self.b[idx], x) / len(idx) + self.reg * x

    # ------------------------------------------------------------------ exact local solve
    def solve(self, c: float, v: np.ndarray, x_init=None) -> tuple[np.ndarray, int]:
        """argmin_x f_i(x) + (c/2)||x||^2 - v.x, returned with the component gradients used.

        least squares: (A'A/m + (reg + c) I) x = A'b/m + v with a Cholesky factor cached per c
        (0 gradients). logistic: Newton's method from ``x_init`` to machine precision
        (m gradients per Newton step). lasso: :func:`lasso_qp` on the same quadratic
        (m gradients per pass of feature-sign search).
        """
        c = float(c)
        if self.kind == "least_squares":
            fac = self._factors.get(c)
            if fac is None:
                H = self._gram() + (self.reg + c) * np.eye(self.dim)
                fac = self._factors[c] = _Factor(H)
            return fac.solve(self._Atb + v), 0
        if self.kind == "lasso":
            Q = self._factors.get(c)
            if Q is None:
                Q = self._factors[c] = self._gram() + (self.reg + c) * np.eye(self.dim)
            x, sweeps = lasso_qp(Q, self._Atb + v, self.l1, x_init)
            return x, self.m * max(sweeps, 1)
        return self._newton(c, v, x_init)

    def _newton(self, c, v, x_init):
        x = np.zeros(self.dim) if x_init is None else np.array(x_init, dtype=float)
        mu = self.reg + c
        A, b, m = self.A, self.b, self.m

        def phi(y):
            return np.mean(np.logaddexp(0.0, -b * (A @ y))) + 0.5 * mu * (y @ y) - v @ y

        steps = 0
        for steps in range(1, 101):
            z = A @ x
            s = expit(-b * z)
            g = -A.T @ (b * s) / m + mu * x - v
            w = s * (1.0 - s)
            H = (A.T * w) @ A / m + mu * np.eye(self.dim)
            dx = scipy.linalg.solve(H, g, assume_a="pos")
            dec = float(g @ dx)
            if dec < 1e-26 * max(1.0, float(x @ x)):
                x = x - dx          # one last full step: quadratic convergence, no cost check
                break
            t, f0 = 1.0, phi(x)
            while dec > 1e-12 and t > 1e-10 and phi(x - t * dx) > f0 - 0.25 * t * dec:
                t *= 0.5
            x = x - t * dx
        return x, m * steps

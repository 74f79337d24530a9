"""Problems against independent references: finite differences, scipy, scikit-learn, numpy."""

import numpy as np
import pytest
import scipy.optimize
from scipy.optimize import check_grad

from netsim.errors import ScenarioError
from netsim.problems import PROBLEM_KEYS, make_problem
from netsim.rng import Streams


def _p(n=4, seed=0, **spec):
    base = {"kind": "logistic", "samples_per_agent": 30, "features": 6, "regularization": 0.05}
    base.update(spec)
    return make_problem(base, n, Streams(seed))


@pytest.mark.parametrize("kind", ["logistic", "least_squares", "lasso"])
def test_gradients_match_finite_differences(kind):
    a = _p(kind=kind).agents[1]
    rng = np.random.default_rng(0)
    x = rng.standard_normal(a.dim)

    def smooth(y):
        return a.loss(y) - a.l1 * np.abs(y).sum()

    assert check_grad(smooth, a.grad, x) < 1e-6 * (1 + np.linalg.norm(a.grad(x)))
    G = a.component_grads(x, np.arange(a.m))
    assert np.allclose(G.mean(axis=0), a.grad(x), atol=1e-14)
    idx = np.array([3, 7, 11])
    assert np.allclose(a.minibatch_grad(x, idx), G[idx].mean(axis=0), atol=1e-14)


@pytest.mark.parametrize("kind", ["logistic", "least_squares", "lasso"])
def test_local_solve_is_exact(kind):
    """solve(c, v) minimizes f_i + c/2||x||^2 - v.x: compare with scipy from scratch."""
    a = _p(kind=kind, regularization=0.2).agents[0]
    rng = np.random.default_rng(1)
    c, v = 1.7, rng.standard_normal(a.dim)
    x, grads = a.solve(c, v, x_init=rng.standard_normal(a.dim))
    assert grads >= 0
    if kind == "lasso":
        # KKT: grad of the smooth part + l1 * subgradient = 0
        g = a.grad(x) + c * x - v
        on = x != 0
        assert np.allclose(g[on], -a.l1 * np.sign(x[on]), atol=1e-12)
        assert np.all(np.abs(g[~on]) <= a.l1 + 1e-12)
    else:
        g = a.grad(x) + c * x - v
        assert np.linalg.norm(g) < 1e-12
    phi = lambda y: a.loss(y) + 0.5 * c * y @ y - v @ y   # noqa: E731
    ref = scipy.optimize.minimize(phi, np.zeros(a.dim), method="Powell",
                                  options={"xtol": 1e-10, "ftol": 1e-14, "maxiter": 100000})
    assert phi(x) <= ref.fun + 1e-10
    assert np.linalg.norm(x - ref.x) < 1e-4


def test_least_squares_optimum_matches_numpy_lstsq():
    p = _p(kind="least_squares", regularization=0.1)
    rows, rhs = [], []
    for a in p.agents:   # sum_i 1/(2m)||A_i x - b_i||^2 + reg/2||x||^2 as one lstsq problem
        rows.append(a.A / np.sqrt(a.m))
        rhs.append(a.b / np.sqrt(a.m))
    rows.append(np.sqrt(p.n_agents * 0.1) * np.eye(p.dim))
    rhs.append(np.zeros(p.dim))
    ref = np.linalg.lstsq(np.vstack(rows), np.concatenate(rhs), rcond=None)[0]
    assert np.linalg.norm(p.x_star - ref) <= 1e-12 * np.linalg.norm(ref)
    assert p.grad_norm(p.x_star) < 1e-13


def test_logistic_optimum_matches_sklearn():
    from sklearn.linear_model import LogisticRegression

    # equal m: F = (1/m) [sum loss + m N reg/2 ||x||^2]
    p = _p(kind="logistic", regularization=0.05)
    A = np.vstack([a.A for a in p.agents])
    b = np.concatenate([a.b for a in p.agents])
    m, n = p.agents[0].m, p.n_agents
    # sklearn: C sum loss + 1/2||x||^2  <=>  C = 1 / (m n reg)
    clf = LogisticRegression(C=1.0 / (m * n * 0.05), fit_intercept=False, tol=1e-12,
                             max_iter=10000).fit(A, b)
    ref = clf.coef_.ravel()
    assert np.linalg.norm(p.x_star - ref) <= 1e-6 * np.linalg.norm(ref)
    assert p.grad_norm(p.x_star) < 1e-12
    assert 0.5 < p.accuracy(p.x_star) <= 1.0


def test_lasso_optimum_matches_sklearn():
    from sklearn.linear_model import Lasso

    lam = 0.3
    p = _p(kind="lasso", regularization=lam, samples_per_agent=25, features=15, n=4)
    A = np.vstack([a.A for a in p.agents])
    b = np.concatenate([a.b for a in p.agents])
    n = 4                                          # agents (25 rows each)
    # F = (1/m) sum 1/2 r^2 + lam||x||_1 = n [ 1/(2 n m) ||r||^2 + (lam/n) ||x||_1 ]
    ref = Lasso(alpha=lam / n, fit_intercept=False, tol=1e-14, max_iter=10**6).fit(A, b).coef_
    assert np.linalg.norm(p.x_star - ref) <= 1e-6 * np.linalg.norm(ref)
    assert p.grad_norm(p.x_star) < 1e-12
    assert np.sum(p.x_star != 0) < p.dim          # the l1 term is active
    assert p.objective(p.x_star) <= p.objective(ref) + 1e-12


def test_lasso_splits_l1_over_agents():
    p = _p(kind="lasso", regularization=0.4, n=5)
    assert p.l1 == 0.4 and all(a.l1 == pytest.approx(0.08) and a.reg == 0 for a in p.agents)


def test_synthetic_data_is_seeded_and_per_agent():
    a, b = _p(n=4, seed=3), _p(n=4, seed=3)
    assert all(np.array_equal(x.A, y.A) for x, y in zip(a.agents, b.agents))
    bigger = _p(n=6, seed=3)
    assert all(np.array_equal(x.A, y.A) and np.array_equal(x.b, y.b)
               for x, y in zip(a.agents, bigger.agents[:4]))
    other = _p(n=4, seed=4)
    assert not np.array_equal(a.agents[0].A, other.agents[0].A)
    assert set(np.unique(a.agents[0].b)) <= {-1.0, 1.0}


def test_lasso_truth_is_sparse_and_recovered():
    p = _p(kind="lasso", regularization=0.01, features=20, samples_per_agent=50, n=4,
           sparsity=0.2, noise=0.0)
    assert np.sum(np.abs(p.x_star) > 0.05) == 4


@pytest.mark.parametrize("data", ["breast_cancer", "digits"])
def test_bundled_data_partitions(data):
    p = make_problem({**PROBLEM_KEYS, "data": data, "partition": "iid"}, 7, Streams(0))
    sizes = [a.m for a in p.agents]
    assert max(sizes) - min(sizes) <= 1
    assert sum(sizes) == (569 if data == "breast_cancer" else 1797)
    assert p.dim == (30 if data == "breast_cancer" else 64)
    allA = np.vstack([a.A for a in p.agents])
    assert np.allclose(allA.mean(axis=0), 0, atol=1e-12)  # standardized
    by = make_problem({**PROBLEM_KEYS, "data": data, "partition": "by_label"}, 7, Streams(0))
    mixed = [len(np.unique(a.b)) > 1 for a in by.agents]
    if data == "breast_cancer":                           # 2 classes in contiguous chunks
        assert sum(mixed) <= 1
    else:                                                 # 10 digits over 7 agents
        assert sum(np.all(a.b == -1) for a in by.agents) >= 5
    di = make_problem({**PROBLEM_KEYS, "data": data, "partition": {"dirichlet": 0.3}}, 7,
                      Streams(0))
    assert min(a.m for a in di.agents) >= 2
    pos = [np.mean(a.b > 0) for a in di.agents]
    assert max(pos) - min(pos) > 0.3                      # label skew


def test_npz_per_agent_and_global(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {}
    for i in range(3):
        arrays[f"A_{i}"] = rng.standard_normal((10, 4))
        arrays[f"b_{i}"] = (rng.random(10) > 0.5).astype(float)   # {0, 1} labels
    np.savez(tmp_path / "per.npz", **arrays)
    p = make_problem({**PROBLEM_KEYS, "data": "per.npz"}, 3, Streams(0), tmp_path)
    assert np.array_equal(p.agents[2].A, arrays["A_2"])
    assert set(np.unique(p.agents[0].b)) <= {-1.0, 1.0}
    np.savez(tmp_path / "glob.npz", A=rng.standard_normal((40, 5)), b=rng.standard_normal(40))
    q = make_problem({**PROBLEM_KEYS, "kind": "least_squares", "data": "glob.npz"}, 4,
                     Streams(0), tmp_path)
    assert [a.m for a in q.agents] == [10, 10, 10, 10] and q.dim == 5


@pytest.mark.parametrize("spec,key,value", [
    ({"sampels_per_agent": 3}, "problem.sampels_per_agent", "samples_per_agent"),
    ({"kind": "logistik"}, "problem.kind", "logistic"),
    ({"kind": "mlp", "data": "breast_cancer"}, "problem.data", "fashion_mnist"),
    ({"samples_per_agent": 0}, "problem.samples_per_agent", "0"),
    ({"features": 2.5}, "problem.features", "2.5"),
    ({"regularization": -1}, "problem.regularization", "-1"),
    ({"regularization": 0}, "problem.regularization", "0"),
    ({"partition": "random"}, "problem.partition", "random"),
    ({"partition": {"dirichlet": 0}}, "problem.partition.dirichlet", "0"),
    ({"data": "missing.npz"}, "problem.data", "missing.npz"),
    ({"data": "mnist"}, "problem.data", "mnist"),
    ({"data": "digits", "positive_class": 12}, "problem.positive_class", "12"),
])
def test_bad_specs_name_key_and_value(spec, key, value, tmp_path):
    with pytest.raises(ScenarioError) as e:
        make_problem({**PROBLEM_KEYS, **spec}, 4, Streams(0), tmp_path)
    msg = str(e.value)
    assert msg.startswith(key + " ") and value in msg and "\n" not in msg


def test_bad_npz_files(tmp_path):
    np.savez(tmp_path / "few.npz", A_0=np.ones((3, 2)), b_0=np.ones(3))
    with pytest.raises(ScenarioError, match="problem.data .*A_i, b_i for i = 0..3"):
        make_problem({**PROBLEM_KEYS, "data": "few.npz"}, 4, Streams(0), tmp_path)
    np.savez(tmp_path / "lab.npz", A=np.ones((20, 2)), b=np.arange(20.0))
    with pytest.raises(ScenarioError, match="labels"):
        make_problem({**PROBLEM_KEYS, "data": "lab.npz"}, 4, Streams(0), tmp_path)
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(ScenarioError, match="problem.data"):
        make_problem({**PROBLEM_KEYS, "data": "junk.npz"}, 4, Streams(0), tmp_path)
    np.savez(tmp_path / "obj.npz", A=np.array([{"a": 1}] * 4, dtype=object), b=np.ones(4))
    with pytest.raises(ScenarioError, match="problem.data"):     # pickled objects refused
        make_problem({**PROBLEM_KEYS, "data": "obj.npz"}, 2, Streams(0), tmp_path)

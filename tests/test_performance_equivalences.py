"""Faster code paths that must give the same bits as the straightforward ones."""

import itertools

import numpy as np
import pytest

from netsim.compression.base import tree_map


@pytest.mark.parametrize("m", [1, 2, 3, 7, 50, 1000, 10001, 65537, 2**33])
def test_single_index_sampler_matches_choice(m):
    """rng.integers(0, m) draws exactly what rng.choice(m, 1, replace=False) draws (same
    stream position afterwards), interleaved with other draws."""
    a, b = np.random.default_rng(7), np.random.default_rng(7)
    for k in range(2000):
        assert a.choice(m, size=1, replace=False)[0] == b.integers(0, m)
        if k % 5 == 0:
            assert a.random() == b.random()
        if k % 9 == 0:
            assert np.array_equal(a.choice(m, size=min(m, 3), replace=False),
                                  b.choice(m, size=min(m, 3), replace=False))


# ---------------------------------------------------------------- batched-engine primitives
# The batched kernels (netsim/algorithms/batch.py) rely on these identities; if a numpy or
# BLAS upgrade broke one, these tests name it before the engine-equivalence tests fail.

@pytest.mark.parametrize("m", [1, 7, 50, 1000, 65537, 2**33])
def test_block_of_single_indices_equals_one_call_each(m):
    """integers(0, m, size=K) == K calls of integers(0, m) == K calls of
    choice(m, 1, replace=False); the estimators' buffer returns the same sequence."""
    from netsim.algorithms.estimators import Sampler

    a, b = np.random.default_rng(11), np.random.default_rng(11)
    assert np.array_equal(a.integers(0, m, size=3001),
                          [b.integers(0, m) for _ in range(3001)])
    est = Sampler(m, 1, np.random.default_rng(5))
    ref = np.random.default_rng(5)
    got = np.concatenate([est._block_of(k) for k in (1, 3, 1, 700, 2, 5)] +
                         [est._sample() for _ in range(50)])
    want = [ref.choice(m, size=1, replace=False)[0] for _ in range(got.size)]
    assert np.array_equal(got, want)


def _rows_vs_loop(comp, V, owners):
    gens = {o: np.random.default_rng(100 + o) for o in set(owners)}
    gens2 = {o: np.random.default_rng(100 + o) for o in set(owners)}
    states = comp.stack_state(V.shape[1], len(owners))
    for _ in range(2):                  # twice: stateful wrappers carry their residuals
        before = states
        vals, bits, states = comp.rows(V, [gens[o] for o in owners], states)
        for r, o in enumerate(owners):
            st = tree_map(lambda a: a[r], before)
            c, _ = comp.update(V[r], st, gens2[o])
            assert c.bits == bits
            assert np.array_equal(c.value.view(np.uint64), vals[r].view(np.uint64)), r
    return states


_ROW_CASES = [("none", {}), ("none", {"float_bits": 32}),
              ("quantizer", {"bits": 1}), ("quantizer", {"bits": 4}),
              ("quantizer", {"bits": 16}), ("dither", {"bits": 2}),
              ("dither", {"bits": 3}), ("dither", {"bits": 8}), ("qsgd", {"bits": 4}),
              ("rand_k", {"k": 7}), ("rand_k", {"fraction": 1.0}),
              ("rand_k", {"k": 3, "scaled": False}),
              ("top_k", {"k": 5}), ("top_k", {"fraction": 0.5}),
              ("quantizer", {"bits": 3, "error_feedback": True}),
              ("top_k", {"k": 5, "error_feedback": True})]


@pytest.mark.parametrize("name,kw", _ROW_CASES)
@pytest.mark.parametrize("wrap", [None, "scaled"])
def test_row_wise_compressors_equal_the_loop(name, kw, wrap):
    """Compressor.rows compresses rows exactly as update() (one row at a time) does, one
    after the other (same dither draws from each row's generator, zero rows, non-finite
    rows), also through the wrappers (error feedback carries a residual per row)."""
    from netsim.compression import scaled
    from netsim.compression.registry import make_compressor

    comp = make_compressor({"name": name, **kw}, 30, "c")
    if wrap:
        comp = scaled(comp, 0.75)
    rng = np.random.default_rng(0)
    V = rng.standard_normal((12, 30)) * rng.choice([1e-8, 1.0, 1e6], size=(12, 1))
    V[3] = 0.0
    V[5, 4] = np.inf
    V[7, 1] = np.nan
    V[9] = -0.0
    states = _rows_vs_loop(comp, V, [0, 0, 0, 1, 1, 2, 3, 3, 3, 3, 4, 0])
    if kw.get("error_feedback"):
        assert np.any(states[1][0] != 0.0)       # the residual is carried


def test_wrappers_keep_the_scale_header_flag():
    """Properties live with the compressor and survive wrapping."""
    from netsim.compression import error_feedback, scaled
    from netsim.compression.registry import make_compressor

    q = make_compressor({"name": "dither", "bits": 3}, 10, "c")
    assert q.scale_header and error_feedback(q).scale_header and scaled(q, 0.5).scale_header
    assert not make_compressor({"name": "top_k", "k": 2}, 10, "c").scale_header


def test_vectorized_durations_equal_the_loop():
    from netsim.compute import ComputeModel, ComputeSpec, Work
    from netsim.distributions import make_distribution
    from netsim.rng import Streams

    spec = ComputeSpec(gradient_time=13e-6, heterogeneity=make_distribution(
        {"dist": "uniform", "low": 0.5, "high": 3.0}, "h"))
    cm = ComputeModel(spec, [20, 35, 20, 50, 7], Streams(4))
    cm.set_speed(1, 0.3)
    cm.set_speed(3, 0.0)
    works = [Work(100, 0), Work(7, 1), Work(0, 2), Work(5, 0), Work(1, 1)]
    ids = [4, 1, 0, 3, 2]
    assert cm.durations(ids, works) == [cm.duration(i, w) for i, w in zip(ids, works)]


@pytest.mark.parametrize("kind", ["logistic", "least_squares", "lasso"])
def test_stacked_objective_equals_the_sum_of_local_losses(kind):
    from netsim.problems import make_problem
    from netsim.rng import Streams

    table = {"kind": kind, "samples_per_agent": 17, "features": 9}
    if kind == "lasso":
        table["regularization"] = 0.01
    p = make_problem(table, 6, Streams(2), None, key="problem")
    assert p._stack() is not None
    rng = np.random.default_rng(1)
    for x in [rng.standard_normal(9), np.zeros(9), p.x_star]:
        want = float(sum(a.loss(x) for a in p.agents))
        assert p.objective(x) == want
        if p.classifier:
            hits = sum(int(np.sum((a.A @ x > 0) == (a.b > 0))) for a in p.agents)
            assert p.accuracy(x) == hits / sum(a.m for a in p.agents)


@pytest.mark.parametrize("d", [3, 20, 100, 784])
def test_stacked_matmul_and_vecdot_call_the_per_vector_blas(d):
    """np.matmul on stacks == the 2-D product per entry; np.vecdot == np.dot per row; both
    are what the batched kernels and the stacked metrics use instead of a loop."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(d)
    A = rng.standard_normal((40, 5, d))
    X = rng.standard_normal((40, d))
    w = rng.standard_normal((40, 5))
    with threadpool_limits(1):
        assert np.array_equal(np.matmul(A, X[:, :, None])[..., 0],
                              np.array([A[g] @ X[g] for g in range(40)]))
        assert np.array_equal(np.matmul(A.transpose(0, 2, 1), w[:, :, None])[..., 0],
                              np.array([A[g].T @ w[g] for g in range(40)]))
        assert np.array_equal(np.vecdot(X, X), np.array([np.dot(x, x) for x in X]))
        assert np.array_equal(np.sqrt(np.vecdot(X, X)),
                              np.array([np.linalg.norm(x) for x in X]))


def test_group_edge_sum_equals_numpy_axis0_sum():
    from netsim.algorithms.batch import _Groups

    rng = np.random.default_rng(3)
    deg = np.array([1, 4, 2, 7, 3])
    off = np.concatenate([[0], np.cumsum(deg)[:-1]])
    Z = rng.standard_normal((deg.sum(), 6))
    Z[2] = -0.0
    Z[off[3]:off[3] + 7, 0] = -0.0
    groups = _Groups(off, deg, np.zeros(deg.sum(), dtype=int))
    for ids in ([0, 1, 2, 3, 4], [3, 1], [4, 0, 2]):
        g = groups.get(ids)
        got = g.edge_sum(Z)
        want = np.array([Z[off[i]:off[i] + deg[i]].sum(axis=0) for i in g.ids])
        assert np.array_equal(got.view(np.uint64), want.view(np.uint64))


def test_one_row_gemv_is_a_product_with_signed_zeros_normalised():
    """a.T @ w for a single row a (what the mini-batch gradient with batch 1 computes) equals
    a * w + 0.0 bit for bit, also for zeros of either sign, subnormals, inf and NaN (the
    batched kernel's shortcut, netsim/algorithms/batch.py)."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    with threadpool_limits(1), np.errstate(all="ignore"):
        for trial in range(300):
            d = int(rng.integers(1, 300))
            a = rng.standard_normal((1, d))
            a[rng.random((1, d)) < 0.3] = 0.0
            a[rng.random((1, d)) < 0.1] = -0.0
            w = rng.standard_normal(1)
            if trial % 3 == 0:
                w[:] = rng.choice([0.0, -0.0, 1e-310, -1e-310, np.inf, -np.inf, np.nan])
            assert np.array_equal((a.T @ w).view(np.uint64), (a[0] * w[0] + 0.0).view(np.uint64))


def test_groups_of_one_are_kept_per_agent_past_the_cache_bound():
    """Asynchronous agents step alone, each in turn: every agent's group of one is built once
    for the run (not rebuilt when more than 256 agents take turns), with the group's fields
    of a one-agent group (basic slices of its rows and CSR edge rows)."""
    from netsim.algorithms.batch import _Groups

    n = 300
    deg = np.full(n, 2)
    off = np.concatenate([[0], np.cumsum(deg)[:-1]])
    nbr = np.array([j % n for i in range(n) for j in (i - 1, i + 1)])
    groups = _Groups(off, deg, nbr)
    first = [groups.get([i]) for i in range(n)]
    for k in range(300):                       # larger groups come and go meanwhile
        groups.get([k % n, (k + 7) % n])
    for i in (0, 5, 299):
        g = groups.get([i])
        assert g is first[i]
        assert g.single and g.order is None and g.ids.tolist() == [i]
        assert g.sel == slice(i, i + 1) and g.esel == slice(2 * i, 2 * i + 2)
        assert g.nbr == [(i - 1) % n, (i + 1) % n] and g.spans == [(0, 2)]
        assert g.edge_owners == [i, i]


def test_group_cache_holds_about_one_small_group_per_agent():
    """Asynchronous agents also finish in small groups that recur about once per agent and
    round (the two neighbours of the agent whose message both waited for): with 300 agents the
    300 such pairs stay cached (the cache's bound is 4 N + 1024 agents of groups), and past the
    bound the cache starts over instead of growing."""
    from netsim.algorithms.batch import _Groups

    n = 300
    deg = np.full(n, 2)
    off = np.concatenate([[0], np.cumsum(deg)[:-1]])
    nbr = np.array([j % n for i in range(n) for j in (i - 1, i + 1)])
    groups = _Groups(off, deg, nbr)
    pairs = [[(i - 1) % n, (i + 1) % n] for i in range(n)]
    first = [groups.get(p) for p in pairs]
    assert all(groups.get(p) is g for p, g in zip(pairs, first))
    assert first[0].ids.tolist() == [1, n - 1] and first[0].order == [1, 0]
    assert first[1].ids.tolist() == [0, 2] and first[1].order is None
    for a, b in list(itertools.combinations(range(n), 2))[:1500]:  # 3000 agents: over it
        groups.get([a, b])
    assert sum(len(key) for key in groups._cache) <= 4 * n + 1024
    assert groups.get(pairs[5]) is not first[5]


def _lt_kernel(kind):
    from netsim.scenario import from_dict
    from netsim.simulate import build

    return build(from_dict({
        "name": "one", "seed": 4, "network": {"agents": 6, "topology": "ring"},
        "problem": {"kind": kind, "samples_per_agent": 9, "features": 7,
                    "regularization": 0.05},
        "algorithm": {"name": "lt-admm", "tau": 4, "batch": 1},
        "stop": {"rounds": 2}, "output": {"plots": False}})).runner.kernel


@pytest.mark.parametrize("kind", ["logistic", "least_squares"])
def test_one_agent_local_steps_equal_the_group_path(kind):
    """Groups of one or two with batch-1 mini-batches take the per-agent path
    (``sample_gradient``): the models, gradient counts and draws equal those of the same agents
    stepping in a (stacked) group of three, bit for bit, also with models holding zeros of
    either sign, huge and tiny entries."""
    from threadpoolctl import threadpool_limits

    one, two = _lt_kernel(kind), _lt_kernel(kind)
    rng = np.random.default_rng(1)
    with threadpool_limits(1), np.errstate(all="ignore"):
        for trial in range(40):
            X = rng.standard_normal(one.X.shape) * 10.0 ** rng.integers(-300, 300, one.X.shape)
            X[rng.random(X.shape) < 0.2] = 0.0
            X[rng.random(X.shape) < 0.2] = -0.0
            Z = rng.standard_normal(one.Z.shape)
            Z[rng.random(Z.shape) < 0.3] = -0.0
            for k in (one, two):
                k.X[...] = X
                k.Z[...] = Z
            i, j, m = trial % 6, (trial + 3) % 6, (trial + 1) % 6
            assert one.est.one_sample(i)
            w1 = one.local_steps([j]) + one.local_steps([m, i])
            w2 = two.local_steps([i, j, m])
            for r in (i, j, m):
                assert np.array_equal(one.X[r].view(np.uint64), two.X[r].view(np.uint64))
            assert [w.gradients for w in w1 + w2] == [4] * 6
        for i in range(6):                 # both drew the same samples
            assert np.array_equal(one.est.ests[i]._block_of(3), two.est.ests[i]._block_of(3))

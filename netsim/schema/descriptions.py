"""What each scenario key means: the text of docs/scenario.md's key tables and of the
JSON Schema's descriptions (one place; :mod:`netsim.schema.markdown` writes the tables).

``KEYS[table][key] = (meaning, ext)``; ``ext``: a netsim extension of the scenario contract.
``DEFAULT_TEXT[table][key]`` replaces the printed default where the model's is computed.
A model key without an entry here fails ``tests/test_schema_doc.py``.
"""

__all__ = ["KEYS", "DEFAULT_TEXT"]

KEYS = {
    'top': {
        'name': (
            'names the results folder (`[A-Za-z0-9_.-]`, at most 100 characters); without'
            ' `name` the stem is made valid: accents dropped, other characters `_` (`my '
            'scen.toml` -> `my_scen`, `données.toml` -> `donnees`)',
            False),
        'description': (
            'free text',
            False),
        'seed': (
            'root seed; every random stream is derived from it by name',
            False),
    },
    'network': {
        'include': (
            'a TOML file (relative to the scenario) whose [network] table is used; keys given here'
            ' override it (see "Reuse across scenarios")',
            True),
        'topology': (
            'graph family (`netsim list topologies`); its parameters are the keys below',
            False),
        'agents': (
            'N >= 2',
            False),
        'p': (
            'erdos_renyi edge probability (redrawn until connected); small_world rewiring'
            ' (0.1)',
            False),
        'patch': (
            'erdos_renyi: one draw, each smaller component linked to the largest by one '
            'random edge (for sparse large graphs, e.g. average degree 4 at N = 1000, '
            'which are almost never connected)',
            True),
        'radius': (
            'random_geometric connection radius (unit square; redrawn until connected)',
            False),
        'k': (
            'small_world neighbours: an even number, k/2 on each side of the ring (an odd'
            ' k is refused, never rounded down)',
            False),
        'm': (
            'scale_free edges per new node',
            False),
        'rows': (
            'grid / torus shape, rows x cols = agents',
            False),
        'cols': (
            'grid / torus shape, rows x cols = agents',
            False),
        'file': (
            '`edges`: CSV `u,v` per line; with a header line, extra columns `bandwidth, '
            "latency, jitter, loss` set that edge's links (both directions)",
            False),
    },
    'network.links': {
        'bandwidth': (
            'serialization rate, FIFO per directed link; or a distribution table *(ext)*,'
            ' drawn once per edge',
            False),
        'latency': (
            'propagation delay, finite (or a distribution table *(ext)*, drawn once per '
            'edge)',
            False),
        'jitter': (
            'extra delay per message (number or distribution; messages may overtake)',
            False),
        'loss': (
            'per-transmission loss probability in [0, 1) (or a distribution table '
            '*(ext)*, drawn once per edge)',
            False),
        'on_loss': (
            '`drop` (receiver proceeds after `timeout`) or `retransmit` (sender re-sends '
            'after `timeout`; bits counted again)',
            False),
        'timeout': (
            "finite wait for a lossy link's message; auto = 2(latency + E[jitter] + "
            'bits/bandwidth) + 4 E[jitter] + 1 ms',
            True),
        'uplink': (
            "per-node sending capacity shared by all the node's links (FIFO queue, or a "
            'fair-shared resource)',
            False),
        'downlink': (
            'per-node receiving capacity (needs `sharing = "fair"`)',
            True),
        'header_bits': (
            'added to every message',
            False),
        'sharing': (
            '`fifo` (store-and-forward queues) or `fair` (flow-level weighted max-min, '
            'SimGrid CM02)',
            False),
        'model': (
            '`ideal` or `tcp` (needs `sharing = "fair"`; SimGrid LV08 with CM02\'s window)',
            False),
        'tcp': (
            '`{ latency_factor = 13.01, bandwidth_factor = 0.97, weight_s = "20537 B", '
            'cross_traffic = 0.05, gamma = "4194304 B" }`',
            True),
        'in_order': (
            'deliver in sending order on each link (jitter only delays)',
            True),
        'segment_loss': (
            'per-segment loss; a message of b bits is ceil(b / `mss`) segments',
            True),
        'mss': (
            'segment size for `segment_loss`',
            True),
        'burst': (
            'Gilbert–Elliott loss `{ p_gb, p_bg, loss_good, loss_bad }` (defaults 0.01, '
            '0.3, 0, 0.5); replaces `loss`',
            True),
        'on_down': (
            'a message handed to a link that is down (state profile): `hold` until up, or'
            ' `drop` (lost, then `on_loss` applies)',
            True),
    },
    'network.links.tcp': {
        'latency_factor': ('factor on the latency (LV08: 13.01)', True),
        'bandwidth_factor': ('share of the bandwidth a flow can use (LV08: 0.97)', True),
        'weight_s': ('latency weight of a flow in the sharing (CM02, SimGrid\'s weight_S)',
                     True),
        'cross_traffic': ('share of the reverse direction used by acknowledgements', True),
        'gamma': ('TCP window: a flow\'s rate is at most gamma / (2 x latency)', True),
    },
    'network.links.burst': {
        'p_gb': ('per-message probability of going from the good to the bad state', True),
        'p_bg': ('per-message probability of going from the bad to the good state', True),
        'loss_good': ('loss probability in the good state', True),
        'loss_bad': ('loss probability in the bad state', True),
    },
    'compute': {
        'include': (
            'a TOML file (relative to the scenario) whose [compute] table is used; keys given here'
            ' override it (see "Reuse across scenarios")',
            True),
        'gradient_time': (
            'seconds per component gradient (this, `solve_time` and `server_time` are '
            'finite and <= 1e6 s)',
            False),
        'solve_time': (
            'seconds per exact local solve; auto = m_i x gradient_time',
            True),
        'heterogeneity': (
            'per-agent speed factor, drawn once per agent (distribution)',
            True),
        'noise': (
            'per-step factor drawn every compute step (distribution)',
            True),
        'stragglers.fraction': (
            'fraction of agents in the slow set (drawn from the seed)',
            False),
        'stragglers.slowdown': (
            "factor on the slow set's steps (number or distribution, drawn per step)",
            False),
        'stragglers.agents': (
            'explicit slow set (list of agent indices), instead of `fraction`',
            True),
        'server_time': (
            'server algorithms: seconds per z-update',
            True),
    },
    'problem': {
        'kind': (
            '`logistic`, `least_squares`, `lasso`, `mlp`',
            False),
        'samples_per_agent': (
            'synthetic data: rows per agent; `mlp`: at most this many training samples '
            'per agent (a random subset of its shard)',
            False),
        'features': (
            'synthetic data: dimension',
            False),
        'regularization': (
            'l2 weight (logistic, least squares, mlp); l1 weight (lasso), also as `"0.1 '
            'lambda_max"` *(ext)*: a factor of lambda_max = \\|\\|sum_i A_i\'b_i / '
            'm_i\\|\\|_inf, the smallest weight with x* = 0',
            False),
        'data': (
            '`synthetic`, `digits`, `breast_cancer` (scikit-learn, offline), or a `.npz` '
            'file; `mlp`: `digits` or `fashion_mnist` (Debian package '
            '`dataset-fashion-mnist`)',
            False),
        'partition': (
            '`iid`, `by_label`, `{ dirichlet = a }` (real data and global `.npz`)',
            False),
        'noise': (
            'synthetic label / target noise',
            True),
        'sparsity': (
            'lasso: fraction of non-zeros in the synthetic truth',
            True),
        'positive_class': (
            'digits: the class labelled +1 (one vs rest)',
            True),
        'standardize': (
            'real data: zero-mean, unit-variance features',
            True),
        'hidden': (
            'mlp: hidden units (one tanh layer, softmax output)',
            True),
        'test_fraction': (
            'mlp on digits: held-out share for the `accuracy` column (Fashion-MNIST uses '
            'its 10000 test images)',
            True),
    },
    'algorithm': {
        'name': (
            'see the table below and `netsim list algorithms`',
            False),
        'x0': (
            '`zeros`, `random` (mlp: Glorot, the same for every agent), or an `.npz` with'
            ' array `x0` (agents x dim)',
            False),
        'wait': (
            'peer wait policy: `"all"` (synchronous rounds) or `{ neighbours = K, delay_bound'
            ' = D, ahead = "hold" \\| "use" }` (K in 1..smallest degree, D integer >= 1 or'
            ' `"inf"`): asynchronous rounds for `admm`, `lt-admm`, `lt-admm-vr`; see'
            ' [async.md](async.md)',
            False),
        'batch': (
            'samples per stochastic gradient, or `"all"`',
            False),
    },
    'stop': {
        'rounds': (
            'the number of rounds (server algorithms: server updates)',
            False),
        'time': (
            'simulated time',
            False),
        'target': (
            'reached when `metric <= target` (`>=` for `accuracy`); finite',
            False),
        'metric': (
            'any trace column ([metrics.md](metrics.md) defines each)',
            False),
        'bits': (
            'total bits sent',
            False),
        'stall': (
            'end the run as `stalled` after this much simulated time without any agent or'
            ' server step; auto = max(60 s, 100 x the longest gap between steps so far)',
            True),
    },
    'output': {
        'dir': (
            'results root (relative to the working directory); `--out` overrides',
            False),
        'iterates': (
            '`iterates.npz`',
            False),
        'messages': (
            '`messages.csv` (one row per transmission); peer runs also `agents.csv`',
            False),
        'plots': (
            'error vs time / bits / rounds PNGs',
            False),
        'every': (
            'record every k-th round in the trace (the last round is always recorded)',
            True),
    },
}

DEFAULT_TEXT = {"top": {"name": "file stem"},
                "network": {"rows": "most square", "cols": "most square"},
                "network.links": {"tcp": "see `[network.links.tcp]`"}}

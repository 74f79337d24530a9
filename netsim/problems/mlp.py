"""A small neural network (one hidden layer, tanh, softmax cross-entropy) in numpy.

Parameters theta = (W1 [d x H], b1 [H], W2 [H x C], b2 [C]) flattened into one vector (one
compressed message per vector, one scale per message, spec ``qadmm.md`` §4.2). Agent i:

    f_i(theta) = (1/m_i) sum_h CE(softmax(tanh(a_h W1 + b1) W2 + b2), y_h) + (reg/2)||theta||^2

Non-convex: there is no x*; the trace reports the training objective F(xbar) = sum_i f_i as
``objective_gap`` (gap to the lower bound 0 of the cross-entropy), test accuracy of the
model as ``accuracy``, and leaves the x*-based error columns empty (NaN).

Data: scikit-learn's digits (1797 x 64, offline) or Fashion-MNIST (70000 x 784) from the
Debian package ``dataset-fashion-mnist`` (IDX files under /usr/share/datasets/fashion-mnist).
"""

from __future__ import annotations

import gzip
import pathlib

import numpy as np

from netsim.errors import ScenarioError

__all__ = ["MlpLocal", "MlpProblem", "mlp_data", "FASHION_DIR"]

FASHION_DIR = pathlib.Path("/usr/share/datasets/fashion-mnist")


class MlpLocal:
    """Agent i's shard and the network's loss and gradients (see the module docstring).

    Attributes:
        A, y: features (m x d) and integer labels in 0..C-1.
        m, dim: samples and parameter count.
    """

    kind = "mlp"
    l1 = 0.0

    def __init__(self, A, y, hidden: int, classes: int, reg: float):
        self.A = np.ascontiguousarray(A, dtype=float)
        self.y = np.asarray(y, dtype=int)
        self.m, self.d = self.A.shape
        self.H, self.C = int(hidden), int(classes)
        self.reg = float(reg)
        self.dim = self.d * self.H + self.H + self.H * self.C + self.C

    def unpack(self, theta):
        """Views (W1, b1, W2, b2) of the flat parameter vector."""
        d, H, C = self.d, self.H, self.C
        k = d * H
        W1 = theta[:k].reshape(d, H)
        b1 = theta[k:k + H]
        W2 = theta[k + H:k + H + H * C].reshape(H, C)
        b2 = theta[k + H + H * C:]
        return W1, b1, W2, b2

    def _forward(self, theta, X):
        W1, b1, W2, b2 = self.unpack(theta)
        A1 = np.tanh(X @ W1 + b1)
        Z = A1 @ W2 + b2
        Z = Z - Z.max(axis=1, keepdims=True)
        logp = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
        return A1, logp

    def loss(self, theta) -> float:
        """f_i(theta)."""
        _, logp = self._forward(theta, self.A)
        ce = -logp[np.arange(self.m), self.y].mean()
        return float(ce + 0.5 * self.reg * (theta @ theta))

    def _grad(self, theta, X, y):
        W1, b1, W2, b2 = self.unpack(theta)
        A1, logp = self._forward(theta, X)
        G = np.exp(logp)
        G[np.arange(len(y)), y] -= 1.0
        G /= len(y)
        gW2 = A1.T @ G
        gb2 = G.sum(axis=0)
        dZ1 = (G @ W2.T) * (1.0 - A1 * A1)
        gW1 = X.T @ dZ1
        gb1 = dZ1.sum(axis=0)
        return np.concatenate([gW1.ravel(), gb1, gW2.ravel(), gb2]) + self.reg * theta

    def grad(self, theta) -> np.ndarray:
        """Gradient of f_i (backpropagation)."""
        return self._grad(theta, self.A, self.y)

    def minibatch_grad(self, theta, idx) -> np.ndarray:
        """Gradient of the loss averaged over the samples ``idx`` (+ reg theta)."""
        return self._grad(theta, self.A[idx], self.y[idx])

    def predict(self, theta, X) -> np.ndarray:
        """Class predictions for the rows of X."""
        return self._forward(theta, X)[1].argmax(axis=1)

    def solve(self, *args, **kwargs):
        """Refused: an mlp has no exact local solve (a ScenarioError naming algorithm.solver)."""
        raise ScenarioError("algorithm.solver", "must be 'adam' for problem.kind = 'mlp' "
                                                "(no exact local solve); got 'exact'")


class MlpProblem:
    """All agents' shards, a held-out test set, and the metrics' hooks.

    Attributes:
        kind: "mlp"; classifier: True; has_optimum: False (x*, F* are NaN / 0).
    """

    kind = "mlp"
    classifier = True
    has_optimum = False
    l1 = 0.0

    def __init__(self, agents, X_test, y_test, description=""):
        self.agents = agents
        self.n_agents = len(agents)
        self.dim = agents[0].dim
        self.X_test, self.y_test = X_test, y_test
        self.description = description
        self.x_star = np.full(self.dim, np.nan)
        self.f_star = 0.0

    def init_params(self, rng) -> np.ndarray:
        """Glorot-uniform weights, zero biases."""
        a = self.agents[0]
        l1 = np.sqrt(6.0 / (a.d + a.H))
        l2 = np.sqrt(6.0 / (a.H + a.C))
        W1 = rng.uniform(-l1, l1, (a.d, a.H))
        W2 = rng.uniform(-l2, l2, (a.H, a.C))
        return np.concatenate([W1.ravel(), np.zeros(a.H), W2.ravel(), np.zeros(a.C)])

    def objective(self, theta) -> float:
        """F(theta) = sum_i f_i(theta) (training)."""
        return float(sum(a.loss(theta) for a in self.agents))

    def accuracy(self, theta) -> float:
        """Accuracy on the held-out test set."""
        return float(np.mean(self.agents[0].predict(theta, self.X_test) == self.y_test))


def _idx(path: pathlib.Path) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * k:8 + 4 * k], "big") for k in range(dims))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def mlp_data(name: str, key: str, test_fraction: float, rng):
    """(X_train, y_train, X_test, y_test, classes) of a data set for the MLP."""
    if name == "digits":
        from sklearn import datasets
        X, y = datasets.load_digits(return_X_y=True)
        X = np.asarray(X, dtype=float) / 16.0
        perm = rng.permutation(len(y))
        n_test = int(round(test_fraction * len(y)))
        te, tr = perm[:n_test], perm[n_test:]
        return X[tr], y[tr], X[te], y[te], 10
    if name == "fashion_mnist":
        files = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                 "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
        missing = [f for f in files if not (FASHION_DIR / f).exists()]
        if missing:
            raise ScenarioError(f"{key}.data", f"'fashion_mnist' needs the Debian package "
                                               f"dataset-fashion-mnist (apt-get install "
                                               f"dataset-fashion-mnist); "
                                               f"{FASHION_DIR / missing[0]} not found")
        Xtr, ytr, Xte, yte = (_idx(FASHION_DIR / f) for f in files)
        Xtr = Xtr.reshape(len(Xtr), -1).astype(float) / 255.0
        Xte = Xte.reshape(len(Xte), -1).astype(float) / 255.0
        return Xtr, ytr.astype(int), Xte, yte.astype(int), 10
    raise ScenarioError(f"{key}.data", f"must be 'digits' or 'fashion_mnist' for "
                                       f"problem.kind = 'mlp'; got {name!r}")

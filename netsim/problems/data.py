"""Where the agents' rows come from, and how a global data set is split over agents.

Sources: synthetic generators, bundled real data, user .npz files; splits: iid, by label, Dirichlet
label skew.

Every random choice draws from a named stream: agent i's synthetic rows from
``("data", i)`` (adding an agent never changes another agent's data), the ground truth from
``("data", "truth")``, partitions from ``("data", "partition")``. User files are read with
``np.load(allow_pickle=False)``: parsed, never executed.
"""

from __future__ import annotations

import pathlib
import zipfile

import numpy as np

from netsim.errors import ScenarioError, must

__all__ = ["synthetic", "bundled", "load_npz", "npz_nbytes", "partition", "BUNDLED"]

#: data sets shipped with scikit-learn (no download): name -> description
BUNDLED = {
    "digits": "scikit-learn digits, 1797 x 64, one class (positive_class) vs the rest",
    "breast_cancer": "scikit-learn breast cancer, 569 x 30, malignant (-1) vs benign (+1)",
}


def synthetic(kind, n_agents, m, dim, noise, sparsity, streams):
    """Synthetic rows: a_h ~ N(0, I), and labels or targets from x_true.

    Least squares / lasso b = a.x_true + noise N(0, 1); logistic b = sign(a.x_true + noise N(0, 1))
    in {-1, +1}. x_true ~ N(0, I), for lasso with round(sparsity x dim) >= 1 non-zeros. Returns
    ([(A_i, b_i)], x_true).
    """
    rt = streams.generator("data", "truth")
    x_true = rt.standard_normal(dim)
    if kind == "lasso":
        k = max(1, int(round(sparsity * dim)))
        keep = rt.choice(dim, k, replace=False)
        mask = np.zeros(dim, dtype=bool)
        mask[keep] = True
        x_true[~mask] = 0.0
    # every agent's rows are filled into one (N, m, d) array (views of it per agent): the
    # stacked data the metrics use is then this array, not a second copy (same draws)
    A3 = np.empty((n_agents, m, dim))
    B2 = np.empty((n_agents, m))
    for i in range(n_agents):
        r = streams.generator("data", i)
        A = r.standard_normal(out=A3[i])
        y = A @ x_true + noise * r.standard_normal(m)
        if kind == "logistic":
            y = np.where(y >= 0, 1.0, -1.0)
        B2[i] = y
    return [(A3[i], B2[i]) for i in range(n_agents)], x_true


def bundled(name, positive_class, standardize, key):
    """(A, labels in {-1, +1}, original classes) for a data set of :data:`BUNDLED`.

    Partitions (``by_label``, Dirichlet) use the original classes (10 digits, 2 diagnoses).
    """
    from sklearn import datasets

    if name == "digits":
        X, y = datasets.load_digits(return_X_y=True)
        if positive_class not in range(10):
            raise must(f"{key}.positive_class", "a digit in 0..9", positive_class)
        classes = y
        y = np.where(y == positive_class, 1.0, -1.0)
    else:
        X, classes = datasets.load_breast_cancer(return_X_y=True)
        y = np.where(classes == 1, 1.0, -1.0)
    X = np.asarray(X, dtype=float)
    if standardize:
        sd = X.std(axis=0)
        X = (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    return X, y, classes


def _labels(b, kind, where, key):
    if kind != "logistic":
        return b
    vals = set(np.unique(b).tolist())
    if vals <= {-1.0, 1.0}:
        return b
    if vals <= {0.0, 1.0}:
        return np.where(b > 0, 1.0, -1.0)
    raise ScenarioError(f"{key}.data", f"logistic labels must be in {{-1, 1}} or {{0, 1}}; "
                                       f"{where} has {sorted(vals)[:5]}")


def npz_nbytes(path, key: str) -> int:
    """Bytes the arrays of an ``.npz`` file declare in their headers.

    Read without loading any array; a file whose headers declare more than the memory budget is
    refused by the caller before ``np.load`` allocates. Unreadable files give 0 (``np.load`` then
    reports).
    """
    total = 0
    try:
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                if not info.filename.endswith(".npy"):
                    continue
                with z.open(info) as f:
                    version = np.lib.format.read_magic(f)
                    read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                            else np.lib.format.read_array_header_2_0)
                    shape, _, dtype = read(f)
                total += int(np.prod(shape, dtype=object)) * max(1, dtype.itemsize)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError):
        return 0
    return total


def load_npz(raw, base_dir, n_agents, kind, key, memory=None):
    """Read a user ``.npz`` file, per-agent or global arrays.

    Per-agent ``A_0..A_{N-1}``, ``b_0..b_{N-1}`` -> ("agents", list), or global ``A``, ``b`` ->
    ("global", (A, b)). The arrays' declared sizes are checked against the memory budget
    (:mod:`netsim.budget`, ``memory`` bytes; None: the default) before any is loaded.
    """
    from netsim.budget import check_bytes

    path = (pathlib.Path(base_dir or ".") / raw).resolve()
    if path.exists() and not path.is_file():      # a FIFO would block np.load forever
        raise ScenarioError(f"{key}.data", f"must name a regular .npz file; got {raw!r} (a "
                                           f"directory, device or pipe)")
    if path.is_file():
        check_bytes(2 * npz_nbytes(path, f"{key}.data"), f"{key}.data", raw,
                    "the arrays its headers declare (loaded, then converted to float)", memory)
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except FileNotFoundError:
        raise ScenarioError(f"{key}.data", f"must be an existing .npz file; got {raw!r} "
                                           f"(looked for {str(path)!r})") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
        raise ScenarioError(f"{key}.data", f"cannot read {raw!r} as an .npz of numeric arrays "
                                           f"({type(e).__name__}: {e})") from None

    def arr(name, ndim):
        a = arrays[name]
        if a.dtype.kind not in "fiub" or a.ndim != ndim or a.size == 0:
            raise ScenarioError(f"{key}.data", f"{raw!r}: array {name!r} must be a non-empty "
                                               f"{ndim}-d numeric array; got shape {a.shape}, "
                                               f"dtype {a.dtype}")
        a = a.astype(float)
        if not np.all(np.isfinite(a)):
            raise ScenarioError(f"{key}.data", f"{raw!r}: array {name!r} has NaN or inf")
        return a

    if "A" in arrays and "b" in arrays:
        A, b = arr("A", 2), arr("b", 1)
        if A.shape[0] != b.shape[0]:
            raise ScenarioError(f"{key}.data", f"{raw!r}: A has {A.shape[0]} rows but b has "
                                               f"{b.shape[0]} entries")
        return "global", (A, _labels(b, kind, f"{raw!r} b", key))
    n_files = sum(1 for k in arrays if k.startswith("A_"))
    if n_files == 0:
        raise ScenarioError(f"{key}.data", f"{raw!r} must hold arrays A, b or A_0..A_{{N-1}}, "
                                           f"b_0..b_{{N-1}}; found {sorted(arrays)[:6]}")
    if n_files != n_agents or any(f"A_{i}" not in arrays or f"b_{i}" not in arrays
                                  for i in range(n_agents)):
        raise ScenarioError(f"{key}.data", f"{raw!r} must hold A_i, b_i for i = 0..{n_agents - 1}"
                                           f" (network.agents = {n_agents}); found {n_files} "
                                           f"A_ arrays")
    out, dim = [], None
    for i in range(n_agents):
        A, b = arr(f"A_{i}", 2), arr(f"b_{i}", 1)
        if A.shape[0] != b.shape[0] or (dim is not None and A.shape[1] != dim):
            raise ScenarioError(f"{key}.data", f"{raw!r}: A_{i} {A.shape} and b_{i} {b.shape} "
                                               f"do not match (rows, and the same columns for "
                                               f"every agent)")
        dim = A.shape[1]
        out.append((A, _labels(b, kind, f"{raw!r} b_{i}", key)))
    return "agents", out


def partition(y, n_agents, spec, rng, key):
    """Split sample indices over agents.

    * "iid": a random permutation cut into N nearly equal parts (sizes differ by <= 1);
    * "by_label": samples sorted by label, cut into N contiguous parts (strong skew);
    * {dirichlet = a}: for each label, shares over agents ~ Dirichlet(a 1_N) (small a: skew);
      redrawn (up to 100 times) until every agent has at least 2 samples.
    Each agent's indices are returned sorted.
    """
    n = len(y)
    if n < 2 * n_agents:
        raise ScenarioError(f"{key}.data", f"has {n} samples: too few for {n_agents} agents "
                                           f"(need at least 2 each)")
    if spec == "iid":
        parts = np.array_split(rng.permutation(n), n_agents)
    elif spec == "by_label":
        parts = np.array_split(np.argsort(y, kind="stable"), n_agents)
    else:
        alpha = spec["dirichlet"]
        classes = np.unique(y)
        for _ in range(100):
            buckets = [[] for _ in range(n_agents)]
            for c in classes:
                idx = rng.permutation(np.flatnonzero(y == c))
                share = rng.dirichlet(np.full(n_agents, alpha))
                cuts = np.round(np.cumsum(share)[:-1] * len(idx)).astype(int)
                for i, chunk in enumerate(np.split(idx, cuts)):
                    buckets[i].extend(chunk.tolist())
            if min(len(b) for b in buckets) >= 2:
                parts = [np.array(b) for b in buckets]
                break
        else:
            raise ScenarioError(f"{key}.partition", f"dirichlet = {alpha} left an agent with "
                                                    f"fewer than 2 samples in 100 draws; use a "
                                                    f"larger alpha or fewer agents")
    return [np.sort(p) for p in parts]

"""The official NAS-Bench-101 graph hash, and a vectorised isomorphism fingerprint.

``official_hash`` reproduces ``nasbench.lib.graph_util.hash_module`` (Apache-2.0, google-research/
nasbench) exactly: vertex labels ``(out-degree, in-degree, label)`` are md5-hashed, then refined
``V`` times by md5 over the sorted in-neighbour hashes, the sorted out-neighbour hashes and the
vertex's own hash; the fingerprint is the md5 of the sorted vertex hashes. Labels are ``-1`` for
the input, ``-2`` for the output and the index of the op in
``('conv3x3-bn-relu', 'conv1x1-bn-relu', 'maxpool3x3')`` for inner vertices.

``wl_fingerprints`` runs the same refinement with 64-bit integer mixing instead of md5, vectorised
over millions of cells with NumPy. Two cells get the same fingerprint exactly when the official
algorithm gives them the same hash (up to a 2^-128 chance of a collision of the two independent
64-bit lanes), which is what makes enumerating the whole space fast.
"""

from __future__ import annotations

import hashlib

import numpy as np

_md5 = hashlib.md5


def official_hash(matrix: np.ndarray, labeling: list[int] | np.ndarray) -> str:
    """NAS-Bench-101's ``hash_module(matrix, labeling)``.

    Args:
      matrix: ``[n, n]`` 0/1 upper-triangular adjacency of a *pruned* cell.
      labeling: ``[n]`` integer labels: -1 input, -2 output, 0/1/2 for
        conv3x3-bn-relu / conv1x1-bn-relu / maxpool3x3.

    Returns:
      The 32-character hex md5 fingerprint.
    """
    m = np.asarray(matrix)
    n = m.shape[0]
    in_edges = m.sum(axis=0).tolist()
    out_edges = m.sum(axis=1).tolist()
    labels = [int(x) for x in labeling]
    hashes = [
        _md5(str((out_edges[v], in_edges[v], labels[v])).encode("utf-8")).hexdigest()
        for v in range(n)
    ]
    ins = [[w for w in range(n) if m[w, v]] for v in range(n)]
    outs = [[w for w in range(n) if m[v, w]] for v in range(n)]
    return _refined_digest(hashes, ins, outs)


def _refined_digest(h: list[str], ins, outs) -> str:
    """``hash_module``'s ``n`` refinement rounds from the vertex hashes ``h``, then the md5 of
    the sorted vertex hashes. ``ins[v]`` / ``outs[v]``: in- / out-neighbours of vertex ``v``."""
    rng = range(len(h))
    for _ in rng:
        h = [
            _md5(
                (
                    "".join(sorted([h[w] for w in ins[v]]))
                    + "|"
                    + "".join(sorted([h[w] for w in outs[v]]))
                    + "|"
                    + h[v]
                ).encode("utf-8")
            ).hexdigest()
            for v in rng
        ]
    return _md5(str(sorted(h)).encode("utf-8")).hexdigest()


# ----------------------------------------------------------------------------------------------
# Vectorised fingerprint (two independent 64-bit lanes).

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_SEEDS = (
    (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xD1B54A32D192ED03), np.uint64(0x8CB92BA72F3D8DD7)),
    (np.uint64(0xA0761D6478BD642F), np.uint64(0xE7037ED1A0B428DB), np.uint64(0x8EBC6AF09C88C6E3)),
)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser (a bijection on uint64), elementwise, wrapping arithmetic."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


def wl_fingerprints(adjacency: np.ndarray, labels: np.ndarray, num_vertices: int) -> np.ndarray:
    """Isomorphism fingerprints of many cells with the same number of vertices.

    Args:
      adjacency: ``uint8 [B, n, n]`` pruned cells (all with ``n == num_vertices`` vertices).
      labels: ``int [B, n]`` official hash labels (see :func:`official_hash`).
      num_vertices: ``n``; the refinement runs ``n`` rounds as the official hash does.

    Returns:
      ``uint64 [B, 2]``: equal rows <=> equal official hashes (with overwhelming probability).
    """
    a = np.asarray(adjacency, dtype=np.uint64)
    n = num_vertices
    indeg = a.sum(axis=1)  # [B, n]
    outdeg = a.sum(axis=2)
    lab = (np.asarray(labels, dtype=np.int64) + 3).astype(np.uint64)
    out = []
    with np.errstate(over="ignore"):
        for s_in, s_out, s_self in _SEEDS:
            h = _mix(outdeg * np.uint64(97) + indeg * np.uint64(7) + lab + s_self)
            for _ in range(n):
                hin = _mix(h ^ s_in)
                hout = _mix(h ^ s_out)
                # Multiset sums over in-/out-neighbours: agg_in[b, v] = sum_w a[b, w, v] hin[b, w].
                agg_in = np.einsum("bwv,bw->bv", a, hin)
                agg_out = np.einsum("bvw,bw->bv", a, hout)
                h = _mix(_mix(agg_in + s_in) ^ (_mix(agg_out + s_out) * np.uint64(3)) ^ h)
            out.append(_mix(h ^ s_self).sum(axis=1))
    return np.stack(out, axis=1)


def official_hashes_batch(
    adjacency: np.ndarray, labels: np.ndarray, num_vertices: np.ndarray
) -> list[str]:
    """:func:`official_hash` of many padded cells (``[B, V, V]``, ``[B, V]``, ``[B]``).

    Same algorithm, with the neighbour lists of each distinct adjacency computed once.
    """
    structs: dict[bytes, tuple] = {}
    init_memo: dict[tuple, str] = {}
    out = []
    for a, lab, n in zip(adjacency, labels, np.asarray(num_vertices).tolist(), strict=True):
        a = a[:n, :n]
        key = a.tobytes()
        s = structs.get(key)
        if s is None:
            ind = a.sum(axis=0).tolist()
            outd = a.sum(axis=1).tolist()
            ins = tuple(tuple(np.flatnonzero(a[:, v]).tolist()) for v in range(n))
            outs = tuple(tuple(np.flatnonzero(a[v]).tolist()) for v in range(n))
            s = structs[key] = (ind, outd, ins, outs)
        ind, outd, ins, outs = s
        h = []
        for v, lv in enumerate(lab[:n].tolist()):
            t = (outd[v], ind[v], lv)
            hv = init_memo.get(t)
            if hv is None:
                hv = init_memo[t] = _md5(str(t).encode("utf-8")).hexdigest()
            h.append(hv)
        out.append(_refined_digest(h, ins, outs))
    return out


def _worker(src: str, dst: str) -> None:
    """Child-process entry point of ``nb101.all_hashes``."""
    with np.load(src) as z:
        hashes = official_hashes_batch(z["a"], z["l"], z["n"])
    np.save(dst, np.asarray(hashes, dtype="<U32"))

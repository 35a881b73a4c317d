r"""D-VAE: a variational autoencoder for DAGs (Zhang et al., NeurIPS 2019) in Flax.

After the ``DVAE`` class of muhanzhang/D-VAE ``models.py`` (behaviour reproduced, no code copied),
for fixed-size cells with static shapes: one graph is ``types int32 [N]`` (vertex types, ``-1``
after the real vertices) and ``adjacency [N, N]`` (``adjacency[u, v] = 1`` for an edge
``u -> v``); real vertices ``0 .. n-1`` are in topological order, vertex 0 is the input
(``start_type``) and vertex ``n-1`` the output (``end_type``). NB101 cells (up to 7 vertices,
padded) and NB201's 8-vertex ops-on-nodes graphs (:func:`jaxnas.spaces.nb201.to_node_graph`) are
such graphs with ``types = ops``. Every function below takes ONE graph; batch with ``jax.vmap``
(:func:`batch_loss`, :func:`batch_encode`, :func:`batch_decode`).

Encoder (asynchronous message passing): vertices are visited in topological order (a
``lax.scan``); vertex ``v``'s state is ``h_v = GRU(onehot(type_v), sum_{u -> v} m_u)`` with the
gated message ``m_u = sigmoid(W_g [h_u; e_u] + b_g) * (W_m [h_u; e_u])`` (``e_u`` the one-hot
vertex id, the reference's ``vid``; ``W_m`` without bias), ``h_0 = GRU(onehot(start), 0)``.
Bidirectional (the reference's NAS setting): a second GRU / gate / mapper runs the same in reverse
topological order over successors; the graph state is ``Linear([h_{n-1}; h^b_0])``, else
``h_{n-1}``. ``mu, logvar = Linear(h_G)``.

Decoder: ``H0 = tanh(Linear(z))``; vertex 0 gets ``GRU_d(onehot(start), H0)``; then for ``v = 1
.. N-1``: the type of vertex ``v`` from ``MLP(h_{v-1})`` (the last added vertex; ``end_type`` is
forced at ``v = N-1``), then edges ``u -> v`` for ``u = v-1, ..., 0``, each with probability
``sigmoid(MLP([h_u; h_v]))`` where ``h_v = GRU_d(onehot(type_v), sum of the messages of the
predecessors decided so far)`` is updated after every decision. An ``end_type`` vertex instead
takes an edge from every earlier vertex without successors and ends the graph. The decoder's
messages use the encoder's forward gate and mapper (as the reference's ``_update_v``).

Loss (teacher forcing, :func:`loss`): the negative log-likelihood of the true types and edges,
decoding along the true graph -- past the output vertex the target type is ``start_type`` (the
reference's padding marker) and the new vertex's state is zero -- plus ``beta`` (0.005) times the
KL divergence; ``z = mu + eps_scale * eps * std`` with ``eps_scale = 0.01``. With teacher forcing
every decoder state is known after one pass, so the ``N (N - 1) / 2`` edge terms are computed in
parallel (the state of ``v`` when ``u -> v`` is decided sums the messages of the true
predecessors of ``v`` in ``(u, v)``) -- the same terms as the reference's sequential loop.

Cost (reference width, hidden 501): the step is dense matmuls, compute-bound on CPU. Per NB201
graph the forward pass is ~76 M multiply-adds (encoder 2 x 8 GRU + message steps 20 M, decoder
states 10 M, edge terms 42 M, types 4 M) after :meth:`DVAE.heads` takes the pair-wise matmuls
per vertex (~111 M pair by pair, :meth:`DVAE.heads_pairwise`): ~15 GFLOP per batch-32 train
step instead of ~21 (``experiments/benchmarks/dvae_step.py``). Row selections are one-hot
matmuls (:func:`_select`): their gradients are then matmuls, not scatter-adds.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np


@dataclasses.dataclass(frozen=True)
class DVAEConfig:
    """Model shape and loss weights (reference NAS defaults: hidden 501, latent 56, bidirectional,
    vertex ids on, beta 0.005, eps_scale 0.01).

    Attributes:
      num_types: number of vertex types (``nvt``), ``start_type`` and ``end_type`` included.
      max_nodes: N, vertices per (padded) graph.
      start_type, end_type: the input and output vertex types.
    """

    num_types: int
    max_nodes: int
    start_type: int = 0
    end_type: int = -1  # -1: num_types - 1
    hidden: int = 501
    latent: int = 56
    bidirectional: bool = True
    vid: bool = True
    beta: float = 0.005
    eps_scale: float = 0.01

    @property
    def end(self) -> int:
        return self.end_type if self.end_type >= 0 else self.num_types - 1

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> DVAEConfig:
        return cls(**{f.name: d[f.name] for f in dataclasses.fields(cls) if f.name in d})


def _uniform(scale: float):
    def init(key, shape, dtype=jnp.float32):
        return jax.random.uniform(key, shape, dtype, -scale, scale)

    return init


def _plus(y, b):
    """``y [..., O] + b [O]`` (explicit broadcast: tests run with rank promotion raising)."""
    return y + jnp.broadcast_to(b, y.shape)


class Linear(nn.Module):
    """PyTorch's ``nn.Linear`` (U(+-1/sqrt(fan_in)) initialisation) with ``nn.Dense``'s parameters
    (``kernel [I, O]``, ``bias [O]``). ``fan_in`` defaults to ``in_features`` (a GRU's input
    layer uses the hidden size, as PyTorch's ``GRUCell``). :meth:`weights` exposes the parameters
    so that a caller can split the input or defer the bias (:meth:`DVAE.heads`)."""

    in_features: int
    features: int
    fan_in: int = 0
    use_bias: bool = True

    def setup(self):
        init = _uniform(1.0 / math.sqrt(self.fan_in or self.in_features))
        self.kernel = self.param("kernel", init, (self.in_features, self.features))
        self.bias = self.param("bias", init, (self.features,)) if self.use_bias else None

    def weights(self):
        """``(kernel [I, O], bias [O] or None)``."""
        return self.kernel, self.bias

    def __call__(self, x):
        y = x @ self.kernel
        return y if self.bias is None else _plus(y, self.bias)


class MLP(nn.Module):
    """``Linear -> ReLU -> Linear`` (the reference's ``nn.Sequential``; parameters ``layers_0``,
    ``layers_2``)."""

    in_features: int
    hidden: int
    features: int

    def setup(self):
        self.layers_0 = Linear(self.in_features, self.hidden)
        self.layers_2 = Linear(self.hidden, self.features)

    def __call__(self, x):
        return self.layers_2(jax.nn.relu(self.layers_0(x)))


def gru_update(gi, gh, h):
    """PyTorch's ``nn.GRUCell`` from its gate pre-activations ``gi = W_i x + b_i``, ``gh = W_h h +
    b_h`` (``[..., 3H]``): ``r, z = sigmoid(...)``, ``n = tanh(gi_n + r gh_n)``, ``h' = (1 - z) n
    + z h``."""
    ir, iz, i_n = jnp.split(gi, 3, -1)
    hr, hz, hn = jnp.split(gh, 3, -1)
    r = jax.nn.sigmoid(ir + hr)
    z = jax.nn.sigmoid(iz + hz)
    n = jnp.tanh(i_n + r * hn)
    return (1.0 - z) * n + z * h


class GRUCell(nn.Module):
    """PyTorch's ``nn.GRUCell`` (:func:`gru_update`). ``x [..., I], h [..., H] -> [..., H]``."""

    inputs: int
    features: int

    def setup(self):
        self.input = Linear(self.inputs, 3 * self.features, self.features)
        self.hidden = Linear(self.features, 3 * self.features)

    def __call__(self, x, h):
        return gru_update(self.input(x), self.hidden(h), h)


class Gated(nn.Module):
    """The gated message ``sigmoid(Linear(s)) * Linear_nobias(s)``, ``s [..., S] -> [..., H]``."""

    hidden: int
    fan_in: int

    def setup(self):
        self.gate = Linear(self.fan_in, self.hidden)
        self.mapper = Linear(self.fan_in, self.hidden, use_bias=False)

    def __call__(self, s):
        return jax.nn.sigmoid(self.gate(s)) * self.mapper(s)

    def fused(self, hidden: int):
        """``(kernel [H, 2H], rows [S - H, 2H], bias [2H])``: the gate's and mapper's kernels side
        by side, split into the rows of the state ``h`` and of the rest of ``s = [h; e]`` (the
        vertex id), so that ``[gate; mapper](s) = h @ kernel + e @ rows + bias`` in one matmul
        (:func:`message_fn`)."""
        kg, bg = self.gate.weights()
        km, _ = self.mapper.weights()
        k = jnp.concatenate([kg, km], 1)
        return k[:hidden], k[hidden:], jnp.concatenate([bg, jnp.zeros_like(bg)])


def message_fn(fused, num_ids: int, reverse: bool = False):
    """``(h [H], v) -> m [H]``, the gated message of vertex ``v`` from :meth:`Gated.fused`: with
    vertex ids, ``e`` is the one-hot of ``v`` (``num_ids - 1 - v`` when ``reverse``: the id in
    the original order), i.e. one row of ``rows``."""
    k, rows, b = fused
    hs = k.shape[0]

    def message(h, v):
        y = h @ k + b
        if rows.shape[0]:
            y = y + rows[num_ids - 1 - v if reverse else v]
        return jax.nn.sigmoid(y[:hs]) * y[hs:]

    return message


def propagate(update, message, gx, adjacency, real, h0):
    """Asynchronous message passing in topological order (vertex index order) over one graph.

    The ``N``-step scan is unrolled (``N`` is small and static): every vertex index is then a
    constant for XLA, and ``cost_analysis`` counts every step (it counts a loop body once).

    Args:
      update: ``(gx_v [G], incoming [H]) -> h [H]`` (the GRU, given its input gates).
      message: ``(h [H], v) -> m [H]`` (the gated message of vertex ``v`` with state ``h``).
      gx: ``[N, G]`` per-vertex inputs of ``update`` (the GRU's input gates ``W_i x_v + b_i``,
        computed for every vertex before the scan).
      adjacency: ``[N, N]``, ``adjacency[u, v]`` for an edge ``u -> v``.
      real: ``bool [N]``; states and messages of other vertices stay zero.
      h0: ``[H]`` the input hidden state of vertex 0 (replaces its empty message sum).

    Returns:
      ``(states [N, H], messages [N, H])``.
    """
    n, hs = gx.shape[0], h0.shape[-1]
    a = jnp.asarray(adjacency, h0.dtype)

    def step(carry, v):
        states, msgs = carry
        incoming = jnp.where(v == 0, h0, a[:, v] @ msgs)
        h = update(gx[v], incoming)
        m = message(h, v)
        keep = real[v]
        states = states.at[v].set(jnp.where(keep, h, 0.0))
        msgs = msgs.at[v].set(jnp.where(keep, m, 0.0))
        return (states, msgs), None

    init = (jnp.zeros((n, hs), h0.dtype), jnp.zeros((n, hs), h0.dtype))
    (states, msgs), _ = jax.lax.scan(step, init, jnp.arange(n), unroll=True)
    return states, msgs


def reverse_graph(x, adjacency, real):
    """The graph with vertex order and edges reversed: vertex ``v`` becomes ``N-1-v``. Padding
    vertices (after the real ones) end up first and must be skipped with the returned mask."""
    return x[::-1], jnp.asarray(adjacency)[::-1, ::-1].T, real[::-1]


def _select(index, rows):
    """``rows[index]`` as a one-hot matmul (``index`` int, scalar or ``[K]``; ``rows [N, ...]``):
    under ``grad`` a matmul instead of a scatter-add, which XLA's CPU backend runs slowly."""
    one_hot = jax.nn.one_hot(index, rows.shape[0], dtype=rows.dtype)
    return jnp.tensordot(one_hot, rows, 1)


def _pairs(n: int):
    """``(iu, iv, between)``: the pairs ``u < v`` in ``np.triu_indices(n, 1)`` order and ``between
    bool [P, N]``, ``u < w < v``."""
    iu, iv = np.triu_indices(n, 1)
    idx = np.arange(n)
    return iu, iv, (iu[:, None] < idx[None]) & (idx[None] < iv[:, None])


class DVAE(nn.Module):
    """D-VAE on one graph (module docstring). Methods: ``encode(types, adjacency) -> (mu,
    logvar)``, ``decode_states`` / ``heads`` (teacher forcing; ``heads_pairwise`` the same terms
    computed pair by pair), ``decode(z, key, greedy)``."""

    config: DVAEConfig

    def setup(self):
        c = self.config
        hs, nt = c.hidden, c.num_types
        vs = hs + c.max_nodes if c.vid else hs
        self.grue_forward = GRUCell(nt, hs)
        self.msg_forward = Gated(hs, vs)
        if c.bidirectional:
            self.grue_backward = GRUCell(nt, hs)
            self.msg_backward = Gated(hs, vs)
            self.hg_unify = Linear(2 * hs, hs)
        self.fc_mu = Linear(hs, c.latent)
        self.fc_logvar = Linear(hs, c.latent)
        self.grud = GRUCell(nt, hs)
        self.fc_h0 = Linear(c.latent, hs)
        self.add_vertex = MLP(hs, 2 * hs, nt)
        self.add_edge = MLP(2 * hs, 4 * hs, 1)

    def _message(self, gated, reverse: bool = False):
        return message_fn(gated.fused(self.config.hidden), self.config.max_nodes, reverse)

    def _update(self, gru):
        """``(gx_v, h) -> h'`` of ``gru`` with its hidden-gate weights fetched once."""
        kh, bh = gru.hidden.weights()
        return lambda gx, h: gru_update(gx, _plus(h @ kh, bh), h)

    def _inputs(self, types):
        real = types >= 0
        x = jax.nn.one_hot(jnp.where(real, types, 0), self.config.num_types) * real[:, None]
        return x, real

    def encode(self, types, adjacency):
        """``types int [N], adjacency [N, N] -> (mu [D], logvar [D])``."""
        c = self.config
        x, real = self._inputs(types)
        zeros = jnp.zeros((c.hidden,), x.dtype)
        fwd, _ = propagate(
            self._update(self.grue_forward), self._message(self.msg_forward),
            self.grue_forward.input(x), adjacency, real, zeros,
        )  # fmt: skip
        hg = _select(jnp.sum(real) - 1, fwd)
        if c.bidirectional:
            xr, ar, rr = reverse_graph(x, adjacency, real)
            # In reverse order the output vertex (n-1) sits at N-n; the vertices before it are
            # padding and stay zero, so its (empty) successor sum is zero as in the reference.
            bwd, _ = propagate(
                self._update(self.grue_backward), self._message(self.msg_backward, reverse=True),
                self.grue_backward.input(xr), ar, rr, zeros,
            )  # fmt: skip
            hg = self.hg_unify(jnp.concatenate([hg, bwd[c.max_nodes - 1]], -1))
        return self.fc_mu(hg), self.fc_logvar(hg)

    def decode_states(self, z, types, adjacency):
        """Teacher-forced decoder states and messages ``[N, H]`` along the true graph."""
        x, real = self._inputs(types)
        h0 = jnp.tanh(self.fc_h0(z))
        return propagate(
            self._update(self.grud), self._message(self.msg_forward), self.grud.input(x),
            adjacency, real, h0,
        )  # fmt: skip

    def _type_ll(self, states, types, real):
        """``[N-1]``: vertex ``v``'s target type from the last added vertex's state."""
        n = self.config.max_nodes
        prev = jnp.minimum(jnp.arange(1, n), jnp.sum(real)) - 1
        logits = self.add_vertex(_select(prev, states))  # [N-1, T]
        target = jnp.where(real[1:], types[1:], self.config.start_type)
        return jnp.take_along_axis(jax.nn.log_softmax(logits), target[:, None], -1)[:, 0]

    def heads(self, z, types, adjacency):
        """Teacher-forced log-likelihood terms of one graph.

        The state of ``v`` when ``u -> v`` is decided is ``GRU_d(x_v, s_uv)`` with ``s_uv = C_uv
        @ msgs`` the sum of the messages of ``v``'s true predecessors ``w``, ``u < w < v``. Both
        pair-wise matmuls are taken per vertex instead of per pair (the same sums, reassociated):
        the GRU's hidden gates ``s_uv @ W_h + b_h = C_uv @ (msgs @ W_h) + b_h`` and the edge
        MLP's first layer ``[h_u; h_v] @ W_1 = (h @ W_1[:H])[u] + h_v @ W_1[H:]``. This cuts the
        forward matmul work of an NB201 graph (hidden 501) from ~111 to ~77 MMAC
        (:meth:`heads_pairwise` computes every term pair by pair; tests check both agree).

        Returns:
          ``(type_ll [N-1], edge_logits [P], edge_targets bool [P])``: the log-probability of
          the target type of vertices ``1 .. N-1`` (``start_type`` past the output vertex), and
          the logit and target of each pair ``u < v`` in ``np.triu_indices(N, 1)`` order
          (``P = N (N - 1) / 2``).
        """
        hs = self.config.hidden
        x, real = self._inputs(types)
        gx = self.grud.input(x)  # [N, 3H]
        states, msgs = self.decode_states(z, types, adjacency)
        type_ll = self._type_ll(states, types, real)
        a = jnp.asarray(adjacency, msgs.dtype)
        iu, iv, between = _pairs(self.config.max_nodes)
        c = jnp.asarray(between, msgs.dtype) * a[:, iv].T  # [P, N]
        kh, bh = self.grud.hidden.weights()
        gh = _plus(c @ (msgs @ kh), bh)  # [P, 3H]
        hv = gru_update(_select(iv, gx), gh, c @ msgs) * real[iv][:, None]  # zero past the output
        k1, b1 = self.add_edge.layers_0.weights()
        pre = _plus(_select(iu, states @ k1[:hs]) + hv @ k1[hs:], b1)
        edge_logits = self.add_edge.layers_2(jax.nn.relu(pre))[:, 0]
        return type_ll, edge_logits, a[iu, iv] > 0

    def heads_pairwise(self, z, types, adjacency):
        """:meth:`heads` computed pair by pair (a GRU step and the edge MLP on ``[h_u; h_v]`` for
        each of the ``P`` pairs): the straightforward form, kept to check and time the
        reassociated one."""
        x, real = self._inputs(types)
        states, msgs = self.decode_states(z, types, adjacency)
        type_ll = self._type_ll(states, types, real)
        a = jnp.asarray(adjacency, msgs.dtype)
        iu, iv, between = _pairs(self.config.max_nodes)
        incoming = (jnp.asarray(between, msgs.dtype) * a[:, iv].T) @ msgs  # [P, H]
        hv = self.grud(x[iv], incoming) * real[iv][:, None]
        edge_logits = self.add_edge(jnp.concatenate([states[iu], hv], -1))[:, 0]
        return type_ll, edge_logits, a[iu, iv] > 0

    def decode(self, z, key, greedy: bool = True):
        """Generates one graph from ``z [D]``: ``(types int32 [N] (-1 past the output), adjacency
        uint8 [N, N])``; greedy (argmax / p > 0.5) or sampled with ``key``."""
        c = self.config
        n, t_end = c.max_nodes, c.end
        message = self._message(self.msg_forward)
        h0 = jnp.tanh(self.fc_h0(z))
        x_start = jax.nn.one_hot(c.start_type, c.num_types)
        d0 = self.grud(x_start, h0)
        states = jnp.zeros((n, c.hidden)).at[0].set(d0)
        msgs = jnp.zeros((n, c.hidden)).at[0].set(message(d0, 0))
        types = jnp.full((n,), -1, jnp.int32).at[0].set(c.start_type)
        adj = jnp.zeros((n, n), jnp.bool_)
        keys = jax.random.split(key, n)
        gru = self._update(self.grud)
        gx_all = self.grud.input(jnp.eye(c.num_types))  # [T, 3H]

        def vertex(carry, v):
            states, msgs, types, adj, done = carry
            k_type, k_edge = jax.random.split(keys[v])
            logits = self.add_vertex(states[v - 1])
            sampled = jax.random.categorical(k_type, logits)
            t = jnp.where(greedy, jnp.argmax(logits), sampled)
            t = jnp.where(v == n - 1, t_end, t).astype(jnp.int32)
            gx = gx_all[t]
            is_end = t == t_end
            u_keys = jax.random.split(k_edge, n)

            def edge(i, ecarry):  # u = v-1, ..., 0 (v is the same for the whole batch)
                acc, h, col = ecarry
                u = v - 1 - i
                logit = self.add_edge(jnp.concatenate([states[u], h], -1))[0]
                p = jax.nn.sigmoid(logit)
                take = jnp.where(greedy, p > 0.5, jax.random.uniform(u_keys[u]) < p) & ~is_end
                acc = acc + jnp.where(take, msgs[u], 0.0)
                h = jnp.where(take, gru(gx, acc), h)
                return acc, h, col.at[u].set(take)

            acc0 = jnp.zeros((c.hidden,))
            h_new = gru(gx, acc0)
            init = (acc0, h_new, jnp.zeros((n,), jnp.bool_))
            acc, h_new, col = jax.lax.fori_loop(0, v, edge, init)
            # An output vertex takes an edge from every earlier vertex without successors.
            loose = (~jnp.any(adj, axis=1)) & (jnp.arange(n) < v)
            col = jnp.where(is_end, loose, col)
            h_new = jnp.where(is_end, gru(gx, jnp.asarray(col, msgs.dtype) @ msgs), h_new)
            live = ~done
            types = types.at[v].set(jnp.where(live, t, types[v]))
            adj = adj.at[:, v].set(jnp.where(live, col, adj[:, v]))
            states = states.at[v].set(jnp.where(live, h_new, states[v]))
            msgs = msgs.at[v].set(jnp.where(live, message(h_new, v), msgs[v]))
            return (states, msgs, types, adj, done | is_end), None

        init = (states, msgs, types, adj, jnp.zeros((), jnp.bool_))
        (_, _, types, adj, _), _ = jax.lax.scan(vertex, init, jnp.arange(1, n))
        return types, adj.astype(jnp.uint8)

    def __call__(self, types, adjacency):
        mu, logvar = self.encode(types, adjacency)
        return self.heads(mu, types, adjacency), mu, logvar


def graph_loss(
    model: DVAE, params, types, adjacency, key, train: bool = True, pairwise: bool = False
):
    """One graph's terms: ``(nll, kld)`` (sums, as the reference's ``loss``); ``pairwise``:
    through :meth:`DVAE.heads_pairwise` (the same terms, slower)."""
    c = model.config
    v = {"params": params}
    mu, logvar = model.apply(v, types, adjacency, method=DVAE.encode)
    z = mu
    if train:
        eps = jax.random.normal(key, mu.shape, mu.dtype) * c.eps_scale
        z = mu + eps * jnp.exp(0.5 * logvar)
    heads = DVAE.heads_pairwise if pairwise else DVAE.heads
    type_ll, edge_logits, targets = model.apply(v, z, types, adjacency, method=heads)
    edge_ll = jnp.where(targets, jax.nn.log_sigmoid(edge_logits), jax.nn.log_sigmoid(-edge_logits))
    nll = -(jnp.sum(type_ll) + jnp.sum(edge_ll))
    kld = -0.5 * jnp.sum(1.0 + logvar - mu**2 - jnp.exp(logvar))
    return nll, kld


def batch_loss(
    model: DVAE, params, types, adjacency, key, train: bool = True, pairwise: bool = False
):
    """``(loss, metrics)`` over a batch ``types [B, N], adjacency [B, N, N]``: the reference's
    ``sum_b nll_b + beta * sum_b kld_b``; metrics are per-graph means. ``pairwise``: see
    :func:`graph_loss`."""
    keys = jax.random.split(key, types.shape[0])
    nll, kld = jax.vmap(lambda t, a, k: graph_loss(model, params, t, a, k, train, pairwise))(
        types, adjacency, keys
    )
    loss = jnp.sum(nll) + model.config.beta * jnp.sum(kld)
    b = types.shape[0]
    return loss, {"loss_per_graph": loss / b, "nll": jnp.mean(nll), "kld": jnp.mean(kld)}


def batch_encode(model: DVAE, params, types, adjacency):
    """``(mu [B, D], logvar [B, D])``."""
    return jax.vmap(lambda t, a: model.apply({"params": params}, t, a, method=DVAE.encode))(
        types, adjacency
    )


def batch_decode(model: DVAE, params, z, key, greedy: bool = True):
    """``z [B, D] -> (types int32 [B, N], adjacency uint8 [B, N, N])``."""
    keys = jax.random.split(key, z.shape[0])
    return jax.vmap(
        lambda zz, k: model.apply({"params": params}, zz, k, greedy, method=DVAE.decode)
    )(z, keys)


def init(model: DVAE, key: jax.Array) -> Any:
    """Parameters of ``model`` (one dummy chain graph)."""
    n = model.config.max_nodes
    types = jnp.zeros((n,), jnp.int32).at[-1].set(model.config.end)
    adj = jnp.eye(n, k=1, dtype=jnp.uint8)
    return jax.jit(model.init)(key, types, adj)["params"]


__all__ = [
    "DVAE",
    "DVAEConfig",
    "GRUCell",
    "Gated",
    "Linear",
    "MLP",
    "batch_decode",
    "batch_encode",
    "batch_loss",
    "graph_loss",
    "init",
    "gru_update",
    "message_fn",
    "propagate",
    "reverse_graph",
]

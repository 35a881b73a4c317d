"""Tests of jaxnas.spaces.nlp on the 345 real NAS-Bench-NLP WikiText-2 logs."""

import collections
import json
import zipfile

import numpy as np
import pytest

from jaxnas.spaces import nlp
from jaxnas.spaces.base import PAD, InvalidCellError

VANILLA = (
    '{"f": {"op": "linear", "input": ["x", "h_prev_0"]}, '
    '"h_new_0": {"op": "activation_tanh", "input": ["f"]}}'
)


@pytest.fixture(scope="module")
def logs(data_file):
    """The 345 logs as dicts (read directly from the zip)."""
    with zipfile.ZipFile(data_file("nbnlp/train_logs_wikitext-2_logs.zip")) as zf:
        return [json.loads(zf.read(n)) for n in zf.namelist() if n.endswith(".json")]


@pytest.fixture(scope="module")
def cells(logs):
    return [nlp.parse_recipe(log["recepie"]) for log in logs]


def _is_dag_by_dfs(names, edges) -> bool:
    """Independent acyclicity check (colouring DFS over the recipe's name graph)."""
    state = {}

    def visit(u):
        state[u] = 1
        for v in edges.get(u, ()):
            if state.get(v) == 1 or (v not in state and not visit(v)):
                return False
        state[u] = 2
        return True

    return all(state.get(u) == 2 or visit(u) for u in names)


def test_parse_all_logs(logs, cells):
    assert len(logs) == 345
    for log, cell in zip(logs, cells, strict=True):
        recipe = json.loads(log["recepie"])
        n = cell.num_nodes
        assert n == len(recipe) + 4
        assert cell.names[:4] == ("x", "h_prev_0", "h_prev_1", "h_prev_2")
        assert set(cell.names[4:]) == set(recipe)
        assert cell.adjacency.shape == (n, n) and cell.adjacency.dtype == np.uint8
        assert cell.op_ids.shape == (n,) and cell.op_ids.dtype == np.int32
        # Topologically ordered: strictly upper triangular.
        assert not np.tril(cell.adjacency).any()
        # Edges are exactly the recipe's input references.
        for name, spec in recipe.items():
            j = cell.names.index(name)
            assert cell.ops[j] == spec["op"] == nlp.OPS[cell.op_ids[j]]
            assert [cell.names[i] for i in cell.node_inputs[j]] == spec["input"]
            assert {cell.names[i] for i in np.flatnonzero(cell.adjacency[:, j])} == set(
                spec["input"]
            )
        assert int(cell.adjacency.sum()) == len(
            {(i, name) for name, s in recipe.items() for i in s["input"]}
        )
        # Independent DAG check on the raw recipe.
        out_edges = collections.defaultdict(list)
        for name, spec in recipe.items():
            for i in spec["input"]:
                out_edges[i].append(name)
        assert _is_dag_by_dfs(list(recipe), out_edges)
        # Outputs are h_new_0..h_new_{H-1}; h_new_0 always present.
        outs = [cell.names[i] for i in cell.output_nodes]
        assert outs == [f"h_new_{k}" for k in range(len(outs))]
        assert 1 <= cell.num_hidden <= 3
        assert nlp.parse_recipe(nlp.to_recipe(cell)) == cell
        assert nlp.to_recipe(cell) == recipe
        assert hash(nlp.parse_recipe(recipe)) == hash(cell)


def test_node_counts(cells):
    counts = np.array([c.num_nodes for c in cells])
    assert counts.min() == 6  # the vanilla tanh RNN: 4 inputs + linear + activation
    assert counts.max() == 19  # 15 recipe nodes + 4 inputs (largest cell in the 345 logs)
    assert 8 < np.median(counts) < 14
    assert collections.Counter(c.num_hidden for c in cells) == {1: 161, 2: 141, 3: 43}


def test_num_params_matches_logs(logs, cells):
    # The logs' num_params: AWD model with emsize 400, nhid 600, 3 layers, tied, WikiText-2.
    for log, cell in zip(logs, cells, strict=True):
        assert (log["emsize"], log["nhid"], log["nlayers"], log["tied"]) == (400, 600, 3, True)
        assert nlp.num_params(cell) == log["num_params"]


def test_vanilla_rnn_hand_checked(logs):
    cell = nlp.parse_recipe(VANILLA)
    assert cell.names == ("x", "h_prev_0", "h_prev_1", "h_prev_2", "f", "h_new_0")
    assert cell.ops == ("input",) * 4 + ("linear", "activation_tanh")
    np.testing.assert_array_equal(cell.op_ids, [0, 0, 0, 0, 6, 2])
    want = np.zeros((6, 6), np.uint8)
    want[0, 4] = want[1, 4] = want[4, 5] = 1
    np.testing.assert_array_equal(cell.adjacency, want)
    assert cell.input_nodes == (0, 1, 2, 3) and cell.output_nodes == (5,)
    # It is the recipe of log 1000000, and the dict form parses the same.
    log = next(x for x in logs if x["recepie_id"] == 1000000)
    assert nlp.parse_recipe(log["recepie"]) == cell == nlp.parse_recipe(json.loads(VANILLA))
    # Emb 33278*400 + decoder bias 33278 + per layer one linear over (x, h) with bias.
    by_hand = 33278 * 400 + 33278
    by_hand += (400 + 600) * 600 + 600 + (600 + 600) * 600 + 600 + (600 + 400) * 400 + 400
    assert nlp.num_params(cell) == by_hand == log["num_params"]


def test_lstm_hand_checked(logs):
    log = next(x for x in logs if x["recepie_id"] == 1000001)
    cell = nlp.parse_recipe(log["recepie"])
    assert cell.num_hidden == 2
    assert [cell.names[i] for i in cell.output_nodes] == ["h_new_0", "h_new_1"]

    def reads(name):
        return [cell.names[i] for i in cell.node_inputs[cell.names.index(name)]]

    assert reads("h_new_1_part1") == ["f_act", "h_prev_1"]  # f * c_prev
    assert reads("h_new_1") == ["h_new_1_part1", "h_new_1_part2"]  # c = f c_prev + i j
    assert reads("h_new_0") == ["h_new_1_act", "o_act"]  # h = tanh(c) * o
    assert cell.names[-1] == "h_new_0"
    # h_prev_2 unused: an isolated vertex.
    assert not cell.adjacency[3].any() and not cell.adjacency[:, 3].any()


def test_pad_graph(cells):
    m = max(c.num_nodes for c in cells)
    for cell in cells[:40]:
        p = nlp.pad_graph(cell, m)
        n = cell.num_nodes
        assert p.adjacency.shape == (m, m) and p.ops.shape == (m,) and p.mask.shape == (m,)
        np.testing.assert_array_equal(p.adjacency[:n, :n], cell.adjacency)
        assert not p.adjacency[n:].any() and not p.adjacency[:, n:].any()
        np.testing.assert_array_equal(p.ops[:n], cell.op_ids)
        assert (p.ops[n:] == PAD).all()
        assert p.mask.sum() == n and p.mask[:n].all()
        assert list(np.flatnonzero(p.is_output)) == sorted(cell.output_nodes)
        with pytest.raises(ValueError):
            p.ops[0] = 1
    batch = nlp.pad_graphs(cells)
    assert batch.adjacency.shape == (345, m, m) and batch.ops.shape == (345, m)
    np.testing.assert_array_equal(batch.mask.sum(1), [c.num_nodes for c in cells])
    with pytest.raises(InvalidCellError, match="more than max_nodes"):
        nlp.pad_graph(cells[0], 3)


def _r(**nodes):
    return {k: {"op": op, "input": list(ins)} for k, (op, ins) in nodes.items()}


@pytest.mark.parametrize(
    "recipe, match",
    [
        (
            _r(a=("linear", ["x", "b"]), b=("activation_tanh", ["a"]), h_new_0=("linear", ["a"])),
            "cycle",
        ),
        (_r(h_new_0=("activation_relu", ["x"])), "unknown op 'activation_relu'"),
        (_r(h_new_0=("linear", ["x", "g"])), "undefined node 'g'"),
        (_r(h_new_0=("linear", ["x", "h_prev_1"])), "produces no h_new_1"),
        (_r(a=("linear", ["x"])), "no output node h_new_0"),
        (_r(h_new_0=("linear", ["x"]), h_new_2=("linear", ["x"])), "without gaps"),
        (_r(h_new_0=("activation_tanh", ["x", "h_prev_0"])), "2 inputs, expected 1"),
        (_r(h_new_0=("blend", ["x", "h_prev_0"])), "expected 3"),
        (_r(h_new_0=("elementwise_sum", ["x"])), "at least 2"),
        (_r(x=("linear", ["h_prev_0"]), h_new_0=("linear", ["x"])), "redefines a cell input"),
        ({"h_new_0": {"op": "linear"}}, "must be"),
        ({"h_new_0": {"op": "linear", "input": "x"}}, "list of names"),
        ({}, "empty"),
        ("{not json", "not valid JSON"),
        ([1, 2], "mapping"),
    ],
)
def test_errors(recipe, match):
    with pytest.raises(InvalidCellError, match=match):
        nlp.parse_recipe(recipe)


def test_self_loop_is_a_cycle():
    with pytest.raises(InvalidCellError, match="cycle"):
        nlp.parse_recipe(_r(h_new_0=("elementwise_sum", ["x", "h_new_0"])))


def test_order_independent_of_recipe_order():
    r = json.loads(VANILLA)
    flipped = dict(reversed(list(r.items())))
    assert nlp.parse_recipe(flipped) == nlp.parse_recipe(r)


def test_cells_hashable_and_immutable(logs, cells):
    # Some recipes were trained more than once: equal cells <=> equal recipes.
    distinct_recipes = {json.dumps(json.loads(log["recepie"]), sort_keys=True) for log in logs}
    assert len(set(cells)) == len(distinct_recipes) == 291
    with pytest.raises(ValueError):
        cells[0].adjacency[0, 0] = 1
    with pytest.raises(AttributeError):
        cells[0].names = ()

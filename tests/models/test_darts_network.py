"""DARTS NetworkCIFAR: parameter counts against DARTS's and the papers' numbers, shapes, train /
eval behaviour and drop-path."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxnas.models import darts_network as dn
from jaxnas.spaces import darts


def test_darts_v2_parameter_count_is_the_reference():
    # quark0/darts cnn/train.py prints "param size = 3.349342MB" for DARTS_V2 at C=36, 20 cells.
    assert dn.count_params("DARTS_V2", channels=36, layers=20) == 3_349_342
    assert dn.count_params(dn.KNOWN_GENOTYPES["DARTS_V2"]) == 3_349_342  # the string itself
    assert dn.count_params(darts.from_string(dn.KNOWN_GENOTYPES["DARTS"])) == 3_349_342


def test_arch2vec_bo_counts_match_its_training_log():
    # MSU-MLSys-Lab/arch2vec darts/cnn/eval-EXP/log.txt (train.py --auxiliary --cutout --arch
    # arch2vec_bo): "param size = 3.616966MB", "Model total parameters: 4093392" (with aux head).
    assert dn.count_params("arch2vec_bo") == 3_616_966
    assert dn.count_params("arch2vec_bo", auxiliary=True) == 4_093_392


@pytest.mark.parametrize(
    "name, millions",
    [
        ("arch2vec_rl", 3.3),  # arch2vec README: 2.60% test error with 3.3M params
        ("arch2vec_bo", 3.6),  # arch2vec README: 3.6M
        ("cate_small", 3.5),  # CATE README: CATE-Small 2.55%, 3.5M
        ("cate_large", 4.1),  # CATE README: CATE-Large 2.46%, 4.1M
    ],
)
def test_published_cells_match_the_papers_sizes(name, millions):
    assert round(dn.count_params(name) / 1e6, 1) == millions


def test_counts_agree_with_the_analytic_cost_model():
    # jaxnas.spaces.darts.costs counts DARTS's network in closed form (independent code).
    for name in ("DARTS_V1", "arch2vec_rl"):
        g = darts.from_string(dn.KNOWN_GENOTYPES[name])
        expected = round(darts.num_params(g, darts.DARTS_CIFAR10_NETWORK) * 1e6)
        assert dn.count_params(name) == expected, name


def test_resolve_genotype_rejects_bad_cells():
    with pytest.raises(darts.InvalidCellError, match="unknown op"):
        dn.resolve_genotype(dn.KNOWN_GENOTYPES["DARTS_V2"].replace("sep_conv_3x3", "conv9", 1))
    with pytest.raises(darts.InvalidCellError, match="does not exist"):
        dn.resolve_genotype(
            dn.KNOWN_GENOTYPES["DARTS_V2"].replace("('dil_conv_3x3', 2)", "('dil_conv_3x3', 5)")
        )


def _tiny(auxiliary=True):
    return dn.NetworkCIFAR("DARTS_V2", channels=4, layers=3, auxiliary=auxiliary)


def test_shapes_train_and_eval():
    model = _tiny()
    params, stats = dn.init(model, jax.random.key(0))
    assert "auxiliary_head" in params and "cell2" in params
    x = jax.random.normal(jax.random.key(1), (2, 32, 32, 3))
    train_apply = jax.jit(
        lambda v, x, key: model.apply(
            v, x, train=True, drop_prob=jnp.float32(0.2), rngs={"drop_path": key},
            mutable=["batch_stats"],
        )
    )  # fmt: skip
    (logits, aux), upd = train_apply({"params": params, "batch_stats": stats}, x, jax.random.key(2))
    assert logits.shape == aux.shape == (2, 10)
    assert jax.tree.structure(upd["batch_stats"]) == jax.tree.structure(stats)
    logits_e, aux_e = jax.jit(model.apply)({"params": params, "batch_stats": stats}, x)
    assert logits_e.shape == (2, 10) and aux_e is None
    assert np.all(np.isfinite(logits_e))


def test_init_matches_the_module_initialisers():
    model = _tiny()
    params, stats = dn.init(model, jax.random.key(0))
    ref = jax.eval_shape(lambda: model.init(jax.random.key(0), jnp.zeros((1, 32, 32, 3))))
    assert jax.tree.structure(ref) == jax.tree.structure({"params": params, "batch_stats": stats})
    dense_fan_in = {"classifier": params["classifier"]["kernel"].shape[0], "auxiliary_head": 768}
    for path, v in jax.tree_util.tree_flatten_with_path(params)[0]:
        name, top, parent = path[-1].key, path[0].key, path[-2].key
        if name == "scale":
            np.testing.assert_array_equal(v, 1.0)
        elif name == "kernel" or (name == "bias" and parent in ("classifier", "_TorchDense_0")):
            fan_in = np.prod(v.shape[:-1]) if name == "kernel" else dense_fan_in[top]
            bound = 1 / np.sqrt(fan_in)
            assert bound * 0.5 < np.abs(v).max() <= bound, path
        else:
            np.testing.assert_array_equal(v, 0.0)
    for path, v in jax.tree_util.tree_flatten_with_path(stats)[0]:
        np.testing.assert_array_equal(v, 1.0 if path[-1].key == "var" else 0.0)


def test_drop_path_is_per_example_and_unbiased():
    x = jnp.ones((4000, 2, 2, 3))
    y = dn.drop_path(x, 0.25, jax.random.key(0))
    per_example = np.asarray(y).reshape(4000, -1)
    assert np.all(np.isclose(per_example, 0.0) | np.isclose(per_example, 1 / 0.75))
    assert np.all(per_example.min(1) == per_example.max(1))  # whole examples dropped
    assert abs(per_example.mean() - 1.0) < 0.05

"""experiments.benchmarks.op_profile: profiler events attributed to the JAX ops they came from."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from experiments.benchmarks import op_profile


def test_op_times_attribute_a_large_matmul_to_its_dot():
    def f(a, b):
        return a @ b, jnp.tanh(b) * 2.0

    a = jnp.ones((512, 512), jnp.float32)
    compiled = jax.jit(f).lower(a, a).compile()
    sources = op_profile.instruction_sources(compiled.as_text())
    assert any(name.endswith("dot_general") for name in sources.values()), sources

    def run():
        jax.block_until_ready(compiled(a, a))

    run()
    times = op_profile.op_times(compiled.as_text(), run, calls=3)
    dots = sum(t for k, t in times.items() if k.endswith("dot_general"))
    assert dots > 0 and dots >= 0.3 * sum(times.values()), times
    grouped = op_profile.group_times(times, lambda k: "dot" if "dot_general" in k else "rest")
    np.testing.assert_allclose(sum(grouped.values()), sum(times.values()))
    assert list(grouped)[0] == "dot"
    table = op_profile.format_table(grouped, "call")
    assert "dot" in table and "100.0%  total" in table


def test_transformer_groups():
    g = op_profile.transformer_group
    assert g("jit(s)/jvp(CATE)/cross_encoder/block_3/attn/query/dot_general") == (
        "fwd attention q/k/v/out"
    )
    assert (
        g(
            "jit(s)/transpose(jvp(CATE))/cross_encoder/block_0/attn/...qhd,...khd->...hqk/"
            "dot_general"
        )
        == "bwd attention scores, softmax, weighted sum"
    )
    assert g("jit(s)/jvp(CATE)/graph_encoder/block_11/Dropout_1/select_n") == "fwd dropout"
    assert g("jit(s)/jvp(CATE)/graph_encoder/block_1/ln_ffn/mul") == "fwd layer norm"
    assert g("jit(s)/transpose(jvp(CATE))/x/block_2/ffn_in/dot_general") == "bwd ffn"
    assert g("jit(s)/jvp(CATE)/x/block_2/add") == "fwd residual and other block ops"
    assert g("jit(s)/jvp(CATE)/head_hidden/dot_general").startswith("other")
    assert g("<copy>").startswith("other")


@pytest.mark.skipif(jax.default_backend() != "cpu", reason="XLA:CPU kernel kinds")
def test_kind_times_tell_eigen_from_ynnpack_matmuls_and_skip_loops():
    def f(x, g, w):
        # x @ w: rows of x contracted with w's rows (YNNPACK's form); x^T g: the weight-gradient
        # form, contracting the rows of both operands; a loop around an element-wise body.
        y = jax.lax.fori_loop(0, 3, lambda i, c: jnp.tanh(c) * 0.5, x @ w)
        return y, jax.lax.dot_general(x, g, (((0,), (0,)), ((), ())))

    x = jnp.ones((224, 128), jnp.float32)
    compiled = jax.jit(f).lower(x, x, jnp.ones((128, 128), jnp.float32)).compile()
    hlo = compiled.as_text()
    kinds = op_profile.instruction_kinds(hlo)
    assert "matmul, Eigen" in kinds.values(), kinds
    assert "while" in kinds.values(), kinds

    def run():
        jax.block_until_ready(compiled(x, x, jnp.ones((128, 128), jnp.float32)))

    run()
    times = op_profile.instruction_times(run, calls=2)
    by_kind = op_profile.kind_times(hlo, times)
    assert by_kind.get("matmul, Eigen", 0.0) > 0.0, by_kind
    assert "while" not in by_kind  # containers: their bodies are counted instead
    loops = [n for n, k in kinds.items() if k == "while"]
    body = sum(t for n, t in times.items() if n in kinds and n not in loops)
    np.testing.assert_allclose(sum(by_kind.values()), body)

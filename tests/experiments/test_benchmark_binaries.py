"""Smoke runs of the benchmarks (side-by-side ones without a reference checkout: jaxnas beside its
straightforward loop), and their shared flags."""

import json

import numpy as np
import pytest

from tests.conftest import run_binary


def test_arch2vec_step_benchmark_smoke(tmp_path):
    out = tmp_path / "a2v.json"
    r = run_binary(
        "experiments.benchmarks.arch2vec_step",
        "--steps=2", "--rounds=1", "--block=2", "--batch_size=4", f"--output={out}",
        timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads(out.read_text())
    assert set(res["ms_per_step"]) == {"jaxnas", "jaxnas_step_by_step"}
    assert res["baseline"] == "jaxnas_step_by_step" and res["speedup_vs_baseline"] > 0
    assert len(res["loadavg_start_end"]) == 2
    assert "arch2vec step, batch 4" in r.stderr and "by kernel kind" in r.stderr
    kinds = res["op_time_s_per_step"]
    assert kinds["element-wise / reduction, XLA loop"] > 0 and "while" not in kinds, kinds
    assert any(k.startswith("matmul") for k in kinds), kinds


def test_benchmark_rejects_a_missing_reference_checkout(tmp_path):
    r = run_binary(
        "experiments.benchmarks.arch2vec_step",
        "--steps=1", "--rounds=1", "--block=1", "--batch_size=2",
        f"--reference_dir={tmp_path / 'absent'}",
        timeout=300,
    )  # fmt: skip
    assert r.returncode != 0
    assert "absent" in r.stderr


def test_cate_step_benchmark_smoke_profiles_the_step(tmp_path):
    out = tmp_path / "cate.json"
    r = run_binary(
        "experiments.benchmarks.cate_step",
        "--presets=cpu_tiny", "--batch_size=8", "--steps=1", "--rounds=1", "--num_cells=300",
        "--attention_free_bound", f"--output={out}",
        timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    (row,) = json.loads(out.read_text())["rows"]
    assert row["jaxnas"]["step_s"] > 0 and "reference" not in row
    assert row["jaxnas_attention_free"]["step_s"] > 0
    groups = row["jaxnas"]["op_time_s"]
    for side in ("fwd", "bwd"):
        for part in ("attention q/k/v/out", "ffn", "layer norm", "dropout"):
            assert groups[f"{side} {part}"] > 0, (side, part, groups)
    assert "where jaxnas's step spends its time" in r.stdout
    kinds = row["jaxnas"]["kernel_time_s"]
    assert any(k.startswith("matmul") for k in kinds) and "while" not in kinds, kinds
    np.testing.assert_allclose(sum(kinds.values()), sum(groups.values()), rtol=1e-6)


@pytest.mark.slow
def test_darts_throughput_benchmark_smoke(tmp_path):
    out = tmp_path / "darts.json"
    r = run_binary(
        "experiments.benchmarks.darts_throughput",
        "--settings=small", "--repeats=1", f"--output={out}",
        timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    (row,) = json.loads(out.read_text())["results"]
    assert row["num_params"] > 0 and row["step_s"] > 0 and row["images_per_s_per_device"] > 0


@pytest.mark.slow
def test_cate_attention_free_bound_skips_only_the_attention_core():
    # Imported here: a benchmark module defines its absl flags on import.
    import flax.linen as nn
    import jax
    import numpy as np

    from experiments.benchmarks import cate_step
    from jaxnas.models import cate as cate_model
    from jaxnas.models import transformer
    from jaxnas.pretrain import cate

    cells = cate.load_cells("nb201", key=jax.random.key(0), num_cells=8)
    batch = cate.gather_pairs(cells, np.array([[0, 1], [2, 3], [4, 5], [6, 7]]))
    model = cate_model.CATE(cate_model.make_config(cells.num_ops, "cpu_tiny"))
    _, free = cate_step.attention_free_step(model, cells, batch)
    free_hlo = free.as_text()
    assert "...qhd,...khd->...hqk" not in free_hlo  # the scores einsum is gone
    for kept in ("attn/query/", "attn/key/", "attn/out/", "ffn_in/", "ln_attn/"):
        assert kept in free_hlo, kept
    # flax's module is restored afterwards (the library's blocks use the real attention)
    assert transformer.nn.MultiHeadDotProductAttention is nn.MultiHeadDotProductAttention

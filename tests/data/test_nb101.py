"""NAS-Bench-101 readers on the real files: EC-NAS TFRecords and the nasbench-vis 20k JSON.

Spot values are checked against an independent decode: plain ``struct`` framing and the
``google.protobuf`` runtime with the EC-NAS ``model_metrics_energy.proto`` schema built
dynamically (skipped if protobuf is not installed).
"""

import base64
import json
import pathlib
import re
import struct
import time

import numpy as np
import pytest

from jaxnas import data


def _raw_rows(path):
    buf = path.read_bytes()
    pos, rows = 0, []
    while pos < len(buf):
        (n,) = struct.unpack_from("<Q", buf, pos)
        rows.append(json.loads(buf[pos + 12 : pos + 12 + n]))
        pos += 16 + n
    return rows


def _energy_message_class():
    pb = pytest.importorskip("google.protobuf")
    del pb
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    f = descriptor_pb2.FileDescriptorProto(name="ecnas_test.proto", package="t", syntax="proto2")
    ev = f.message_type.add(name="Eval")
    dbl = descriptor_pb2.FieldDescriptorProto.TYPE_DOUBLE
    opt = descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL
    for num, name in [(1, "current_epoch"), (2, "training_time"), (3, "train_accuracy"),
                      (4, "validation_accuracy"), (5, "test_accuracy"), (6, "energy"),
                      (7, "co2eq"), (11, "pred_energy")]:  # fmt: skip
        ev.field.add(name=name, number=num, type=dbl, label=opt)
    mm = f.message_type.add(name="Metrics")
    mm.field.add(
        name="evaluation_data",
        number=1,
        type=descriptor_pb2.FieldDescriptorProto.TYPE_MESSAGE,
        type_name=".t.Eval",
        label=descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED,
    )
    mm.field.add(
        name="trainable_parameters",
        number=2,
        type=descriptor_pb2.FieldDescriptorProto.TYPE_INT32,
        label=opt,
    )
    mm.field.add(name="total_time", number=3, type=dbl, label=opt)
    mm.field.add(name="total_energy", number=4, type=dbl, label=opt)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("t.Metrics"))


_FIELDS = (
    "current_epoch",
    "training_time",
    "validation_accuracy",
    "test_accuracy",
    "train_accuracy",
    "energy",
    "co2eq",
    "pred_energy",
)


@pytest.mark.parametrize("name", ["nb101_ecnas_4v9e", "nb101_ecnas_5v9e"])
def test_ecnas_tfrecord_matches_independent_decode(data_dir, data_file, tmp_path, name):
    e = data.entry(name)
    path = data_file(e.relpath)
    raw = _raw_rows(path)
    t = data.load_nb101_tfrecord(name, data_dir, cache_dir=tmp_path, download=False)
    assert len(t.module_hash) == len(raw)
    assert t.module_hash.tolist() == [r[0] for r in raw]
    assert t.epochs.tolist() == [r[1] for r in raw]
    metrics_cls = _energy_message_class()
    for i in [0, 1, len(raw) // 2, len(raw) - 1]:
        h, ep, adj, ops, b64 = raw[i]
        n = int(len(adj) ** 0.5)
        np.testing.assert_array_equal(
            t.adjacency[i, :n, :n], np.array(list(adj), int).reshape(n, n)
        )
        assert t.adjacency[i, n:].sum() == 0 and t.adjacency[i, :, n:].sum() == 0
        assert [data.nb101.OPS[k] for k in t.ops[i, :n]] == ops.split(",")
        assert (t.ops[i, n:] == -1).all()
        m = metrics_cls.FromString(base64.b64decode(b64))
        assert t.trainable_parameters[i] == m.trainable_parameters
        assert t.total_time[i] == m.total_time and t.total_energy[i] == m.total_energy
        for k, ev in enumerate(m.evaluation_data):
            for fld in _FIELDS:
                got = getattr(t, fld)[i, k]
                want = getattr(ev, fld) if ev.HasField(fld) else np.nan
                np.testing.assert_equal(got, want, err_msg=f"{name} row {i} eval {k} {fld}")


def test_ecnas_4v9e_counts(data_dir, tmp_path):
    t = data.load_nb101_tfrecord("nb101_ecnas_4v9e", data_dir, cache_dir=tmp_path, download=False)
    assert len(t.epochs) == 1092 == 91 * 4 * 3
    assert len(set(t.module_hash.tolist())) == 91
    assert sorted(set(t.epochs.tolist())) == [4, 12, 36, 108]
    pairs = {}
    for h, ep, r in zip(t.module_hash, t.epochs, t.repeat, strict=True):
        pairs.setdefault((h, ep), []).append(r)
    assert len(pairs) == 364 and all(sorted(v) == [0, 1, 2] for v in pairs.values())
    # 1 / 6 / 84 cells with 2 / 3 / 4 vertices (NAS-Bench-101's counts)
    first = t.repeat == 0
    cells = {h: v for h, v in zip(t.module_hash[first], t.num_vertices[first], strict=True)}
    assert np.bincount(list(cells.values())).tolist() == [0, 0, 1, 6, 84]
    assert t.current_epoch.shape == (1092, 3) and np.isfinite(t.validation_accuracy).all()
    # evaluations at epoch 0, 1 and the budget (EC-NAS's choice; the official files use 0, E/2, E)
    for ep in (4, 12, 36, 108):
        assert np.unique(t.current_epoch[t.epochs == ep], axis=0).tolist() == [[0, 1, ep]]
    final = t.validation_accuracy[:, 2]
    means = [final[t.epochs == ep].mean() for ep in (4, 12, 36, 108)]
    assert means == sorted(means) and 0.85 < means[-1] < 0.95
    assert (t.energy[:, 2] > 0).all() and (t.total_energy > 0).all()
    assert (t.trainable_parameters > 0).all()


def test_ecnas_5v9e_counts(data_dir, tmp_path):
    t = data.load_nb101_tfrecord("nb101_ecnas_5v9e", data_dir, cache_dir=tmp_path, download=False)
    assert len(t.epochs) == 2532 == len(set(t.module_hash.tolist()))
    assert set(t.epochs.tolist()) == {4} and set(t.repeat.tolist()) == {0}
    assert np.bincount(t.num_vertices).tolist() == [0, 0, 1, 6, 84, 2441]
    assert np.unique(t.current_epoch, axis=0).tolist() == [[0, 2, 4]]


def test_vis_20k(data_dir, data_file, tmp_path):
    raw = json.loads(data_file("nb101/nasbench_vis_data-20k.json").read_text())
    t0 = time.perf_counter()
    t = data.load_nb101_vis(data_dir, cache_dir=tmp_path, download=False)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    t2 = data.load_nb101_vis(data_dir, cache_dir=tmp_path, download=False)
    second = time.perf_counter() - t0
    assert second < 1.0, (first, second)
    np.testing.assert_array_equal(t.validation_accuracy, t2.validation_accuracy)
    assert t.module_hash.shape == (20001,) and t.validation_accuracy.shape == (20001, 4)
    assert t.budgets.tolist() == [4, 12, 36, 108]
    assert t.module_hash.tolist() == sorted(t.module_hash.tolist())  # smallest hashes
    for i in (0, 777, 20000):
        assert t.module_hash[i] == raw["key"][i]
        assert t.validation_accuracy[i, 3] == raw["108_final_validation_accuracy"][i]
        assert t.validation_accuracy[i, 0] == raw["4_final_validation_accuracy"][i]
        assert t.training_time[i] == raw["final_training_time"][i]
        assert t.trainable_parameters[i] == raw["trainable_parameters"][i]
    assert np.median(t.validation_accuracy, axis=0).tolist() == sorted(
        np.median(t.validation_accuracy, axis=0).tolist()
    )


def test_vis_bad_columns(tmp_path):
    (tmp_path / "v.json").write_text(json.dumps({"key": ["a"], "final_training_time": [1.0]}))
    with pytest.raises(data.FormatError, match="missing columns"):
        data.read_nb101_vis(tmp_path / "v.json")


def _official_message_classes():
    """``(ModelMetrics, EvaluationData)`` built from ``third_party/nasbench/model_metrics.proto``
    (the upstream schema file, parsed here with a regular expression; no protoc needed)."""
    pytest.importorskip("google.protobuf")
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    proto = pathlib.Path(__file__).parents[2] / "third_party/nasbench/model_metrics.proto"
    text = re.sub(r"//[^\n]*", "", proto.read_text())
    assert re.search(r'syntax\s*=\s*"proto2"', text) and re.search(r"package\s+nasbench;", text)
    fdp = descriptor_pb2.FieldDescriptorProto
    types = {"double": fdp.TYPE_DOUBLE, "int32": fdp.TYPE_INT32, "string": fdp.TYPE_STRING}
    labels = {"optional": fdp.LABEL_OPTIONAL, "repeated": fdp.LABEL_REPEATED}
    f = descriptor_pb2.FileDescriptorProto(name="model_metrics.proto", package="nasbench")
    f.syntax = "proto2"
    messages = re.findall(r"message\s+(\w+)\s*\{(.*?)\}", text, re.S)
    assert [m for m, _ in messages] == ["ModelMetrics", "EvaluationData"]
    for msg, body in messages:
        m = f.message_type.add(name=msg)
        for label, typ, name, num in re.findall(r"(\w+)\s+(\w+)\s+(\w+)\s*=\s*(\d+);", body):
            kw = {"type": types[typ]} if typ in types else {
                "type": fdp.TYPE_MESSAGE, "type_name": f".nasbench.{typ}"
            }  # fmt: skip
            m.field.add(name=name, number=int(num), label=labels[label], **kw)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    get = lambda n: message_factory.GetMessageClass(pool.FindMessageTypeByName(n))  # noqa: E731
    return get("nasbench.ModelMetrics"), get("nasbench.EvaluationData")


def test_decoder_follows_the_upstream_schema_in_third_party():
    """Every field of nasbench's ``model_metrics.proto`` is decoded to the same value."""
    metrics_cls, eval_cls = _official_message_classes()
    assert {f.name for f in eval_cls.DESCRIPTOR.fields} <= set(data.nb101.EvaluationData._fields)
    assert {f.name for f in metrics_cls.DESCRIPTOR.fields} <= set(data.nb101.ModelMetrics._fields)
    rng = np.random.default_rng(0)
    m = metrics_cls(trainable_parameters=2_694_282, total_time=1234.5)
    for epoch in (0.0, 4.0, 108.0):
        m.evaluation_data.append(
            eval_cls(
                current_epoch=epoch,
                training_time=float(rng.uniform(0, 3000)),
                train_accuracy=float(rng.uniform()),
                validation_accuracy=float(rng.uniform()),
                test_accuracy=float(rng.uniform()),
                checkpoint_path=f"/models/abc/model.ckpt-{int(epoch)}",
            )
        )
    got = data.nb101.decode_metrics(m.SerializeToString())
    assert got.trainable_parameters == m.trainable_parameters and got.total_time == m.total_time
    assert len(got.evaluation_data) == 3
    for ev, want in zip(got.evaluation_data, m.evaluation_data, strict=True):
        for fld in eval_cls.DESCRIPTOR.fields:
            assert getattr(ev, fld.name) == getattr(want, fld.name), fld.name

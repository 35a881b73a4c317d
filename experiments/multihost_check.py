r"""The multi-host check of issue 16: a sharded search and a data-parallel pretraining run, on
whatever processes and devices this run has, written to one ``.npz`` to compare with a
one-process run (``--compare``). ``experiments/multihost_smoke.sh`` drives it::

    # one process, one device (the reference):
    python -m experiments.multihost_check --out=/tmp/one.npz
    # two processes x 4 forced CPU devices over a loopback coordinator (gloo collectives):
    XLA_FLAGS=--xla_force_host_platform_device_count=4 python -m experiments.multihost_check \
        --out=/tmp/two.npz --coordinator_address=127.0.0.1:12355 --num_processes=2 \
        --process_id=0 &   # and --process_id=1
    python -m experiments.multihost_check --compare /tmp/one.npz /tmp/two.npz   # rc 1: differ

The work is :mod:`experiments.scaleout`'s. Search: REA and the MLP neural predictor
(:func:`jaxnas.search.base.run_seeds`, ``shard='seeds'``; the predictor also
``shard='candidates'``; see :data:`experiments.scaleout.SEARCHES`) on a fixed synthetic
4x4-choice problem (256 rows), keys ``0..seeds-1``: must match the one-device run exactly.
Pretraining: ``--pretrain_steps`` Adam steps of arch2vec (the NB201 ``:smoke`` model) on a
global batch split over every device, parameters replicated
(:func:`experiments.scaleout.data_parallel_losses`), then one orbax checkpoint that every
process takes part in and process 0 writes: the losses must match within float tolerance.
``--perturb_process=k`` shifts process ``k``'s copy of the objective (to show the check fails).
"""

from __future__ import annotations

import sys

import jax
import numpy as np
from absl import flags

from experiments import common
from experiments.scaleout import compare, data_parallel_losses, search_results
from jaxnas import io, mesh

_OUT = flags.DEFINE_string("out", None, "Where process 0 writes the results (.npz).")
_SEEDS = flags.DEFINE_integer("seeds", 6, "Search seeds (not a multiple of the devices: padded).")
_QUERIES = flags.DEFINE_integer("num_queries", 16, "Queries per search run.")
_STEPS = flags.DEFINE_integer("pretrain_steps", 4, "Data-parallel pretraining steps (0: none).")
_BATCH = flags.DEFINE_integer("batch_size", 16, "Global pretraining batch (x devices).")
_PERTURB = flags.DEFINE_integer(
    "perturb_process", -1, "This process index adds 0.01 to its copy of the objective."
)
_ONLY = flags.DEFINE_list("only", None, "Run only these searchers of SEARCHES (default: all).")
_COMPARE = flags.DEFINE_multi_string("compare", None, "Two .npz files to compare (no run).")

def main(argv):
    common.check_no_args(argv)
    if _COMPARE.value:
        a, b = (io.read_npz(p) for p in _COMPARE.value)
        bad = compare(a, b)
        print("\n".join(bad) or f"identical: {len(a)} arrays ({a['devices']} vs {b['devices']})")
        sys.exit(1 if bad else 0)
    m = mesh.make_mesh()
    shift = 0.01 if jax.process_index() == _PERTURB.value else 0.0
    out = search_results(m, _SEEDS.value, _QUERIES.value, shift, _ONLY.value)
    if _STEPS.value:
        ckpt = common.workdir(None) if flags.FLAGS.workdir else None
        out["pretrain_loss"], _ = data_parallel_losses(m, _STEPS.value, _BATCH.value, ckpt)
    out["devices"] = np.asarray(f"{jax.process_count()}x{jax.local_device_count()}")
    if _OUT.value:
        io.write_npz(_OUT.value, **out)  # process 0 only (io.set_writer)
    where = f", written to {_OUT.value}" if io.is_writer() and _OUT.value else ""
    print(f"process {jax.process_index()}/{jax.process_count()}: {len(jax.devices())} devices, "
          f"{len(out)} arrays{where}")  # fmt: skip


if __name__ == "__main__":
    common.run(main)

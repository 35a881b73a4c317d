"""Training a DARTS genotype from scratch on CIFAR-10, as DARTS's evaluation (``cnn/train.py``).

The reference protocol (quark0/darts ``cnn/train.py`` with ``--auxiliary --cutout``, the
command arch2vec and CATE use for their DARTS cells): :class:`~jaxnas.models.darts_network.
NetworkCIFAR` with C = 36, 20 cells; SGD with momentum 0.9 and weight decay 3e-4 (added to the
gradient, on every parameter, as ``torch.optim.SGD``); gradients clipped to global norm 5 before
the decay is added (``clip_grad_norm`` runs on the loss gradient); learning rate 0.025 annealed
by a cosine to 0 over 600 epochs, constant within an epoch (``CosineAnnealingLR`` stepped per
epoch: epoch ``e`` uses ``0.0125 * (1 + cos(pi * e / 600))``); batch 96; drop-path probability
``0.2 * e / 600`` in epoch ``e``; loss = CE + 0.4 * CE(auxiliary head); augmentation
:func:`jaxnas.data.cifar10.augment` (crop 4, flip, cutout 16); test accuracy after every epoch.

Differences from the reference, by design: epochs drop the last partial batch (520 steps of 96
= 49,920 of the 50,000 images per epoch, static shapes; the reference's last batch has 80); the
random streams are JAX's (``fold_in(key, step)``, so a resumed run is exact); batch norm
statistics are over the global batch when the batch is split over devices (the reference runs
on one GPU, so this is its behaviour too).

Data-parallel: the state is replicated and the batch indices are split over the devices of
:func:`jaxnas.mesh.make_mesh` (the images live on every device; each step gathers its batch).
The batch size must be a multiple of the number of devices.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxnas import io, mesh, train
from jaxnas.data import cifar10
from jaxnas.models import darts_network as dn

log = logging.getLogger("jaxnas.train.darts")


def lr_schedule(learning_rate: float, epochs: int, steps_per_epoch: int):
    """``step -> lr``: cosine from ``learning_rate`` towards 0, per epoch (``CosineAnnealingLR``
    with ``T_max = epochs``, stepped at the start of each epoch)."""

    def schedule(step):
        epoch = jnp.floor_divide(step, steps_per_epoch)
        return 0.5 * learning_rate * (1.0 + jnp.cos(jnp.pi * epoch / epochs))

    return schedule


def make_optimizer(config, steps_per_epoch: int) -> optax.GradientTransformation:
    """Clip to ``grad_clip``, add ``weight_decay * param``, SGD with ``momentum`` (PyTorch's
    ``SGD``: ``buf = m * buf + g``, ``p -= lr * buf``)."""
    return optax.chain(
        optax.clip_by_global_norm(config.grad_clip),
        optax.add_decayed_weights(config.weight_decay),
        optax.sgd(
            lr_schedule(config.learning_rate, config.epochs, steps_per_epoch),
            momentum=config.momentum,
        ),
    )


def drop_prob(config, step: int, steps_per_epoch: int) -> float:
    """The drop-path probability of ``step``: ``drop_path_prob * epoch / epochs``."""
    return config.drop_path_prob * (step // steps_per_epoch) / config.epochs


def make_model(config) -> dn.NetworkCIFAR:
    return dn.NetworkCIFAR(
        dn.resolve_genotype(config.genotype),
        channels=config.channels,
        layers=config.layers,
        num_classes=cifar10.NUM_CLASSES,
        auxiliary=config.auxiliary,
    )


def _cross_entropy(logits, labels):
    return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()


def make_loss_fn(model: dn.NetworkCIFAR, auxiliary_weight: float, cutout: int):
    """``loss_fn(params, model_state, batch, rng)`` for :func:`jaxnas.train.make_train_step`.

    ``batch``: ``images uint8 [N, 32, 32, 3]`` and ``labels int32 [N]`` (the whole training
    set, on device), ``idx int32 [B]`` (this step's examples) and ``drop_prob float32 []``.
    """

    def loss_fn(params, model_state, batch, rng):
        k_aug, k_drop = jax.random.split(rng)
        images = cifar10.augment(k_aug, batch["images"][batch["idx"]], cutout=cutout)
        labels = batch["labels"][batch["idx"]]
        (logits, aux), new_state = model.apply(
            {"params": params, **model_state},
            images,
            train=True,
            drop_prob=batch["drop_prob"],
            rngs={"drop_path": k_drop},
            mutable=["batch_stats"],
        )
        ce = _cross_entropy(logits, labels)
        loss = ce if aux is None else ce + auxiliary_weight * _cross_entropy(aux, labels)
        acc = jnp.mean(jnp.argmax(logits, -1) == labels)
        return loss, (new_state, {"ce": ce, "accuracy": acc})

    return loss_fn


def make_eval_fn(model: dn.NetworkCIFAR, images, labels, batch_size: int, m):
    """``state -> {'test_accuracy', 'test_loss'}`` over all of ``images`` (eval mode)."""

    @jax.jit
    def batch_metrics(params, model_state, x, y, w):
        logits, _ = model.apply({"params": params, **model_state}, cifar10.normalize(x))
        ce = optax.softmax_cross_entropy_with_integer_labels(logits, y)
        return jnp.sum(w * (jnp.argmax(logits, -1) == y)), jnp.sum(w * ce)

    n = len(images)
    batch_size = min(batch_size, n)
    batch_size += (-batch_size) % mesh.num_shards(m)

    def eval_fn(state) -> dict:
        correct = loss = 0.0
        for start in range(0, n, batch_size):
            sl = slice(start, start + batch_size)
            (x, y, w), real = mesh.pad_leading(
                (images[sl], labels[sl], np.ones(len(images[sl]), np.float32)), batch_size
            )
            w[real:] = 0.0  # padding rows repeat the last example; they do not count
            x, y, w = mesh.shard_leading((x, y, w), m)
            c, s = batch_metrics(state.params, state.model_state, x, y, w)
            correct, loss = correct + float(c), loss + float(s)
        return {"test_accuracy": correct / n, "test_loss": loss / n}

    return eval_fn


def load_data(config, data_dir, download: bool) -> cifar10.CIFAR10:
    """CIFAR-10 per ``config.data``: ``'cifar10'`` (registry, sha256-checked), ``'file'``
    (``config.data_file``, a file in the official format, unchecked) or ``'synthetic'``
    (``synthetic_train`` / ``synthetic_test`` random images, labels from a fixed colour rule)."""
    if config.data == "cifar10":
        return cifar10.load_cifar10(data_dir, download=download)
    if config.data == "file":
        return cifar10.read_cifar10(config.data_file)
    if config.data == "synthetic":
        rng = np.random.default_rng(config.seed)

        def part(n):
            y = rng.integers(0, cifar10.NUM_CLASSES, n).astype(np.int32)
            x = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
            x[:, :8, :8, 0] = (y * 25)[:, None, None]  # learnable: the label in a corner
            return x, y

        return cifar10.CIFAR10(*part(config.synthetic_train), *part(config.synthetic_test))
    raise ValueError(f"data must be 'cifar10', 'file' or 'synthetic', got {config.data!r}")


def _config_dict(config) -> dict:
    return config.to_dict() if hasattr(config, "to_dict") else dict(vars(config))


def train_and_evaluate(config, workdir: os.PathLike, data_dir=None, download: bool = True) -> dict:
    """Trains ``config.genotype`` on CIFAR-10; writes under ``workdir``:

    ``checkpoints/`` (orbax; state and the saved config; a rerun with the same ``workdir``
    resumes exactly), ``metrics.jsonl`` (train loss / accuracy, test accuracy per eval) and
    ``results.json`` (final test accuracy, parameters, throughput, wall times).

    Returns:
      The results dict.
    """
    t_start = time.perf_counter()
    out = io.make_dir(workdir)
    d = load_data(config, data_dir, download)
    m = mesh.make_mesh()
    if config.batch_size % mesh.num_shards(m):
        raise ValueError(
            f"batch_size {config.batch_size} is not a multiple of the {mesh.num_shards(m)} devices"
        )
    steps_per_epoch = len(d.train_images) // config.batch_size
    if steps_per_epoch == 0:
        raise ValueError(f"batch_size {config.batch_size} > {len(d.train_images)} images")
    num_steps = int(config.num_steps or config.epochs * steps_per_epoch)
    t_data = time.perf_counter() - t_start

    key = jax.random.key(config.seed)
    k_init, k_batches, k_train = (jax.random.fold_in(key, i) for i in range(3))
    model = make_model(config)
    params, batch_stats = dn.init(model, k_init)
    tx = make_optimizer(config, steps_per_epoch)
    state = mesh.replicate(train.create(params, tx, {"batch_stats": batch_stats}), m)
    images, labels = mesh.replicate((d.train_images, d.train_labels), m)
    step_fn = train.make_train_step(
        make_loss_fn(model, config.auxiliary_weight if config.auxiliary else 0.0, config.cutout),
        tx,
    )

    def get_batch(step: int) -> dict[str, Any]:
        idx = train.batch_indices(k_batches, len(d.train_images), config.batch_size, step)
        return {
            "images": images,
            "labels": labels,
            "idx": mesh.shard_leading(idx.astype(np.int32), m),
            "drop_prob": np.float32(drop_prob(config, step, steps_per_epoch)),
        }

    eval_fn = make_eval_fn(model, d.test_images, d.test_labels, config.eval_batch_size, m)
    num_params = dn.count_params(config.genotype, config.channels, config.layers)
    log.info(
        "%s: C=%d, %d cells, %d parameters (without the auxiliary head); %d train / %d test "
        "images, %d steps/epoch, %d steps, %d device(s)",
        config.genotype if isinstance(config.genotype, str) else "genotype",
        config.channels, config.layers, num_params, len(d.train_images), len(d.test_images),
        steps_per_epoch, num_steps, mesh.num_shards(m),
    )  # fmt: skip
    every = config.checkpoint_every or steps_per_epoch
    steps_run = [0]

    def counted_step(state, batch, rng):  # counts the steps of this invocation (after resume)
        steps_run[0] += 1
        return step_fn(state, batch, rng)

    state, history, run = train.fit_config(
        state, counted_step, get_batch, num_steps, k_train, config, workdir=out,
        saved_config={"train_darts": _config_dict(config), "num_steps": num_steps},
        checkpoint_every=every, eval_fn=eval_fn,
        eval_every=int(config.eval_every_epochs * steps_per_epoch),
    )  # fmt: skip
    t_train = run["seconds"]
    final = eval_fn(state)
    windows = [r["examples_per_s"] for r in history if "examples_per_s" in r]
    results = {
        "genotype": config.genotype if isinstance(config.genotype, str) else str(config.genotype),
        "completed": int(state.step) >= num_steps,
        "step": int(state.step),
        "num_steps": num_steps,
        "epoch": int(state.step) / steps_per_epoch,
        "steps_per_epoch": steps_per_epoch,
        **final,
        "test_error_percent": 100.0 * (1.0 - final["test_accuracy"]),
        "num_params": num_params,
        "loss_curve": io.read_jsonl(out / "metrics.jsonl") if (out / "metrics.jsonl").exists()
        else history,
        "config": _config_dict(config),
        "devices": mesh.num_shards(m),
        "device_kind": jax.devices()[0].device_kind,
        "steps_this_invocation": steps_run[0],
        "train_s_this_invocation": t_train,
        "images_per_s": {
            "incl_compile_and_eval": steps_run[0] * config.batch_size / max(t_train, 1e-9),
            "median_log_window": float(np.median(windows)) if windows else None,
        },
        "data_s": t_data,
        "total_s_this_invocation": time.perf_counter() - t_start,
    }  # fmt: skip
    if mesh.is_primary():
        io.write_json(out / "results.json", results, indent=1)
    log.info(
        "step %d/%d: test accuracy %.4f (error %.2f%%)",
        results["step"], num_steps, final["test_accuracy"], results["test_error_percent"],
    )  # fmt: skip
    return results


__all__ = [
    "drop_prob",
    "load_data",
    "lr_schedule",
    "make_eval_fn",
    "make_loss_fn",
    "make_model",
    "make_optimizer",
    "train_and_evaluate",
]

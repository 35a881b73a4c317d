"""Generic training: state, one jitted train step, orbax checkpoints, a resumable loop."""

from jaxnas.train import checkpoint, loop, state, step
from jaxnas.train.loop import batch_indices, epoch_permutation, fit
from jaxnas.train.state import TrainState, create
from jaxnas.train.step import make_block_step, make_eval_step, make_train_step

__all__ = [
    "TrainState",
    "batch_indices",
    "checkpoint",
    "create",
    "epoch_permutation",
    "fit",
    "loop",
    "make_block_step",
    "make_eval_step",
    "make_train_step",
    "state",
    "step",
]

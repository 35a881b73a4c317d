"""The optimisation and logging defaults shared by the pretraining configs (``arch2vec_common``,
``supervised_common``): both train with :func:`jaxnas.train.fit`, Adam 1e-3, global-norm clip
5, batch 32."""

import ml_collections


def add_training(c: ml_collections.ConfigDict, epochs: int) -> ml_collections.ConfigDict:
    """Sets the optimisation / logging / evaluation keys on ``c`` (returned)."""
    c.batch_size = 32
    c.epochs = epochs
    c.num_steps = 0  # 0: epochs * (train cells // batch_size)
    c.learning_rate = 1e-3
    c.grad_clip = 5.0
    c.log_every = 500
    c.checkpoint_every = 5000
    c.eval_batch_size = 1024
    return c

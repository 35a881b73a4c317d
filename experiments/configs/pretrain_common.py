"""The optimisation and logging defaults shared by the pretraining configs (``arch2vec_common``,
``supervised_common``; the variant-token parser also for ``cate_common``, ``dvae_common``,
``train_darts``): both train with :func:`jaxnas.train.fit`, Adam 1e-3, global-norm clip
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


def apply_tokens(
    c: ml_collections.ConfigDict,
    arg: str | None,
    named: dict,
    keyed: dict[str, tuple[str, type]],
    what: str,
) -> ml_collections.ConfigDict:
    """Applies the comma-separated variant tokens of ``arg`` to ``c`` (returned).

    ``named[token](c)`` for a bare token; ``name=value`` for ``name`` in ``keyed``, with
    ``keyed[name] = (field, convert)``, sets ``c.field = convert(value)``. Anything else is a
    ``ValueError`` naming ``what`` and the accepted tokens.
    """
    for token in [t.strip() for t in (arg or "").split(",") if t.strip()]:
        name, eq, value = token.partition("=")
        if not eq and token in named:
            named[token](c)
        elif eq and name in keyed:
            field, convert = keyed[name]
            setattr(c, field, convert(value))
        else:
            accepted = [*named, *(f"{k}=" for k in keyed)]
            raise ValueError(f"unknown {what} config token {token!r}; use {', '.join(accepted)}")
    return c

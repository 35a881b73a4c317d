"""jaxnas.predictors (import the submodules directly, e.g. `from jaxnas.predictors import ...`)."""

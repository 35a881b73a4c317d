"""jaxnas.surrogates (import the submodules directly, e.g. `from jaxnas.surrogates import ...`)."""

"""jaxnas.models (import the submodules directly, e.g. `from jaxnas.models import ...`)."""

"""jaxnas: neural architecture search in pure-function JAX."""

__version__ = "0.1.0"

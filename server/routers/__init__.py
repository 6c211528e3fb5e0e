"""The routes, one module per group: the expression endpoints, the metadata, the docs page."""

"""The ``blueprint`` command line (installed as ``blueprints.cli``)."""

"""One module per CLI command, each with ``run(args) -> int``. Heavy imports stay inside ``run``."""

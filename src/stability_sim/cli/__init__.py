"""The ``stability-sim`` command line (typer), one module per command group."""

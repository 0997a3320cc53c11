"""``python -m stability_sim.cli``: the same application as the ``stability-sim`` script."""

from stability_sim.cli.main import app

app(prog_name="stability-sim")

"""stability_sim: regional stability in Central Asia after the drawdown from Afghanistan.

An agent-based model on Mesa 3. The package owns the parameter registry
(:mod:`stability_sim.params`), scenario files (:mod:`stability_sim.config`), the real
regional geography (:mod:`stability_sim.geography`) and the command line
(:mod:`stability_sim.cli`).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("stability_sim")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]

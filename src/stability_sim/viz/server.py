"""The live server process: Solara's app behind :class:`~stability_sim.viz.guard.OriginGuard`.

``python -m stability_sim.viz.server --host H --port P`` is what ``stability-sim serve``
starts. It does what ``solara run stability_sim.viz.app --production`` did, but serves the
app through the origin guard, and it frees the kernels of closed pages promptly: Solara
keeps a disconnected page's kernel (its model, widgets and memory) for
``SOLARA_KERNEL_CULL_TIMEOUT``, 24 h by default, which lets connect-and-close cycles grow
the server without bound. Here the default is :data:`CULL_TIMEOUT` (a page that reconnects
within it keeps its state); the environment variable still overrides it. A culled kernel
is a cycle of objects that Python frees only at its next full collection, so
:func:`free_culled_kernels` collects and gives the freed heap back to the system as soon as
kernels have gone, after dropping the kernel-start hooks of the pages' own Solara
singletons (:func:`drop_page_hooks`), which would otherwise keep every page's model alive.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import logging.config
import os
import threading
from collections.abc import Callable, Sequence

from stability_sim.viz.guard import OriginGuard, is_loopback

APP = "stability_sim.viz.app"
CULL_TIMEOUT = "15s"
#: Seconds between looks at the number of live kernels.
REAP_EVERY = 5.0
#: Solara's kernel-start hooks that a Singleton or Computed registers when it is made.
RESET_HOOKS = ("Singleton.__init__.<locals>.reset", "Computed.__init__.<locals>.reset")

#: Warnings and errors to stderr, as ``solara run --log-level warning`` did; our guard's
#: refusals are warnings, so each prints as one line.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain",
                            "stream": "ext://sys.stderr"}},
    "loggers": {name: {"handlers": ["stderr"], "level": level, "propagate": False}
                for name, level in (("solara", "WARNING"), ("reacton", "ERROR"),
                                    ("uvicorn", "ERROR"), ("stability_sim", "WARNING"))},
}


def configure(host: str, port: int) -> None:
    """Set Solara's settings (environment first: Solara reads it when first imported)."""
    os.environ.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", CULL_TIMEOUT)
    os.environ["SOLARA_APP"] = APP
    os.environ["SERVER_NAME"] = host
    os.environ["SERVER_PORT"] = str(port)
    from solara.server import settings

    settings.main.mode = "production"
    settings.theme.variant = settings.ThemeVariant.light


def trim_heap() -> None:
    """Return free heap pages to the system (glibc only; elsewhere nothing to do)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def drop_page_hooks() -> int:
    """Drop the kernel-start hooks of singletons a page made while it rendered; how many.

    Each Solara task (Mesa's Step/Play controller uses one per page) makes a Singleton,
    and a Singleton registers a hook run at every later kernel start, never removed: the
    hook holds the task, the task the page's step function, that the page's model. So a
    closed page's model (about 5 MB at 0.5°) stayed for good, and each new page ran all the
    old hooks. A page's hooks are the ones registered outside any module's import (no
    module recorded); such a hook only resets its singleton for kernels started later,
    which never use it, so dropping it changes nothing for a live page. Hooks registered
    at import (Solara's own, the app's) stay. The lock is the one new kernels take while
    they run the hooks, so none is skipped mid-iteration.
    """
    from solara import lifecycle
    from solara.server import kernel_context

    with kernel_context._init_lock:
        stale = [hook for hook in lifecycle._on_kernel_start_callbacks
                 if hook.module is None
                 and getattr(hook.callback, "__qualname__", "") in RESET_HOOKS]
        for hook in stale:
            hook.cleanup()  # removes this one entry (a page may be adding its own now)
    return len(stale)


def free_culled_kernels(live: Callable[[], int], stop: threading.Event,
                        every: float = REAP_EVERY) -> None:
    """Until ``stop``: whenever ``live()`` kernels fell since the last look, free them now.

    One full collection per drop, not per kernel: a burst of culls costs one pause.
    """
    last = live()
    while not stop.wait(every):
        now = live()
        if now < last:
            drop_page_hooks()
            gc.collect()
            trim_heap()
        last = now


def main(argv: Sequence[str] | None = None) -> None:
    """Serve the page on ``--host``/``--port`` until stopped (SIGINT or SIGTERM)."""
    parser = argparse.ArgumentParser(prog="python -m stability_sim.viz.server",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    configure(args.host, args.port)
    logging.config.dictConfig(LOGGING)
    import uvicorn
    from solara.server import kernel_context
    from solara.server.starlette import app

    stop = threading.Event()
    threading.Thread(target=free_culled_kernels, args=(lambda: len(kernel_context.contexts),
                                                       stop), daemon=True,
                     name="free-culled-kernels").start()
    guarded = OriginGuard(app, loopback_only=is_loopback(args.host))
    uvicorn.run(guarded, host=args.host, port=args.port, loop="asyncio", access_log=False,
                log_config=LOGGING, log_level="error")
    stop.set()


if __name__ == "__main__":
    main()

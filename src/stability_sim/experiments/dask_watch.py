"""Watching a Dask scheduler: refuse a bad address early, notice a scheduler that is gone.

A killed scheduler closes its connections, and Dask cancels every future of the client;
a frozen one (SIGSTOP, a hung host, a cut network) keeps them open and says nothing, so
Dask would wait for results forever. :class:`SchedulerWatch` asks the scheduler for a
sign of life whenever no result has come for a while, and gives up after
:data:`LOST_AFTER_S` without an answer. :func:`check_scheduler` is the same question
asked once before a sweep touches its results folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from stability_sim.errors import UserError

#: Seconds without a result after which the scheduler is asked whether it is alive.
PROBE_AFTER_S = 5.0
#: Seconds one question may take (a scheduler under load answers in well under a second).
PROBE_TIMEOUT_S = 10.0
#: Seconds without any sign of life after which the scheduler counts as lost.
LOST_AFTER_S = 30.0
#: Seconds :func:`check_scheduler` waits for a scheduler to answer.
CONNECT_TIMEOUT_S = 10.0
#: Address schemes a stability_sim sweep can reach a scheduler by (Dask's, bar in-process).
SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")


class SchedulerLostError(RuntimeError):
    """The Dask scheduler stopped answering, or cancelled the runs in flight."""


def one_line(exc: BaseException, limit: int = 160) -> str:
    """An exception's message on one line, cut to ``limit`` characters."""
    return " ".join(str(exc).split())[:limit] or type(exc).__name__


def check_address(address: str) -> str:
    """Check the form of a scheduler address (``tcp://host:port`` or ``host:port``).

    Returns:
        The address as given.

    Raises:
        UserError: For a scheme Dask does not speak (``http://``) or a missing port.
    """
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address, strict=False)
    except ValueError as exc:
        raise UserError(f"not a Dask scheduler address: {address!r} ({one_line(exc)}); "
                        "expected tcp://host:port", source="--scheduler") from None
    if scheme not in SCHEMES:
        raise UserError(f"unsupported address scheme {scheme + '://'!r} in {address!r}; "
                        f"a Dask scheduler listens on {', '.join(s + '://' for s in SCHEMES)}"
                        " (e.g. tcp://host:8786)", source="--scheduler")
    if scheme != "ucx":
        try:
            host, port = parse_host_port(location)
        except ValueError as exc:
            raise UserError(f"not a Dask scheduler address: {address!r} ({one_line(exc)}); "
                            "expected tcp://host:port", source="--scheduler") from None
        if not host or not 0 < int(port) < 65536:
            raise UserError(f"not a Dask scheduler address: {address!r}; expected "
                            "tcp://host:port", source="--scheduler")
    return address


def check_scheduler(address: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Check that a Dask scheduler answers at ``address`` (form first, then a question).

    Raises:
        UserError: For a bad address, or no answer within ``timeout`` seconds.
    """
    check_address(address)
    try:
        # In a thread of its own: a notebook's main thread already runs an event loop.
        with ThreadPoolExecutor(1, thread_name_prefix="check-scheduler") as thread:
            thread.submit(asyncio.run, _identity(address, timeout)).result()
    except Exception as exc:  # refused, unknown host, TLS, a timeout: all "cannot reach"
        raise UserError(f"cannot reach a Dask scheduler at {address} ({one_line(exc)}); "
                        "nothing was run", source="--scheduler") from None


async def _identity(address: str, timeout: float) -> dict[str, Any]:
    from distributed.core import rpc
    from distributed.security import Security

    args = Security().get_connection_args("client")  # TLS settings from the Dask config
    scheduler = rpc(address, timeout=timeout, connection_args=args)
    try:
        return await asyncio.wait_for(scheduler.identity(n_workers=0), timeout)
    finally:
        await scheduler.close_rpc()


def close_lost(client: Any, timeout: float) -> None:
    """Close a client whose scheduler is lost, quickly and without Dask's tracebacks.

    Closing cancels the client's attempts to reconnect, which Dask logs as an error with
    two tracebacks; the sweep's one-line message says all there is to say.
    """
    logging.disable(logging.ERROR)
    try:
        with contextlib.suppress(Exception):
            client.close(timeout=timeout)
    finally:
        logging.disable(logging.NOTSET)


class SchedulerWatch:
    """Decide, while waiting for results, whether a client's scheduler is still there.

    Call :meth:`heard` when a result arrives and :meth:`idle` while none does.

    Args:
        client: The ``distributed.Client``.
        address: The scheduler's address, for messages.
    """

    def __init__(self, client: Any, address: str) -> None:
        self.client = client
        self.address = address
        self._last_sign = time.monotonic()

    def heard(self) -> None:
        """A sign of life (a result came back)."""
        self._last_sign = time.monotonic()

    def idle(self) -> None:
        """No result lately: ask the scheduler if it is due; give up if it is lost.

        Raises:
            SchedulerLostError: If the scheduler has not answered for :data:`LOST_AFTER_S`.
        """
        if time.monotonic() - self._last_sign < PROBE_AFTER_S:
            return
        problem = self._ask()
        if problem is None:
            self.heard()
            return
        silent = time.monotonic() - self._last_sign
        if silent >= LOST_AFTER_S:
            raise SchedulerLostError(f"the Dask scheduler at {self.address} has not answered for "
                                f"{silent:.0f} s ({problem})")

    def lost(self) -> bool:
        """Whether the scheduler fails to answer a question now (asked at once)."""
        return self._ask() is not None

    def _ask(self) -> str | None:
        """None if the scheduler answered a question in time, else what went wrong."""
        if self.client.status in ("closing", "closed"):
            return "the client lost its connection"
        try:
            self.client.sync(self.client.scheduler.identity, n_workers=0,
                             callback_timeout=PROBE_TIMEOUT_S)
        except KeyboardInterrupt:
            raise
        except (Exception, asyncio.CancelledError) as exc:  # timeout, closed comm or loop
            return f"{type(exc).__name__}: {one_line(exc, 100)}"
        return None

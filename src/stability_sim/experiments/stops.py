"""Stop signals: SIGINT, SIGTERM and SIGHUP end a sweep the way Ctrl-C does.

Owns three things:

- :class:`StopTrap`, installed for the duration of a sweep (or a CLI command): the first
  stop signal becomes a :class:`Stopped` exception (a ``KeyboardInterrupt``) in the main
  thread, except while a chunk is being committed (:meth:`StopTrap.held`), when it waits
  for the commit. The handlers found on entry are put back on exit, so a notebook keeps
  its own.
- The worker side: pool processes start with the stop signals blocked, then ignore them
  and die with their parent (:func:`quiet_worker`), so only the parent decides when a
  sweep stops and no worker outlives it.
- :func:`run_child`: run a server child process that stops when this process is told to.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from multiprocessing.context import SpawnContext, SpawnProcess
from types import FrameType
from typing import Any

#: The signals that stop a sweep: Ctrl-C, a polite kill (systemd, a batch scheduler), and
#: a hang-up (the terminal or SSH session closed).
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

#: Linux prctl option: the signal a process gets when its parent dies.
_PR_SET_PDEATHSIG = 1


class Stopped(KeyboardInterrupt):
    """A stop signal, raised in the main thread (a ``KeyboardInterrupt``, like Ctrl-C).

    Attributes:
        signum: The signal number.
        exit_code: The shell's code for death by that signal, ``128 + signum``.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.exit_code = 128 + signum

    @property
    def name(self) -> str:
        """The signal's name, e.g. ``SIGTERM``."""
        return signal.Signals(self.signum).name


def exit_code(stop: BaseException) -> int:
    """The exit code for an interruption: ``128 + signum``, 130 for a plain Ctrl-C."""
    return getattr(stop, "exit_code", 128 + signal.SIGINT)


class StopTrap:
    """Turn stop signals into :class:`Stopped` for the duration of a ``with`` block.

    A signal whose disposition is "ignore" on entry stays ignored: ``nohup`` or a shell's
    background job asked for that. Outside the main thread the trap does nothing, as
    Python only lets the main thread handle signals. After the first stop, later signals
    are absorbed so that saving the finished runs is not cut short (SIGKILL still works).

    Args:
        signals: The signals to trap.
    """

    def __init__(self, signals: Sequence[int] = STOP_SIGNALS) -> None:
        self.signals = tuple(signals)
        self.stop: Stopped | None = None
        self._previous: dict[int, Any] = {}
        self._held = 0
        self._pending: Stopped | None = None

    def __enter__(self) -> StopTrap:
        if threading.current_thread() is not threading.main_thread():
            return self
        for signum in self.signals:
            previous = signal.getsignal(signum)
            if previous in (signal.SIG_IGN, None):  # None: set outside Python; leave it
                continue
            self._previous[signum] = previous
            signal.signal(signum, self._on_signal)
        return self

    def __exit__(self, *exc: object) -> None:
        previous, self._previous = self._previous, {}
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.stop is not None:
            return  # already stopping: let the saving finish
        self.stop = Stopped(signum)
        if self._held:
            self._pending = self.stop  # raised when the commit is done (see held)
            return
        raise self.stop

    @contextlib.contextmanager
    def held(self, *, deliver: bool = True) -> Iterator[None]:
        """A block that a stop signal does not cut short (a chunk's commit).

        Args:
            deliver: Raise a stop that arrived during the block once it is done. With
                False the caller looks at :attr:`stop` itself.
        """
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
        if deliver and not self._held and self._pending is not None:
            pending, self._pending = self._pending, None
            raise pending


@contextlib.contextmanager
def _blocked_stops() -> Iterator[None]:
    """Block the stop signals in this thread for a block (children inherit the mask).

    A stop signal sent meanwhile waits, or is handled by another thread's turn; Python
    runs its handler in the main thread either way.
    """
    old = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class _QuietProcess(SpawnProcess):
    """A spawned process that starts with the stop signals blocked.

    The mask survives ``exec``, so a Ctrl-C to the process group while a worker is still
    importing (a second or more) stays pending until :func:`quiet_worker` discards it,
    instead of killing the worker with a traceback.
    """

    def start(self) -> None:
        """Start the process with the stop signals blocked."""
        with _blocked_stops():
            super().start()


class QuietSpawnContext(SpawnContext):
    """The ``spawn`` context, with processes that start with the stop signals blocked."""

    Process = _QuietProcess


def quiet_pool_context() -> QuietSpawnContext:
    """The multiprocessing context of the local process pool."""
    return QuietSpawnContext()


def quietly_started() -> contextlib.AbstractContextManager[None]:
    """Block the stop signals while a pool is built.

    The pool's resource tracker process is started then; it ignores SIGINT and SIGTERM
    itself but not SIGHUP, and a hang-up must not kill it before the pool is gone.
    """
    return _blocked_stops()


def quiet_worker() -> None:
    """In a pool worker: ignore the stop signals and die with the parent.

    The parent saves the finished runs and then kills the workers; a worker that acted
    on a signal itself would die mid-run with a traceback, or, if the parent is killed
    outright, live on as an orphan holding its memory.
    """
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    parent = multiprocessing.parent_process()
    die_with_parent(parent.pid if parent is not None else None)


def die_with_parent(parent_pid: int | None = None, signum: int = signal.SIGKILL) -> None:
    """Ask Linux to send ``signum`` to this process when its parent dies (else nothing).

    Args:
        parent_pid: The parent expected; if it is already gone, exit now.
        signum: The signal to receive.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0)
    except (OSError, AttributeError):
        return
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)  # the parent died before the request was made


def _child_dies_with_us() -> None:
    # Runs in the child between fork and exec; PDEATHSIG survives the exec.
    die_with_parent(signum=signal.SIGTERM)


def run_child(cmd: Sequence[str], env: Mapping[str, str] | None = None, *,
              grace_s: float = 10.0) -> int:
    """Run a child process until it ends or this process gets a stop signal.

    On a stop signal the child is sent SIGTERM, given ``grace_s`` to exit, then killed;
    if this process is killed outright the child gets SIGTERM from the kernel.

    Args:
        cmd: The command line.
        env: The child's environment (default: this process's).
        grace_s: Seconds the child has to exit after SIGTERM.

    Returns:
        The child's exit code, or ``128 + signum`` if a stop signal ended it (0 for Ctrl-C,
        the ordinary way to stop a server from its terminal).
    """
    with StopTrap():
        child = subprocess.Popen(list(cmd), env=dict(env) if env is not None else None,
                                 preexec_fn=_child_dies_with_us)
        try:
            return child.wait()
        except KeyboardInterrupt as stop:
            with contextlib.suppress(ProcessLookupError):
                child.terminate()
            try:
                child.wait(grace_s)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            code = exit_code(stop)
            return 0 if code == 128 + signal.SIGINT else code
        finally:
            if child.poll() is None:  # any other way out: never leave the child behind
                child.kill()
                child.wait()

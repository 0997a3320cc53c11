"""User-facing errors: one class whose message is the single line a user sees.

Everything a researcher can get wrong in a file or on the command line (an unknown key, a
value out of bounds, malformed YAML, a missing file) is raised as :class:`UserError`; the
CLI prints its message and exits with code 2. Anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

from stability_sim.untrusted import printable


class UserError(Exception):
    """A mistake in user input, reported as one line naming where it is and what is wrong.

    Args:
        message: What is wrong and what was expected.
        source: The file (or ``--set`` option) the input came from, if any.
        key: The dotted key path inside that source, if any.
    """

    exit_code = 2
    #: Longest message text and key shown (the source, a file, is shown whole): a bad
    #: value is echoed to say what is wrong, but a megabyte list must not become a
    #: megabyte line. Room for any real path (a key may be one, e.g. for ``--out``).
    max_message = 400
    max_key = 300

    def __init__(self, message: str, *, source: str | None = None, key: str | None = None):
        self.message = message
        self.source = source
        self.key = key
        super().__init__(self.line())

    def line(self) -> str:
        """The one-line message: ``source: key: message`` with absent parts left out.

        Each part may echo a file's keys and values, so control, bidi and line-break
        characters in it are shown as escapes (see :func:`~stability_sim.untrusted.printable`).
        """
        source = self.source and printable(self.source)
        key = self.key and _clip(printable(self.key), self.max_key)
        text = _clip(printable(" ".join(self.message.split())), self.max_message)
        return ": ".join([p for p in (source, key, text) if p])

    def at(self, *, source: str | None = None, key: str | None = None) -> UserError:
        """Return a copy that fills in the source and key where they are still unknown."""
        return UserError(self.message, source=self.source or source, key=self.key or key)


def _clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters in the middle, the cut marked with an ellipsis.

    The middle, because a message may echo the bad value first ("x=1e999 is out of
    bounds [0, 1]") or last ("expected a number, got [...]"): both ends say what is wrong.
    """
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return text[:head] + "…" + text[len(text) - (limit - 1 - head):]

r"""Showing untrusted text safely: on a terminal (:func:`printable`) and in Markdown.

Keys, values, names, descriptions and paths come from files other people may have
written. Echoed raw, a terminal obeys the escape sequences in them (set the title, clear
the screen, print a fake message), bidi controls reorder what is shown (``abc\u202edef``
reads as ``abcfed``), and Markdown rendered as HTML runs a ``<script>``. Every place that
shows such text passes it through one of these functions first.
"""

from __future__ import annotations

import re
import unicodedata

#: Shown as an escape although not a control character: they reorder or break the text
#: around them (bidi embeddings, overrides, isolates and marks; line and paragraph
#: separators).
_INVISIBLE = frozenset(
    [*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A)),
     "\u200e", "\u200f", "\u061c", "\u2028", "\u2029"]
)

#: Short forms Python's ``repr`` uses as well; every other escape is ``\xNN``/``\uNNNN``.
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _hidden(char: str) -> bool:
    # Cc: C0, DEL and C1 (ESC is in C0); Cs: a lone surrogate, which YAML's "\ud800"
    # escape can produce and which no encoder can print.
    return char in _INVISIBLE or unicodedata.category(char) in ("Cc", "Cs")


def _escape(char: str) -> str:
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def printable(text: str) -> str:
    r"""``text`` with every control, bidi and line-break character shown as an escape.

    ESC becomes ``\x1b``, a newline ``\n``, U+202E ``\u202e``: the result is one line
    that a terminal shows exactly as written. Ordinary text (any script, emoji) is kept.
    """
    if text.isprintable():  # the common case: nothing to do (str.isprintable is fast)
        return text
    return "".join(_escape(c) if _hidden(c) else c for c in text)


#: Markdown or inline-HTML syntax wherever it appears.
_ALWAYS = {"\\": "\\\\", "`": "\\`", "*": "\\*", "[": "\\[", "]": "\\]", "|": "\\|",
           "~": "\\~", "$": "\\$", "<": "&lt;", ">": "&gt;", "&": "&amp;"}
#: What starts a heading, list, quote or code block at the start of a line.
_LINE_START = re.compile(r"[#+=-]|\d+[.)]")
#: Layout whitespace: joined into one line, since a newline would end a table row.
_BREAKS = re.compile(r"[\t\n\r\v\f]+")


def markdown(text: str) -> str:
    """``text`` escaped to show literally in Markdown (and in the HTML rendered from it).

    One line: newlines and tabs become spaces, other hidden characters
    :func:`printable` escapes. HTML specials become entities; Markdown punctuation gets a
    backslash. An underscore between two letters or digits is kept as it is
    (``residual_troops``): CommonMark never reads one there as emphasis, and names stay
    readable.
    """
    text = printable(_BREAKS.sub(" ", text))
    out = []
    for i, char in enumerate(text):
        if char in _ALWAYS:
            out.append(_ALWAYS[char])
        elif char == "_":
            inner = 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()
            out.append("_" if inner else "\\_")
        else:
            out.append(char)
    escaped = "".join(out)
    start = len(escaped) - len(escaped.lstrip(" "))
    match = _LINE_START.match(escaped, start)
    if match:  # "# x", "- x", "1. x": a block marker only at the start of a line
        end = match.end()
        escaped = escaped[:end - 1] + "\\" + escaped[end - 1:]
    return escaped

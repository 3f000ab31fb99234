"""Snippets: a short passage of the original text around the first word found, the words marked.

The passage is cut from the text as written (not the segmented words), HTML-escaped, and every
query word or synonym in it wrapped in <mark>."""

import re
from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from twinning.search.segment import join_wrapped_lines

ELLIPSIS = "…"


def _pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    unique = sorted({w for w in words if w and w.strip()}, key=len, reverse=True)
    if not unique:
        return None
    return re.compile("|".join(re.escape(w) for w in unique), re.IGNORECASE)


def mark(text: str, words: Iterable[str]) -> SafeString:
    """`text` escaped, with `words` wrapped in <mark> (for titles)."""
    pattern = _pattern(words)
    if pattern is None:
        return mark_safe(escape(text))  # noqa: S308 - escaped just now
    return mark_safe(_marked(text, pattern))  # noqa: S308 - every piece is escaped


def _marked(text: str, pattern: re.Pattern[str]) -> str:
    out: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        out.append(escape(text[position : match.start()]))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        position = match.end()
    out.append(escape(text[position:]))
    return "".join(out)


def snippet(text: str, words: Iterable[str], width: int = 120) -> SafeString:
    """About `width` characters of `text` around the first of `words` found (the beginning when
    none is), escaped, with the words marked."""
    words = list(words)
    text = join_wrapped_lines(text or "")
    pattern = _pattern(words)
    first = pattern.search(text) if pattern is not None else None
    # Only a window around the first word is tidied (a text may be a hundred pages long).
    window_start = max(0, first.start() - width) if first is not None else 0
    window_end = (first.start() if first is not None else 0) + 2 * width
    flat = " ".join(text[window_start:window_end].split())
    if not flat:
        return mark_safe("")
    found = pattern.search(flat) if pattern is not None else None
    # The word a third of the way in: some context before it, more after.
    start = max(0, found.start() - width // 3) if found is not None else 0
    end = min(len(flat), start + width)
    start = max(0, min(start, end - width))
    piece = flat[start:end]
    body = _marked(piece, pattern) if pattern is not None else escape(piece)
    prefix = ELLIPSIS if start > 0 or window_start > 0 else ""
    suffix = ELLIPSIS if end < len(flat) or window_end < len(text) else ""
    return mark_safe(prefix + body + suffix)  # noqa: S308 - every piece is escaped

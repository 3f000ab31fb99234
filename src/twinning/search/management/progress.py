"""A plain-text progress bar for long management commands (`twinning reindex`,
`twinning import-documents`), written to stderr so that the report on stdout stays clean."""

from typing import Any

from django.core.management.base import OutputWrapper

WIDTH = 30


class ProgressBar:
    """`[#########.....................]  12/40  30%  label`, redrawn in place on a terminal
    and written once per step elsewhere (a log keeps every line)."""

    def __init__(self, stream: Any, total: int, *, width: int = WIDTH) -> None:
        self.stream = stream
        self.total = max(0, total)
        self.width = width
        self.done = 0
        isatty = getattr(stream, "isatty", None)
        self.inline = bool(isatty and isatty())

    def line(self, done: int, label: str = "") -> str:
        total = self.total or 1
        filled = min(self.width, round(self.width * done / total))
        percent = min(100, round(100 * done / total)) if self.total else 100
        bar = "#" * filled + "." * (self.width - filled)
        text = f"[{bar}] {done:>{len(str(self.total))}}/{self.total} {percent:>3}%"
        return f"{text}  {label}" if label else text

    def update(self, done: int, label: str = "") -> None:
        self.done = done
        text = self.line(done, label)
        self._write("\r\x1b[K" + text if self.inline else text + "\n")

    def close(self) -> None:
        if self.inline:
            self._write("\n")

    def _write(self, text: str) -> None:
        if isinstance(self.stream, OutputWrapper):
            self.stream.write(text, ending="")  # no newline added after a redrawn line
        else:
            self.stream.write(text)
        self.stream.flush()

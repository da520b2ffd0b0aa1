"""What a terminal program showed: its pty output replayed through a terminal emulator (pyte).

The sandbox returns everything the program wrote to its pseudo-terminal; the terminal shim put a
private mark (``ESC ] 7777;evalkit;<virtual time> BEL``) there each time the program read a key
at a new moment, so the stream cuts into frames: the screen as the program had drawn it then.

For the Snake probes each frame becomes a draw trace like a pygame game's (``gameprobes``):
every visible cell (a non-blank character, or a blank one with a background colour or reverse
video) is a 10x10 square at its column/row, its "colour" standing for the character and its
style. So the snake is what moves, food is what stays, walls are the board's edge, and the
probes need no terminal-specific rules. The stream is untrusted (the program can write a
mark itself): it is only ever parsed, and a frame count cap keeps the cost bounded.
"""

from __future__ import annotations

import base64
import binascii
import re

from . import gameprobes

CELL = 10            # a character cell as a square of this many "pixels" for gameprobes
MAX_FRAMES = 1500
_MARK = re.compile(rb"\x1b\]7777;evalkit;([0-9]{1,7}(?:\.[0-9]{1,6})?)\x07")
CUT = b"\x1b]7777;evalkit-cut\x07"  # the runner kept only the first 16 MB of the output


def decode(b64: str | None) -> bytes:
    if not b64:
        return b""
    try:
        return base64.b64decode(b64, validate=False)
    except (binascii.Error, ValueError):
        return b""


class Replay:
    """The screens of one terminal run: ``frames`` (time, rows of cells) and the final text."""

    def __init__(self, stream: bytes, cols: int = 80, rows: int = 24):
        import pyte

        self.cols, self.rows = cols, rows
        self.cut = stream.endswith(CUT)
        screen = pyte.Screen(cols, rows)
        feed = pyte.ByteStream(screen)
        self.frames: list[tuple[float, list]] = []
        pos, last_cells = 0, None
        for m in _MARK.finditer(stream):
            chunk = stream[pos:m.start()]
            pos = m.end()
            if chunk or last_cells is None:
                feed.feed(chunk)
                last_cells = self._cells(screen)
            if len(self.frames) < MAX_FRAMES:
                self.frames.append((float(m.group(1)), last_cells))
        self.last_frame_text = self._text(screen) if self.frames else None
        feed.feed(stream[pos:])
        self.end_text = self._text(screen)

    @staticmethod
    def _cells(screen) -> list:
        out = []
        for y in range(screen.lines):
            row = screen.buffer[y]
            for x in range(screen.columns):
                ch = row[x]
                if ch.data.strip() or ch.bg != "default" or ch.reverse:
                    out.append((x, y, (ch.data, ch.fg, ch.bg, ch.reverse, ch.bold)))
        return out

    @staticmethod
    def _text(screen) -> str:
        return "\n".join(line.rstrip() for line in screen.display).rstrip("\n")

    @property
    def screen_text(self) -> str:
        """The last screen the program showed while running (its final frame), else the end state."""
        text = self.last_frame_text if self.last_frame_text and self.last_frame_text.strip() else self.end_text
        return text

    def trace(self) -> list:
        """The frames as a gameprobes draw trace (one 10x10 square per visible cell)."""
        styles: dict = {}
        frames = []
        big = self.cols * self.rows / 8  # a style covering an eighth of the screen is a background (dots)
        for t, cells in self.frames:
            count: dict = {}
            for _, _, style in cells:
                count[style] = count.get(style, 0) + 1
            shapes = []
            for x, y, style in cells:
                if count[style] > big:
                    continue
                k = styles.setdefault(style, len(styles) + 1)
                shapes.append([x * CELL, y * CELL, CELL, CELL, (k >> 16) & 255, (k >> 8) & 255, k & 255, "r"])
            frames.append({"t": t, "s": shapes})
        return [{"kind": "frames", "frames": frames}]


def probes(replay: Replay, status: str, exception: str | None, script: dict | None = None) -> dict:
    """The Snake probes on the terminal screen (``script``: the keys the run got). On a character
    grid every move is whole cells, so grid alignment holds whenever the snake is seen moving."""
    if replay.cut:  # the later frames are missing: what happened after them is not known
        why = "not judged: the program wrote more than 16 MB to its terminal, the rest was not kept"
        return {name: {"passed": None, "detail": why} for name in gameprobes.PROBES}
    out = gameprobes.analyse(replay.trace(), [replay.cols * CELL, replay.rows * CELL], status, exception,
                             script=script)
    note = "terminal screen, 1 cell = 10 px: "
    for p in out.values():
        p["detail"] = note + str(p.get("detail", ""))
    moves = out.get("snake_moves", {})
    if moves.get("passed"):
        out["grid_aligned"] = {"passed": True, "detail": "a terminal program draws on the character grid, so every "
                               "move is whole cells (" + str(moves.get("detail", "")).removeprefix(note) + ")"}
    return out

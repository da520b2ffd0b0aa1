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


def _fast_screen(cols: int, rows: int):
    """A pyte screen whose ``draw`` of plain one-cell characters skips pyte's per-character
    namedtuple copies (a cached cell per style and character): a program that repaints the
    whole screen every frame sends megabytes, and pyte's own ``draw`` was most of the cost."""
    import pyte
    from pyte import modes
    from wcwidth import wcwidth

    class Screen(pyte.Screen):
        one_cell: set = set()
        cells: dict = {}

        def draw(self, data: str) -> None:
            data = data.translate(self.g1_charset if self.charset else self.g0_charset)
            new = set(data) - self.one_cell
            if new:
                self.one_cell.update(c for c in new if wcwidth(c) == 1)
            if modes.IRM in self.mode or not self.one_cell.issuperset(data):
                return super().draw(data)
            cursor, columns = self.cursor, self.columns
            made = self.cells.setdefault(cursor.attrs, {})
            x, line = cursor.x, self.buffer[cursor.y]
            for char in data:
                if x == columns:
                    if modes.DECAWM in self.mode:
                        cursor.x = x
                        self.dirty.add(cursor.y)
                        self.carriage_return()
                        self.linefeed()
                        x, line = cursor.x, self.buffer[cursor.y]
                    else:
                        x -= 1
                cell = made.get(char)
                if cell is None:
                    cell = made[char] = cursor.attrs._replace(data=char)
                line[x] = cell
                x += 1
            cursor.x = x
            self.dirty.add(cursor.y)

    return Screen(cols, rows)


_UNSEEN = object()


class Replay:
    """The screens of one terminal run: ``frames`` (time, rows of cells) and the final text."""

    def __init__(self, stream: bytes, cols: int = 80, rows: int = 24):
        import pyte

        self.cols, self.rows = cols, rows
        self.cut = stream.endswith(CUT)
        self._styles: dict = {}
        screen = _fast_screen(cols, rows)
        feed = pyte.ByteStream(screen)
        self.frames: list[tuple[float, list]] = []
        pos, last_cells = 0, None
        lines: dict[int, list] = {}
        screen.dirty.update(range(rows))
        for m in _MARK.finditer(stream):
            chunk = stream[pos:m.start()]
            pos = m.end()
            if chunk or last_cells is None:
                feed.feed(chunk)
                if screen.dirty:  # only the lines that changed are read again
                    for y in screen.dirty:
                        if 0 <= y < rows:
                            lines[y] = self._line(screen, y)
                    screen.dirty.clear()
                    last_cells = [c for y in range(rows) for c in lines.get(y, ())]
            if len(self.frames) < MAX_FRAMES:
                self.frames.append((float(m.group(1)), last_cells))
        self.last_frame_text = self._text(screen) if self.frames else None
        feed.feed(stream[pos:])
        self.end_text = self._text(screen)

    def _line(self, screen, y: int) -> list:
        """The visible cells of one line: a non-blank character, or a blank with a background
        colour or reverse video (cells are few distinct objects: their verdict is cached)."""
        seen = self._styles
        out = []
        for x, ch in screen.buffer[y].items():
            style = seen.get(ch, _UNSEEN)
            if style is _UNSEEN:
                visible = ch.data.strip() or ch.bg != "default" or ch.reverse
                style = seen[ch] = (ch.data, ch.fg, ch.bg, ch.reverse, ch.bold) if visible else None
            if style is not None and x < self.cols:
                out.append((x, y, style))
        out.sort()
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
        """The frames as a gameprobes draw trace (one 10x10 square per visible cell), each frame
        as the squares added and removed since the one before (most of a screen stays put)."""
        from collections import Counter

        styles: dict = {}
        frames = []
        big = self.cols * self.rows / 8  # a style covering an eighth of the screen is a background (dots)
        prev: set = set()
        prev_cells = None
        for t, cells in self.frames:
            if cells is prev_cells:  # nothing was drawn since the last frame
                frames.append({"t": t, "a": [], "r": []})
                continue
            count = Counter(style for _, _, style in cells)
            cur = set()
            for x, y, style in cells:
                if count[style] > big:
                    continue
                k = styles.get(style) or styles.setdefault(style, len(styles) + 1)
                cur.add((x * CELL, y * CELL, CELL, CELL, (k >> 16) & 255, (k >> 8) & 255, k & 255, "r"))
            frames.append({"t": t, "a": [list(q) for q in sorted(cur - prev)],
                           "r": [list(q) for q in sorted(prev - cur)]})
            prev, prev_cells = cur, cells
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

"""The whole program an answer describes, as static checks see it.

A single-file answer is its main block. A multi-file answer (named files beside the main block,
see ``extract.Extraction.files``) is every file in the main block's language joined into one
view -- the main block first (so its view lines are its own lines), then the others in answer
order -- with a line map, so a rubric check finds a feature wherever it lives and its evidence
still reads ``game.py:42``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .extract import CodeBlock, Extraction


@dataclass
class Part:
    name: str | None      # the file name (None: the unnamed main block)
    block: int            # index into Extraction.blocks
    first: int            # first line of this file in the view (1-based)
    lines: int            # number of lines it occupies


@dataclass
class ProgramView:
    block: CodeBlock                         # the joined code (a CodeBlock, as the checks expect)
    parts: list[Part] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)  # block index -> file name, every named block

    @property
    def multi_file(self) -> bool:
        return len(self.parts) > 1

    def locate(self, line: int) -> tuple[Part, int] | None:
        """View line -> (the file it belongs to, line within that file)."""
        for p in self.parts:
            if p.first <= line < p.first + p.lines:
                return p, line - p.first + 1
        return None

    def relabel(self, evidence: list, block: int | None) -> list:
        """Evidence entries in view lines (those with ``block`` == the view's block) -> file lines,
        each with ``file`` and ``block`` of the file and ``where`` ("game.py:42")."""
        out = []
        for e in evidence or []:
            if not isinstance(e, dict) or not isinstance(e.get("line"), int):
                out.append(e)
                continue
            if e.get("block", block) != block:  # lines of another block (already its own lines)
                name = self.names.get(e.get("block"))
                out.append(dict(e, file=name, where=f"{name}:{e['line']}") if name else e)
                continue
            hit = self.locate(e["line"])
            if hit is None:
                out.append(e)
                continue
            part, ln = hit
            e = dict(e, line=ln, block=part.block)
            if part.name:
                e.update(file=part.name, where=f"{part.name}:{ln}")
            out.append(e)
        return out


def view(ex: Extraction) -> ProgramView | None:
    main = ex.main
    if main is None:
        return None
    members = [ex.main_index] + sorted(i for i in ex.files.values()
                                       if i != ex.main_index and ex.blocks[i].language == main.language)
    if len(members) == 1:
        return ProgramView(main, [Part(main.filename, ex.main_index, 1, main.code.count("\n") + 1)])
    parts, chunks, line = [], [], 1
    for i in members:  # the main block first: its view lines are its own lines
        code = ex.blocks[i].code.rstrip("\n")
        n = code.count("\n") + 1
        parts.append(Part(ex.blocks[i].filename, i, line, n))
        chunks.append(code)
        line += n + 1  # one blank line between files keeps their statements apart
    joined = CodeBlock(code="\n\n".join(chunks), language=main.language, fence=main.fence,
                       start_line=main.start_line, tag=main.tag, filename=main.filename)
    return ProgramView(joined, parts, {i: b.filename for i, b in enumerate(ex.blocks) if b.filename})

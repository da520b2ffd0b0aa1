"""Response text -> ordered code blocks (with language), prose and thinking.

Rules (documented in docs/metrics.md):

* Thinking: every ``<think>...</think>`` span (an unclosed ``<think>`` runs to the end; a
  ``</think>`` with no opening tag closes a span that began at the top) plus the provider's
  separate thinking field. Thinking spans are blanked out (their newlines kept) so that line
  numbers still refer to the original response.
* Fences follow CommonMark: a line of 3+ backticks or tildes opens a block (indented up to 12
  spaces, since models indent fences inside list items; that indent is removed from the code),
  and only a line of the same character, at least as long and with nothing after it, closes
  it -- so ````` ``` ````` lines inside a 4-backtick block, and backticks inside code, stay
  code. A fence never closed runs to the end of the response (``fence="unclosed"``).
* Indented code: a run of lines indented by 4+ spaces (or a tab) after a blank line, outside any
  list, that looks like code.
* A response with no fence that as a whole parses as code in the task's language is one
  ``fence="bare"`` block.
* Language: the fence tag (normalised), else the language whose tree-sitter parse has the fewest
  error bytes, trying the task's language first (an error-free parse there wins at once).
* Main program: among blocks in the task's language (failing that, in any language with a
  grammar; failing that, all blocks): the one defining the task's entry point, else one with
  definitions (usage examples only call), else the largest (non-blank lines); ties go to the
  later block (models tend to finish with the full version).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import treesitter

_LANG_ALIASES = {
    "py": "python", "python3": "python", "py3": "python", "python": "python", "pygame": "python",
    "js": "javascript", "javascript": "javascript", "jsx": "javascript", "node": "javascript",
    "mjs": "javascript", "cjs": "javascript",
    "ts": "typescript", "typescript": "typescript", "tsx": "tsx",
    "html": "html", "htm": "html", "xhtml": "html",
    "go": "go", "golang": "go",
    "java": "java",
    "c": "c", "h": "c",
    "cpp": "cpp", "c++": "cpp", "cc": "cpp", "cxx": "cpp", "hpp": "cpp",
    "bash": "bash", "sh": "bash", "shell": "bash", "zsh": "bash", "console": "bash",
    "shell-session": "bash",
    "text": "text", "txt": "text", "plaintext": "text", "plain": "text", "output": "text",
}


@dataclass
class CodeBlock:
    code: str
    language: str | None          # normalised name ("python", "javascript", ...) or None if unknown
    fence: str                    # "```", "~~~", "indent", "bare" (whole response is code), "unclosed"
    start_line: int               # 1-based line of the first code line in the response text
    tag: str = ""                 # the raw fence info string as written
    detected: bool = False        # language guessed by parse quality (no usable fence tag)

    @property
    def nonblank_lines(self) -> int:
        return sum(1 for ln in self.code.split("\n") if ln.strip())


@dataclass
class Extraction:
    blocks: list[CodeBlock] = field(default_factory=list)
    prose: str = ""
    thinking: str = ""
    main_index: int | None = None  # index into blocks of the "main program", or None (no code)
    main_reason: str = ""          # why that block was chosen (shown in the report)

    @property
    def main(self) -> CodeBlock | None:
        return None if self.main_index is None else self.blocks[self.main_index]


_THINK_OPEN = re.compile(r"<think(?:ing)?>", re.I)
_THINK_CLOSE = re.compile(r"</think(?:ing)?>", re.I)
# CommonMark allows 0-3 spaces; models also indent fences inside list items, so any indent counts
_FENCE_OPEN = re.compile(r"^( {0,12})(`{3,}|~{3,})(.*)$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")


def normalise_language(tag: str | None) -> str | None:
    """Fence info string -> normalised language; unknown tags are kept lower-cased."""
    if not tag:
        return None
    word = re.split(r"[\s{:,;]", tag.strip(), maxsplit=1)[0].strip(".").lower()
    if not word:
        return None
    return _LANG_ALIASES.get(word, word)


def _split_thinking(text: str) -> tuple[str, list[str]]:
    """Blank out thinking spans (keeping newlines) and return them."""
    spans: list[tuple[int, int]] = []
    pos = 0
    first_close = _THINK_CLOSE.search(text)
    first_open = _THINK_OPEN.search(text)
    if first_close and (first_open is None or first_close.start() < first_open.start()):
        spans.append((0, first_close.end()))
        pos = first_close.end()
    while True:
        m = _THINK_OPEN.search(text, pos)
        if not m:
            break
        c = _THINK_CLOSE.search(text, m.end())
        end = c.end() if c else len(text)
        spans.append((m.start(), end))
        pos = end
    if not spans:
        return text, []
    out, thoughts, last = [], [], 0
    for a, b in spans:
        out.append(text[last:a])
        chunk = text[a:b]
        thoughts.append(_THINK_CLOSE.sub("", _THINK_OPEN.sub("", chunk)).strip())
        out.append("\n" * chunk.count("\n"))
        last = b
    out.append(text[last:])
    return "".join(out), [t for t in thoughts if t]


_CODE_LINE = re.compile(
    r"[;{}]\s*$|^\s*(def|class|import|from|return|if|elif|else|for|while|try|except|with|const|let|var|"
    r"function|package|func|public|private|static|#include|print|echo|fn|int|void)\b|[\w\])]\s*[-+*/%]?=\s*\S|"
    r"\w\(.*\)|:\s*$|^\s*(#|//|<[A-Za-z!/])")


def _looks_like_code(lines: list[str]) -> bool:
    body = [ln for ln in lines if ln.strip()]
    if not body:
        return False
    codey = sum(1 for ln in body if _CODE_LINE.search(ln[:500]))  # cap: `.*` is quadratic on huge lines
    return codey >= max(1, len(body) * 0.5)


def _parse_quality(language: str, code: str) -> float:
    """Fraction of the block covered by parse errors (0 = clean)."""
    bad, total = treesitter.error_bytes(treesitter.parse(language, code))
    return bad / total


def detect_language(code: str, hint: str | None = None) -> str | None:
    """Best tree-sitter parse, trying ``hint`` first; None when nothing parses reasonably."""
    order = [hint] if treesitter.supported(hint) else []
    order += [lang for lang in treesitter.DETECT_ORDER if lang != hint]
    best, best_q = None, 1.0
    for lang in order:
        if lang == "html" and not re.search(r"<[A-Za-z!]", code):
            continue  # the HTML grammar accepts any text as a text node
        q = _parse_quality(lang, code)
        if q == 0.0:
            return lang
        if q < best_q:
            best, best_q = lang, q
    return best if best_q <= 0.1 else None


def _scan(lines: list[str]) -> tuple[list[tuple[int, int, str, str, int]], list[bool]]:
    """Find fenced blocks: (first code line idx, end idx exclusive, fence kind, tag, indent)."""
    blocks = []
    is_code = [False] * len(lines)
    i, n = 0, len(lines)
    while i < n:
        line = lines[i].rstrip("\r")
        m = _FENCE_OPEN.match(line)
        if not m or (m.group(2)[0] == "`" and "`" in m.group(3)):
            i += 1
            continue
        indent, fence, tag = len(m.group(1)), m.group(2), m.group(3).strip()
        close = re.compile(r"^ {0,12}" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}\s*$")
        j = i + 1
        while j < n and not close.match(lines[j].rstrip("\r")):
            j += 1
        kind = ("```" if fence[0] == "`" else "~~~") if j < n else "unclosed"
        blocks.append((i + 1, j, kind, tag, indent))
        for k in range(i, min(j + 1, n)):
            is_code[k] = True
        i = j + 1
    return blocks, is_code


def _indented_blocks(lines: list[str], taken: list[bool]) -> list[tuple[int, int]]:
    out = []
    i, n = 0, len(lines)
    while i < n:
        ln = lines[i]
        prev_blank = i == 0 or not lines[i - 1].strip()
        if not taken[i] and prev_blank and ln.strip() and (ln.startswith("    ") or ln.startswith("\t")):
            # not a list continuation: the last non-blank line before must not be a list item
            k = i - 1
            while k >= 0 and not lines[k].strip():
                k -= 1
            if k >= 0 and (_LIST_ITEM.match(lines[k]) or lines[k].startswith((" ", "\t"))):
                i += 1
                continue
            j = i
            while j < n and not taken[j] and (not lines[j].strip() or lines[j].startswith(("    ", "\t"))):
                j += 1
            while j > i and not lines[j - 1].strip():
                j -= 1
            if _looks_like_code(lines[i:j]):
                out.append((i, j))
                i = j
                continue
        i += 1
    return out


def _dedent(lines: list[str], width: int) -> list[str]:
    out = []
    for ln in lines:
        if ln.startswith("\t"):
            out.append(ln[1:])
        else:
            strip = len(ln) - len(ln.lstrip(" "))
            out.append(ln[min(strip, width):])
    return out


_DEFINES = re.compile(r"^\s*(?:async\s+)?(?:def|class|function|func|fn|public|private|protected|static)\b"
                      r"|^\s*(?:export\s+)?(?:const|let|var)\s+\w+\s*=\s*(?:\(|function|async)"
                      r"|^[A-Za-z_][\w\s\*]*\([^;]*\)\s*\{", re.M)


def _choose_main(blocks: list[CodeBlock], hint: str | None, entry_point: str | None) -> tuple[int | None, str]:
    if not blocks:
        return None, "no code"
    defines_entry = re.compile(r"^\s*(?:async\s+)?(?:def|class|function|func)\s+" + re.escape(entry_point) + r"\b",
                               re.M) if entry_point else None

    def rank(i: int):
        b = blocks[i]
        # the block that defines the entry point, then one that defines anything (usage examples
        # only call), then the largest; ties go to the later block (the final full version)
        return (bool(defines_entry and defines_entry.search(b.code)), bool(_DEFINES.search(b.code)),
                b.nonblank_lines, i)

    def pick(cands: list[int], what: str) -> tuple[int, str]:
        i = max(cands, key=rank)
        if defines_entry and defines_entry.search(blocks[i].code):
            return i, f"{what} defining {entry_point}"
        return i, f"largest {what}" if not _DEFINES.search(blocks[i].code) else f"largest {what} with definitions"

    same = [i for i, b in enumerate(blocks) if hint and b.language == hint and b.code.strip()]
    if same:
        return pick(same, f"{hint} block")
    known = [i for i, b in enumerate(blocks) if treesitter.supported(b.language) and b.code.strip()]
    if known:
        return pick(known, "block with a known language")
    return pick(list(range(len(blocks))), "block")


def extract(text: str, thinking: str | None = None, language_hint: str | None = None,
            entry_point: str | None = None) -> Extraction:
    text = text or ""
    visible, thoughts = _split_thinking(text)
    if thinking and thinking.strip():
        thoughts.insert(0, thinking.strip())
    hint = normalise_language(language_hint)
    lines = visible.split("\n")
    fenced, taken = _scan(lines)

    raw: list[tuple[int, list[str], str, str]] = []  # (start idx, code lines, fence, tag)
    for start, end, kind, tag, indent in fenced:
        body = lines[start:end]
        raw.append((start, _dedent(body, indent) if indent else body, kind, tag))
    for a, b in _indented_blocks(lines, taken):
        raw.append((a, _dedent(lines[a:b], 4), "indent", ""))
        for k in range(a, b):
            taken[k] = True
    raw.sort(key=lambda r: r[0])

    if not raw and visible.strip():
        # a response that is only code: it must parse (nearly) cleanly in some language
        stripped = visible.strip("\n")
        lead = len(visible) - len(visible.lstrip("\n"))
        if _looks_like_code(stripped.split("\n")):
            lang = detect_language(stripped, hint)
            if lang is not None and _parse_quality(lang, stripped) <= 0.02:
                start = visible[:lead].count("\n")
                raw.append((start, stripped.split("\n"), "bare", ""))
                for k in range(len(lines)):
                    taken[k] = True

    blocks = []
    for start, body, kind, tag in raw:
        code = "\n".join(body)
        lang = normalise_language(tag)
        detected = False
        if lang is None and code.strip():
            lang = detect_language(code, hint)
            detected = True
        blocks.append(CodeBlock(code=code, language=lang, fence=kind, start_line=start + 1,
                                tag=tag, detected=detected))

    prose = "\n".join(ln for k, ln in enumerate(lines) if not taken[k])
    main_index, reason = _choose_main(blocks, hint, entry_point)
    return Extraction(blocks=blocks, prose=prose, thinking="\n\n".join(thoughts),
                      main_index=main_index, main_reason=reason)

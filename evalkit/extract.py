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
* Named files (``evalkit/filenames.py`` says where a name can come from): a block the answer
  names gets ``filename``; ``files`` maps each name to its block (a name given twice: the later
  block, unless it is less than half the size of the earlier one -- a snippet "to add to" it).
  With two or more named files in the task's language the entry point is the file the answer
  says to run (``python main.py``), else (Python) the file with ``if __name__ == "__main__"``
  that no other file imports, else the main-program rule above. A ``requirements.txt`` block is
  noted in ``requirements``, never installed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import filenames, treesitter

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
    filename: str | None = None   # the file name the answer gives this block (safe relative path)
    name_source: str = ""         # where that name came from: fence, comment, prose

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
    files: dict[str, int] = field(default_factory=dict)  # named file -> block index (the program's files)
    run_name: str | None = None    # the file the answer says to run, when the main block has no name
    run_as_module: bool = False    # the entry runs as `python -m pkg.mod` (a file inside a package folder)
    requirements: list[str] = field(default_factory=list)  # lines of a requirements.txt block (noted only)

    @property
    def main(self) -> CodeBlock | None:
        return None if self.main_index is None else self.blocks[self.main_index]

    @property
    def entry_name(self) -> str | None:
        """The main program's file name: its own name, else the one the prose runs, else None."""
        main = self.main
        if main is not None and main.filename:
            return main.filename
        return self.run_name

    @property
    def multi_file(self) -> bool:
        """The program is more than one file: another named file sits beside the main block."""
        return any(i != self.main_index for i in self.files.values())


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


DETECT_SAMPLE = 32_000  # characters: a language shows itself early, and some grammars are slow on junk


def detect_language(code: str, hint: str | None = None) -> str | None:
    """Best tree-sitter parse, trying ``hint`` first; None when nothing parses reasonably.

    Text with NUL bytes is no source file in any supported language (Python refuses it); only the
    first DETECT_SAMPLE characters (whole lines) are parsed, so a huge block costs what a large one does."""
    if "\x00" in code:
        return None
    if len(code) > DETECT_SAMPLE:
        cut = code.rfind("\n", 0, DETECT_SAMPLE)
        code = code[:cut if cut > 0 else DETECT_SAMPLE]
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
            lang = "text" if _is_file_tree(code) else detect_language(code, hint)
            detected = True
        blocks.append(CodeBlock(code=code, language=lang, fence=kind, start_line=start + 1,
                                tag=tag, detected=detected))
    _name_blocks(blocks, [(r[0], r[2]) for r in raw], lines, taken)

    prose = "\n".join(ln for k, ln in enumerate(lines) if not taken[k])
    commands = [prose] + [b.code for b in blocks if b.language in ("bash", "text", None) and not b.filename]
    run, run_as_module = filenames.run_command(commands)
    named = {b.filename for b in blocks if b.filename}
    if run_as_module and run and run not in named and run[:-3] + "/__main__.py" in named:
        run = run[:-3] + "/__main__.py"  # `python -m snakeclaw` runs the package's __main__.py
    files = _files(blocks, run if run_as_module else None)
    main_index, reason = _choose_main(blocks, hint, entry_point)
    main_index, reason = _choose_entry(blocks, files, hint, run, main_index, reason)
    main = blocks[main_index] if main_index is not None else None
    requirements = []
    for name, i in files.items():
        if name.rsplit("/", 1)[-1].lower() == "requirements.txt":
            requirements += [ln.strip() for ln in blocks[i].code.split("\n") if ln.strip()
                             and not ln.strip().startswith("#")]
    run_name = run if run and main is not None and not main.filename and run not in files \
        and filenames.extension(run) in filenames.PYTHON_EXTS else None
    return Extraction(blocks=blocks, prose=prose, thinking="\n\n".join(thoughts),
                      main_index=main_index, main_reason=reason, files=files, run_name=run_name,
                      requirements=requirements,
                      run_as_module=_runs_as_module(main, run, run_as_module, hint))


def _runs_as_module(main: CodeBlock | None, run: str | None, run_as_module: bool, hint: str | None) -> bool:
    """Does the entry file run as ``python -m pkg.mod``? When the answer says so, or when it sits in
    a package folder and imports its neighbours relatively (``from .game import play``), which only
    works that way -- unless the answer says to run it as a plain file."""
    if main is None or not main.filename or "/" not in main.filename or hint != "python":
        return False
    if run == main.filename:
        return run_as_module
    return filenames.has_relative_import(main.code)


_TREE_LINE = re.compile(r"^[\s│├└─|`'+\\-]*[\w.-]+/?\s*(?:(?:#|//|<-|←|-{1,2}\s).*)?$")


def _is_file_tree(code: str) -> bool:
    """A project layout ("run.py", "snake_game/", "├── game.py"): names, one a line -- not code,
    though a bare ``run.py`` parses as a Python expression."""
    lines = [ln for ln in code.split("\n") if ln.strip()]
    return bool(lines) and all(_TREE_LINE.match(ln) for ln in lines) and \
        any(re.search(r"[\w-]\.(?:" + filenames._EXT + r")\b|/\s*$", ln) for ln in lines)


def _name_blocks(blocks: list[CodeBlock], starts: list[tuple[int, str]], lines: list[str],
                 taken: list[bool]) -> None:
    """Give each block the file name the answer gives it (fence tag, first-line comment, prose above)."""
    for b, (start, kind) in zip(blocks, starts):
        if kind == "bare":
            continue
        tag_lang = normalise_language(b.tag) if b.tag else None
        name, how = filenames.from_tag(b.tag) if b.tag else None, "fence"
        if name and tag_lang and name.lower().startswith(tag_lang):  # the tag *is* the file name
            tag_lang = None
        if name is None:
            name, how = filenames.from_first_line(b.code), "comment"
        if name is None:
            above, k = [], start - (2 if kind != "indent" else 1)
            while k >= 0 and not taken[k] and len(above) < 3:
                if lines[k].strip():
                    above.append(lines[k])
                k -= 1
            name, how = filenames.from_prose(above), "prose"
        if name is None or not filenames.fits(name, tag_lang, b.language):
            continue
        b.filename, b.name_source = name, how
        want = filenames.EXT_LANGUAGE.get(filenames.extension(name))
        if tag_lang is None and b.language != (want or "text"):
            # the name says what the untagged block is (a requirements.txt that happens to parse
            # as Python is still a text file)
            b.language, b.detected = want or "text", False


def _files(blocks: list[CodeBlock], module_run: str | None = None) -> dict[str, int]:
    """Named file -> block; a later block of the same name replaces an earlier one (the revised
    version) unless it is under half its size (a snippet to add to it). ``module_run``: the file
    the answer runs with ``python -m`` (its folder is then a package, run from the folder above)."""
    files: dict[str, int] = {}
    for i, b in enumerate(blocks):
        if not b.filename or not b.code.strip():
            continue
        j = files.get(b.filename)
        if j is None or b.nonblank_lines * 2 >= blocks[j].nonblank_lines:
            files[b.filename] = i
    # a shared top folder ("snake_game/main.py", "snake_game/config.py") is the folder the user
    # runs from: drop it, so the files import each other as they would there
    names = list(files)
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and len(names) >= 2 and all("/" in n for n in names) \
            and not _is_package(tops.copy().pop(), [blocks[i] for i in files.values()], module_run):
        top = tops.pop() + "/"
        files = {n[len(top):]: i for n, i in files.items()}
        for n, i in files.items():
            blocks[i].filename = n
    return files


def _is_package(top: str, members: list[CodeBlock], module_run: str | None) -> bool:
    """Is the shared top folder a package the program needs by name? It is when the answer runs a
    file in it with ``python -m top.mod``, or its files import each other relatively
    (``from .game import``) or through the folder (``from top.game import``, ``import top.x``)."""
    if module_run and module_run.startswith(top + "/"):
        return True
    for b in members:
        if b.language != "python":
            continue
        if filenames.has_relative_import(b.code) or top in filenames.imported_modules(b.code):
            return True
    return False


def _is_test_file(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base.startswith("test_") or base.endswith("_test.py") or "tests/" in name or "test/" in name


def _choose_entry(blocks: list[CodeBlock], files: dict[str, int], hint: str | None, run: str | None,
                  main_index: int | None, reason: str) -> tuple[int | None, str]:
    """With several named files in the task's language: the file the answer says to run, else the
    top-level file with a ``__main__`` guard; otherwise the main-program rule's choice stands."""
    same = {n: i for n, i in files.items() if hint and blocks[i].language == hint}
    if len(same) < 2:
        return main_index, reason
    if run in same:
        return same[run], f"the file the answer says to run ({run})"
    if hint == "python":
        guarded = [n for n in same if filenames.has_main_guard(blocks[same[n]].code)]
        # a test file's `unittest.main()` guard does not make it the program
        guarded = [n for n in guarded if not _is_test_file(n)] or guarded

        def imported_by_others(n: str) -> bool:
            mod = n.rsplit(".", 1)[0].replace("/", ".")
            return any(mod.split(".")[-1] in filenames.imported_modules(blocks[same[o]].code)
                       or mod in filenames.imported_modules(blocks[same[o]].code) for o in same if o != n)

        top = [n for n in guarded if not imported_by_others(n)] or guarded
        if top:
            best = max(top, key=lambda n: (n.rsplit("/", 1)[-1] == "main.py", blocks[same[n]].nonblank_lines,
                                           same[n]))
            return same[best], f"the file with if __name__ == \"__main__\" ({best})"
    return main_index, reason

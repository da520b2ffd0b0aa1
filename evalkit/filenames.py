"""File names an answer gives its code blocks, and which named file is the program's entry point.

Where a name can come from, strongest first:

* the fence's info string: ```` ```python title="game.py" ````, ```` ```python:game.py ````,
  ```` ```python file=game.py ````, or a tag that is itself a file name (```` ```game.py ````);
* the block's first line, when it is a comment holding only a file name: ``# game.py``,
  ``## game.py`` (MetaGPT), ``# file: game.py``, ``// game.js``, ``<!-- index.html -->``; or a
  module docstring that opens with the file name (``\"\"\"main.py -- entry point.``);
* the prose just above the fence: a line that is only a file name, however decorated
  (``**game.py**``, ``### main.py``, ``main.py:``, ``1. `config.py` (settings)``, ``File: game.py``),
  or the nearest line naming one file with a cue ("Create a file called `config.py`",
  "Save this as snake.py:", "Here is `main.py`:"). A command (``python main.py``) is not a name.

A name must fit the block: a ``.py`` name on a ``bash`` block is a command, not a file.
Names are relative paths inside the program folder; absolute paths, ``..``, drive letters,
control characters and odd components are refused (they never name a file).
"""

from __future__ import annotations

import re

# extension -> the language the block must be in (None: a data file, any untagged/text block)
EXT_LANGUAGE = {
    "py": "python", "pyw": "python",
    "js": "javascript", "mjs": "javascript", "cjs": "javascript", "jsx": "javascript",
    "ts": "typescript", "tsx": "tsx",
    "html": "html", "htm": "html",
    "go": "go", "java": "java", "c": "c", "h": "c", "cpp": "cpp", "cc": "cpp", "hpp": "cpp",
    "sh": "bash",
    "txt": None, "json": None, "cfg": None, "ini": None, "toml": None, "yaml": None, "yml": None,
    "csv": None, "md": None, "css": None, "env": None,
}
# fence tags that are data, not a program: a data file may sit in such a block
DATA_TAGS = {None, "", "text", "txt", "plaintext", "plain", "json", "ini", "cfg", "toml", "yaml", "yml", "csv",
             "css", "markdown", "md", "requirements", "pip", "dotenv", "env", "conf", "properties"}
PYTHON_EXTS = ("py", "pyw")

_EXT = "|".join(sorted(EXT_LANGUAGE, key=len, reverse=True))
# a relative path of word-ish components ending in a known extension
NAME = r"(?:[\w-][\w.-]*/)*[\w-][\w.-]*\.(?:" + _EXT + r")"
_NAME_TOKEN = re.compile(r"(?<![\w./\\-])(" + NAME + r")(?![\w/-]|\.\w)")
_COMPONENT = re.compile(r"[\w-][\w.-]{0,99}")

_TAG_ATTR = re.compile(r"""(?:title|file|filename|name|path)\s*=\s*["']?([^"'\s}]+)""", re.I)
_TAG_COLON = re.compile(r"^[\w+#-]+:(\S+)$")
_COMMENT_NAME = re.compile(
    r"^\s*(?:#{1,3}|//|/\*|<!--|--|;)\s*(?:(?:file(?:name)?|path)\s*[:=-]\s*)?(" + NAME + r")\s*(?:\*/|-->)?\s*$", re.I)
# decorations around a name that stands alone on its line: list markers, headings, bold, code
_DECOR = re.compile(r"^\s*(?:#{1,6}\s*|>\s*)?(?:[-*+]\s+|\d+[.)]\s*)?(?:\*\*)?\s*`?"
                    r"(?:(?:file(?:name)?|path)\s*[:=-]\s*)?(?:\*\*)?`?(" + NAME + r")`?\s*(?:\*\*)?\s*"
                    r"(?:\([^)]*\)|[-–—:]\s*[^`]*?)?\s*(?:\*\*)?\s*:?\s*$", re.I)
_CUE = re.compile(r"(?i)\b(file|save[ds]?|create[ds]?|called|named|name it|contents?|inside|here'?s|here is|"
                  r"below|following|updated?|put|add|write|module)\b|:\s*$|^\s*in\b")
_COMMAND = re.compile(r"(?i)\b(?:python[\d.]*|py|pip[\d.]*|node|bash|sh|cd|cat|run)\s+(?:-\w+\s+)*`?\s*$")
_RUN = re.compile(r"(?i)(?<![\w/.-])python(?:3(?:\.\d+)?)?\s+(?:-u\s+)?(" + NAME + r")(?![\w/-])")
_RUN_MODULE = re.compile(r"(?i)(?<![\w/.-])python(?:3(?:\.\d+)?)?\s+-m\s+([A-Za-z_][\w.]*)")


def safe_name(name: str | None) -> str | None:
    """A relative path inside the program folder, normalised to ``/``; None when it is not one."""
    if not name:
        return None
    name = name.strip().strip("`'\"").replace("\\", "/")
    if name.startswith("./"):
        name = name[2:]
    if not name or len(name) > 200 or name.startswith(("/", "~")) or re.match(r"^[A-Za-z]:", name):
        return None
    parts = name.split("/")
    if len(parts) > 5 or any(p in ("", ".", "..") or not _COMPONENT.fullmatch(p) for p in parts):
        return None
    return "/".join(parts)


def extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def fits(name: str, tag_language: str | None, detected_language: str | None) -> bool:
    """Can a block tagged ``tag_language`` (None: no tag) hold a file called ``name``?"""
    ext = extension(name)
    if ext not in EXT_LANGUAGE:
        return False
    want = EXT_LANGUAGE[ext]
    if want is None:  # a data file: not in a block tagged as a program
        return tag_language in DATA_TAGS
    if tag_language in (None, ""):
        return True  # an untagged block: the name is firmer evidence than a detected language
    return tag_language == want or (want == "javascript" and tag_language in ("typescript", "tsx"))


def from_tag(tag: str) -> str | None:
    tag = tag.strip()
    m = _TAG_ATTR.search(tag)
    if m:
        return safe_name(m.group(1))
    m = _TAG_COLON.match(tag)
    if m:
        return safe_name(m.group(1))
    word = tag.split()[0] if tag.split() else ""
    if re.fullmatch(NAME, word, re.I):
        return safe_name(word)
    return None


_DOCSTRING_NAME = re.compile(r"^\s*[rRuU]?(?:\"\"\"|\'\'\')?\s*(" + NAME + r")\s*(?:[-–—:]\s.*|[-–—:]|\(.*\))?\s*$")


def from_first_line(code: str) -> str | None:
    """``# game.py`` / ``// game.js`` as the first line (after a shebang), or a module docstring
    whose first line is the file name (``\"\"\"main.py -- entry point``)."""
    lines = code.split("\n")
    for k, line in enumerate(lines[:3]):
        if line.startswith("#!") or (line.startswith("#") and "coding" in line):
            continue
        m = _COMMENT_NAME.match(line)
        if m:
            return safe_name(m.group(1))
        if line.lstrip()[:3] in ('"""', "'''") or line.lstrip()[1:4] in ('"""', "'''"):
            text = line.lstrip().lstrip("rRuU")[3:]
            if not text.strip() and k + 1 < len(lines):
                text = lines[k + 1]
            m = _DOCSTRING_NAME.match(text.replace('"""', "").replace("'''", ""))
            return safe_name(m.group(1)) if m else None
        return None
    return None


_LEAD = re.compile(r"^(?:#{1,6}|>|[-*+](?=\s)|\d+[.)])\s*")
_ALONE = re.compile(r"^`?(" + NAME + r")`?\s*(?:\([^)]*\)|[-–—:]\s*[^`]*?)?\s*:?\s*$", re.I)


def _alone(line: str) -> str | None:
    """The file name when the line is only that (headings, list markers, bold, code, emoji,
    "File:" and a short description after a dash or in parentheses around it)."""
    m = _DECOR.match(line)
    if m:
        return m.group(1)
    t = line.strip()
    for _ in range(3):
        t = _LEAD.sub("", t)
    t = t.replace("**", "").strip()
    t = re.sub(r"^[^\w`/.~\\]+", "", t)  # emoji and symbols before the name (never a path's / or ..)
    t = re.sub(r"^(?:file(?:name)?|path)\s*[:=-]\s*", "", t, flags=re.I)
    m = _ALONE.match(t)
    return m.group(1) if m else None


def from_prose(before: list[str]) -> str | None:
    """``before``: the non-blank prose lines above the fence, nearest first (stopping at the
    previous fence). The nearest line may name the file in a sentence; up to two lines further
    up, only a line that is the file name alone (a heading above a short description) counts."""
    for k, line in enumerate(before[:3]):
        alone = _alone(line)
        if alone:
            return safe_name(alone)
        if k == 0:
            names = []
            for m in _NAME_TOKEN.finditer(line):
                if _COMMAND.search(line[:m.start()]):
                    continue  # `python main.py` runs a file, it does not introduce one
                names.append(m.group(1))
            heading = line.lstrip().startswith("#")  # "### 2. The game logic (`game.py`)"
            if len(set(names)) == 1 and (_CUE.search(line) or heading):
                return safe_name(names[0])
        if line.lstrip().startswith("#"):
            break  # a heading without a file name opens another section
    return None


def run_target(texts: list[str]) -> str | None:
    """The file the answer says to run (``python main.py``, ``python -m game``), last mention wins."""
    return run_command(texts)[0]


def run_command(texts: list[str]) -> tuple[str | None, bool]:
    """(the file the answer says to run, whether it runs it as a module: ``python -m pkg.cli``),
    the last mention in the text winning."""
    found, as_module = None, False
    for text in texts:
        hits = [(m.start(), safe_name(m.group(1)), False) for m in _RUN.finditer(text)]
        hits += [(m.start(), safe_name(m.group(1).replace(".", "/") + ".py"), True) for m in _RUN_MODULE.finditer(text)]
        if hits:
            _, found, as_module = max(hits, key=lambda h: h[0])
    return found, as_module and found is not None


_RELATIVE_IMPORT = re.compile(r"^\s*from\s+\.+[\w.]*\s+import\b", re.M)


def has_relative_import(code: str) -> bool:
    """``from .game import play`` / ``from . import config``: the file belongs to a package."""
    return _RELATIVE_IMPORT.search(code) is not None


_MAIN_GUARD = re.compile(r"""^if\s+__name__\s*==\s*["']__main__["']\s*:""", re.M)


def has_main_guard(code: str) -> bool:
    return _MAIN_GUARD.search(code) is not None


def imported_modules(code: str) -> set[str]:
    """Top-level module names a Python file imports (``import a.b`` -> a, ``from a import b`` -> a)."""
    out = set()
    for m in re.finditer(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w., ]+))", code, re.M):
        if m.group(1):
            if not m.group(1).startswith("."):
                out.add(m.group(1).split(".")[0])
        else:
            out.update(p.strip().split(" ")[0].split(".")[0] for p in m.group(2).split(",") if p.strip())
    return out

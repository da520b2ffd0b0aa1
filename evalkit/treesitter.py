"""tree-sitter grammars (loaded lazily, once per process), a parse cache, and a code index.

Every scorer that looks at code goes through ``parse`` / ``index``: both are memoised on
(language, code), so a block is parsed once per process however many scorers read it. Trees are
never stored on picklable objects (``CodeBlock`` stays a plain dataclass), which keeps scorers
safe to run in a process pool.
"""

from __future__ import annotations

import bisect
import functools
import operator
import re
from dataclasses import dataclass, field

from . import flow
from .tsparse import _QUERIES, _query, parse, python_captures, supported
from .tsparse import DETECT_ORDER  # noqa: F401 - re-exported: extract reads the detection order here

def error_bytes(tree) -> tuple[int, int]:
    """(bytes covered by ERROR/MISSING nodes, total bytes): a parse-quality measure."""
    root = tree.root_node
    total = max(1, root.end_byte - root.start_byte)
    if not root.has_error:
        return 0, total
    bad = 0
    stack = [root]
    while stack:
        n = stack.pop()
        if n.is_error:
            bad += max(1, n.end_byte - n.start_byte)
        elif n.is_missing:
            bad += 1
        elif n.has_error:
            stack.extend(n.children)
    return bad, total


def first_error(tree) -> dict | None:
    """Location of the first ERROR or MISSING node in document order (1-based line and column)."""
    root = tree.root_node
    if not root.has_error:
        return None
    n = root
    while True:
        nxt = None
        for c in n.children:
            if c.is_error or c.is_missing:
                row, col = c.start_point
                if c.is_missing:
                    msg = f"missing {c.type}"
                else:
                    near = c.text.decode("utf-8", "replace").strip().split("\n")[0][:30]
                    msg = f"syntax error near {near!r}" if near else "syntax error"
                return {"line": row + 1, "column": col + 1, "message": msg}
            if c.has_error:
                nxt = c
                break
        if nxt is None:
            row, col = n.start_point
            return {"line": row + 1, "column": col + 1, "message": "syntax error"}
        n = nxt


# ---------------------------------------------------------------------------------------------
# Code index: the facts claim and feature checks look at, collected with one query per language.

_IDENT_TYPES = {"identifier", "property_identifier", "field_identifier", "type_identifier",
                "shorthand_property_identifier"}
_STRING_TYPES = {"string", "string_literal", "template_string", "raw_string_literal",
                 "interpreted_string_literal", "char_literal", "character_literal", "string_content"}
_NUMBER_TYPES = {"integer", "float", "number", "number_literal", "int_literal", "float_literal",
                 "decimal_integer_literal", "decimal_floating_point_literal"}


@dataclass
class Branch:
    cond: str
    body: str
    line: int          # 1-based line of the `if`
    end_line: int      # last line of its body (the consequence, not elif/else parts)
    node: object = field(repr=False, default=None)
    # one level of data flow (evalkit/flow.py), computed on first use (most branches' body parts are
    # never read): cond_parts / body_parts are (text, source line, why) found by following a flag, a
    # helper function, a loop variable or a flag set in the body; body_masked is the body with calls
    # of do-nothing stubs masked
    flow: object = field(repr=False, default=None, compare=False)

    def _lazy(self, key: str, compute: str):
        d = self.__dict__
        if key not in d:
            if self.flow is None:
                d.update(_cond_parts=[], _body_parts=[], _body_masked=None)
            else:
                getattr(self.flow, compute)(self)
        return d[key]

    @property
    def cond_parts(self) -> list:
        return self._lazy("_cond_parts", "cond")

    @property
    def body_parts(self) -> list:
        return self._lazy("_body_parts", "body")

    @property
    def body_masked(self) -> str | None:
        return self._lazy("_body_masked", "body")

    @property
    def flow_cond(self) -> str:
        d = self.__dict__
        if "_flow_cond" not in d:  # cached: checks test it against many patterns
            d["_flow_cond"] = "\n".join([self.cond] + [t for t, _l, _w in self.cond_parts])
        return d["_flow_cond"]

    @property
    def flow_body(self) -> str:
        d = self.__dict__
        if "_flow_body" not in d:
            masked = self.body_masked
            d["_flow_body"] = "\n".join([self.body if masked is None else masked]
                                        + [t for t, _l, _w in self.body_parts])
        return d["_flow_body"]


@dataclass
class CodeIndex:
    language: str
    lines: list[str]
    idents: list[tuple[str, int]] = field(default_factory=list)
    strings: list[tuple[str, int]] = field(default_factory=list)
    numbers: list[tuple[float, int]] = field(default_factory=list)
    branches: list[Branch] = field(default_factory=list)
    augs: list[tuple[str, str, str, int]] = field(default_factory=list)  # (target, op, value, line)
    binops: list[tuple[str, str, str, int]] = field(default_factory=list)  # (op, left, right, line)
    calls: list[tuple[str, str, int]] = field(default_factory=list)      # (callee, full text, line)
    defs: dict[str, tuple[str, int]] = field(default_factory=dict)       # name -> (text, line)
    assigns: list[tuple[str, str, int]] = field(default_factory=list)    # (lhs, rhs, line)
    unused: list[tuple[int, int, str]] = field(default_factory=list)     # functions never called (flow.py)
    complete: bool = False   # a whole program (it does something at module level), not a fragment
    hangs: list = field(default_factory=list)  # (first, last line, condition, names) of loops that never end
    def_ranges: list[tuple[str, int, int]] = field(default_factory=list)  # (name, first, last line) of every def/class

    def enclosing_defs(self, line: int) -> list[str]:
        """Names of the functions and classes ``line`` sits in (innermost last)."""
        return [n for n, a, b in self.def_ranges if a <= line <= b]

    def in_unused(self, line: int) -> str | None:
        """The name of the never-called function ``line`` sits in, or None."""
        for first, last, name in self.unused:
            if first <= line <= last:
                return name
        return None

    def line_text(self, line: int) -> str:
        return self.lines[line - 1].strip()[:160] if 0 < line <= len(self.lines) else ""

    @functools.cached_property
    def ident_lines(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for n, ln in self.idents:
            out.setdefault(n, []).append(ln)
        return out

    @functools.cached_property
    def string_lines(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for n, ln in self.strings:
            out.setdefault(n, []).append(ln)
        return out

    def lines_matching(self, pattern: str) -> set[int]:
        """1-based lines where ``pattern`` matches (one pass over the block, memoised per pattern).

        A leading ``(?i)`` is applied by lower-casing the text instead: CPython's regex engine
        skips its literal-prefix scan under IGNORECASE, which made these passes 9x slower.
        """
        memo = self.__dict__.setdefault("_line_memo", {})
        if pattern not in memo:
            lower = pattern.startswith("(?i)")
            rx = re.compile(pattern[4:] if lower else pattern, re.M)
            text = self.lower_text if lower else self.text
            starts = self.line_starts
            memo[pattern] = {bisect.bisect_right(starts, m.start()) for m in rx.finditer(text)}
        return memo[pattern]

    @functools.cached_property
    def text(self) -> str:
        return "\n".join(self.lines)

    @functools.cached_property
    def lower_text(self) -> str:
        return self.text.lower()

    @functools.cached_property
    def line_starts(self) -> list[int]:
        starts = [0]
        for ln in self.lines[:-1]:
            starts.append(starts[-1] + len(ln) + 1)
        return starts

    @functools.cached_property
    def ident_names(self) -> set[str]:
        return {n for n, _ in self.idents}

    @functools.cached_property
    def string_values(self) -> set[str]:
        return {s for s, _ in self.strings}


_STR_PREFIX = re.compile(r"^[A-Za-z]*('''|\"\"\"|'|\"|`)")


def _string_value(text: str) -> str:
    m = _STR_PREFIX.match(text)
    if not m:
        return text
    q = m.group(1)
    body = text[m.end():]
    return body[: -len(q)] if body.endswith(q) else body


def _number_value(text: str) -> float | None:
    t = text.replace("_", "").rstrip("jJlLuUfF") if not text.lower().startswith("0x") else text
    try:
        if t.lower().startswith(("0x", "0o", "0b")):
            return float(int(t.replace("_", ""), 0))
        return float(t)
    except ValueError:
        return None


_OPERAND_CAP, _COND_CAP, _BODY_CAP = 300, 1000, 20000


_SOURCE_ORDER = operator.attrgetter("start_byte", "end_byte")


def _txt(src: bytes, n) -> str:
    return src[n.start_byte:n.end_byte].decode("utf-8", "replace")


@functools.lru_cache(maxsize=16)
def _index_cached(language: str, code: str) -> CodeIndex:
    idx = CodeIndex(language, code.split("\n"))
    tree = parse(language, code)
    if tree is None:
        return idx
    src = code.encode("utf-8", "surrogatepass")
    query_src = _QUERIES.get(language)
    if query_src is None:
        _walk_generic(idx, tree, src)
        return idx
    import tree_sitter as ts

    if language == "python":
        caps = python_captures(code, "ix")
    else:
        caps = ts.QueryCursor(_query(language, query_src)).captures(tree.root_node)
    # captures come back in an order that can vary between processes: source order keeps every
    # list (and so every evidence line picked from it) the same on every run
    caps = {name: sorted(nodes, key=_SOURCE_ORDER) for name, nodes in caps.items()}
    # (the three most numerous captures, inlined: one function call less per node)
    idx.idents = [(src[n.start_byte:n.end_byte].decode("utf-8", "replace"), n.start_point[0] + 1)
                  for n in caps.get("ident", ())]
    idx.strings = [(_string_value(src[n.start_byte:n.end_byte].decode("utf-8", "replace")), n.start_point[0] + 1)
                   for n in caps.get("string", ())]
    for n in caps.get("number", ()):
        v = _number_value(src[n.start_byte:n.end_byte].decode("utf-8", "replace"))
        if v is not None:
            idx.numbers.append((v, n.start_point[0] + 1))
    for n in caps.get("branch", ()):
        cond = n.child_by_field_name("condition")
        body = n.child_by_field_name("consequence") or n.child_by_field_name("body")
        if cond is None or body is None:
            continue
        # caps keep regex checks linear on adversarial input (a 3000-term expression, huge bodies)
        idx.branches.append(Branch(_txt(src, cond)[:_COND_CAP], _txt(src, body)[:_BODY_CAP],
                                   n.start_point[0] + 1, body.end_point[0] + 1, n))
        if n.type == "if_statement":
            _else_branch(idx, n, src)
    for n in caps.get("aug", ()):
        idx.augs.append(_aug(n, src))
    for n in caps.get("binop", ()):
        left, right, op = (n.child_by_field_name(k) for k in ("left", "right", "operator"))
        if left is None or right is None:
            continue
        idx.binops.append((_txt(src, op) if op is not None else "", _txt(src, left)[:_OPERAND_CAP],
                           _txt(src, right)[:_OPERAND_CAP], n.start_point[0] + 1))
    for n in caps.get("call", ()):
        fn = n.child_by_field_name("function")
        idx.calls.append((_txt(src, fn) if fn is not None else "", _txt(src, n)[:400], n.start_point[0] + 1))
    for n in caps.get("def", ()):
        name = n.child_by_field_name("name")
        if name is not None:
            idx.defs.setdefault(_txt(src, name), (_txt(src, n), n.start_point[0] + 1))
            idx.def_ranges.append((_txt(src, name), n.start_point[0] + 1, n.end_point[0] + 1))
    for n in caps.get("assign", ()):
        lhs = n.child_by_field_name("left") or n.child_by_field_name("name")
        rhs = n.child_by_field_name("right") or n.child_by_field_name("value")
        if lhs is not None and rhs is not None:
            lt, rt = _txt(src, lhs)[:_OPERAND_CAP], _txt(src, rhs)[:_OPERAND_CAP]
            idx.assigns.append((lt, rt, n.start_point[0] + 1))
            # `x = x - 1` is a decrement as much as `x -= 1`
            m = re.fullmatch(r"\s*(.+?)\s*([-+])\s*(\d+(?:\.\d+)?)\s*", rt)
            if m and m.group(1) == lt:
                idx.augs.append((lt, m.group(2) + "=", m.group(3), n.start_point[0] + 1))
    flow.annotate(idx, tree, code)
    return idx


def _aug(n, src: bytes) -> tuple[str, str, str, int]:
    """An augmented assignment (`x += 1`, JavaScript's `x++`) as (target, operator, value, line)."""
    t = _txt(src, n)
    if n.type == "update_expression":
        op = "-=" if "--" in t else "+="
        target, value = t.replace("--", "").replace("++", "").strip(), "1"
    else:
        left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
        op_node = n.child_by_field_name("operator")
        target = (_txt(src, left) if left is not None else t)[:_OPERAND_CAP]
        value = (_txt(src, right) if right is not None else "")[:_OPERAND_CAP]
        if op_node is not None:
            op = _txt(src, op_node)
        else:  # python's grammar has no operator field: read it between the operands
            rest = t[len(target):].lstrip() if t.startswith(target) else t
            m = re.match(r"[^\s=]*=", rest)
            op = m.group(0) if m else "?="
    return target, op, value, n.start_point[0] + 1


def _else_branch(idx: CodeIndex, n, src: bytes) -> None:
    """An ``else:`` block as a branch whose condition is "none of the above" (``not (a or b)``), so
    `if shield: ... else: game_over()` and `for p in pickups: if ...: else: colour = ...` are seen."""
    conds = [n.child_by_field_name("condition")]
    els = None
    for c in n.children:
        if c.type == "elif_clause":
            conds.append(c.child_by_field_name("condition"))
        elif c.type == "else_clause":
            els = c
    if els is None:
        alt = n.child_by_field_name("alternative")  # JavaScript: `else { ... }`, not `else if`
        if alt is None or alt.type != "else_clause" or any(ch.type == "if_statement" for ch in alt.named_children):
            return
        els = alt
    body = els.child_by_field_name("body") or (els.named_children[-1] if els.named_children else None)
    if body is None:
        return
    text = " or ".join(_txt(src, c) for c in conds if c is not None)
    idx.branches.append(Branch(f"not ({text})"[:_COND_CAP], _txt(src, body)[:_BODY_CAP],
                               els.start_point[0] + 1, body.end_point[0] + 1, els))


def _walk_generic(idx: CodeIndex, tree, src: bytes) -> None:
    """Languages without a tailored query: identifiers, strings and numbers only."""
    stack = [tree.root_node]
    while stack:
        n = stack.pop()
        t = n.type
        if t in _IDENT_TYPES:
            idx.idents.append((_txt(src, n), n.start_point[0] + 1))
        elif t in _STRING_TYPES:
            idx.strings.append((_string_value(_txt(src, n)), n.start_point[0] + 1))
            continue
        elif t in _NUMBER_TYPES:
            v = _number_value(_txt(src, n))
            if v is not None:
                idx.numbers.append((v, n.start_point[0] + 1))
        stack.extend(reversed(n.children))


_SCRIPT = re.compile(r"(<script\b[^>]*>)(.*?)(</script\s*>)", re.S | re.I)


def _script_only(html: str) -> str:
    """An HTML page's inline scripts, everything else blanked line for line (line numbers kept)."""
    out, pos = [], 0
    for m in _SCRIPT.finditer(html):
        out.append(re.sub(r"[^\n]", " ", html[pos:m.start(2)]))
        out.append(m.group(2))
        pos = m.end(2)
    out.append(re.sub(r"[^\n]", " ", html[pos:]))
    return "".join(out)


def index(language: str | None, code: str) -> CodeIndex:
    """The (cached) code index of one block; empty for languages without a grammar. An HTML page
    is indexed by its inline ``<script>`` code (a canvas game lives there), on the page's lines."""
    if language == "html" and _SCRIPT.search(code):
        idx = _index_cached("javascript", _script_only(code))
        idx.lines = code.split("\n")  # evidence quotes the page's own lines
        if idx.unused:  # a function the page's markup calls (`onclick="startGame()"`) is used
            markup = _SCRIPT.sub(" ", code)
            idx.unused = [u for u in idx.unused if not re.search(r"\b" + re.escape(u[2]) + r"\b", markup)]
        return idx
    if not supported(language):
        return CodeIndex(language or "", code.split("\n"))
    return _index_cached(language, code)


def ancestors_conditions(node) -> list[str]:
    """Conditions of the if/elif/while statements enclosing ``node`` (innermost first)."""
    out = []
    child, n = node, node.parent
    while n is not None:
        if n.type in ("if_statement", "elif_clause", "while_statement", "else_clause"):
            cond = n.child_by_field_name("condition")
            if cond is not None and not _contains(cond, child):
                out.append(cond.text.decode("utf-8", "replace"))
        child, n = n, n.parent
    return out


def _contains(outer, inner) -> bool:
    return outer.start_byte <= inner.start_byte and inner.end_byte <= outer.end_byte


@functools.lru_cache(maxsize=256)
def python_stats(code: str) -> dict:
    """Statement count (radon's LLOC), comment lines, bare excepts and unreachable statements.

    One tree-sitter query instead of several Python-level AST walks (they dominated the profile).
    """
    caps = python_captures(code, "st")
    bare = []
    for n in caps.get("except", ()):
        named = [c for c in n.named_children if c.type != "comment"]
        if named and named[0].type == "block":
            bare.append(n.start_point[0] + 1)
    unreachable = []
    for n in caps.get("term", ()):
        nxt = n.next_named_sibling
        while nxt is not None and nxt.type == "comment":
            nxt = nxt.next_named_sibling
        if nxt is not None:
            unreachable.append((nxt.start_point[0] + 1, n.type.replace("_statement", "")))
    comment_lines = {n.start_point[0] for n in caps.get("comment", ())}
    return {"lloc": len(caps.get("stmt", ())), "comment_lines": len(comment_lines),
            "bare_excepts": sorted(set(bare)), "unreachable": sorted(set(unreachable))}

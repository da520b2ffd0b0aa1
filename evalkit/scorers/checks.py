"""Rubric checks over the code index: the evidence behind feature_completeness (features.py).

A check is a dict from a rubric's ``evidence`` / ``absent`` list; ``run_check`` returns a Verdict
(matched, evidence lines, note). Each kind is one handler in ``HANDLERS``; ``any``/``all``/
``within``/``under`` combine other checks (``COMBINATORS``).

Checks run over the tree-sitter index of the main code block (``evalkit.treesitter.index``):

===========  ==========================================================================
kind         matches when
===========  ==========================================================================
ident        an identifier matches ``pattern``
string       a string literal's value matches ``pattern``
token        an identifier or a string literal matches ``pattern``
number       a numeric literal equals ``value``
call         a call's callee text matches ``pattern`` (and, with ``text``, the whole call text)
aug          an augmented assignment (``+=``, ``-=``, ``x = x - 1``, ``x--``) to a target
             matching ``target`` with operator ``op`` (optional)
assign       an assignment whose left side matches ``lhs`` and right side ``rhs``
             (aug and assign with ``read: true``: only writes of a name the running program
             reads somewhere else; a counter or timer nothing consults implements nothing)
arith        ``a + b`` / ``a - b`` / ``a += b`` where one operand matches ``left`` and the
             other ``right`` (``taint: true``: also variables assigned from a ``right`` match,
             ``taint: 2`` two assignments deep, ``factor_not_whole``: not from a product whose
             factors all work out to whole numbers;
             ``same_number``: also variables holding the same literal number as a ``right`` name;
             ``unless_from``: variables assigned from a match of it, or its number, do not count)
branch       an if/elif/while whose condition matches every regex in ``cond`` and whose body
             matches ``body`` (or, with ``body_not``, does not match it)
unguarded    branches matching ``cond``/``body`` exist and none is guarded by ``guard`` (in its
             own condition, an enclosing condition, a nested if, or a function its condition
             calls)
str_as_dict  a name matching ``target`` is assigned a string but used like a dict (``.get(``), or a
             table of strings read as dicts (``T[k].get(``, ``T[k]["key"]``)
line         a source line matches ``pattern`` (escape hatch for shapes the index lacks)
off_lattice  a food/item coordinate drawn by ``randrange`` with a step that is not a multiple of the
             cell size, or by ``randint`` over pixels with nothing rounding it (checkgates.py)
within       ``{within: <name regex>, check: {...}}``: the inner check's hits that sit inside a
             function or class whose name matches (``class SkinItem: def apply(...)``);
             ``not_within``: the hits outside any such function or class
under        ``{under: <cond regex>, check: {...}}``: the inner check's hits that sit in the body of
             an if/elif/while whose condition (one step of data flow included) matches, or in a
             function such a branch calls (`shield -= 1` run when a collision happens, not every tick)
not_under    ``{not_under: <cond regex>, check: {...}}``: the inner check's hits that do not run only under
             an un-negated test matching it (a game-over screen's score), nor in a function only such
             branches call (checkgates.py)
===========  ==========================================================================
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from .. import treesitter
from ..deadflags import dead_flags, live_text, mask, never_true
from ..errors import EvalkitError
from ..regexfold import lowered as _lowered
from .checkgates import off_lattice, same_number, ungated
from .claim_values import whole_product
from .runfacts import crash, failing_lines, unread


class Verdict(NamedTuple):
    ok: bool
    lines: list[int]
    note: str


# right-hand sides that make a variable a string: a literal, or a random pick from a list of names
_STRINGY = re.compile(r"""\s*(?:[rbuf]*["'].*["']|random\.choice\(\s*\[\s*["'].*\]\s*\)"""
                      r"""|random\.choice\(\s*[A-Z_]*(?:NAMES|TYPES|KINDS)\s*\)"""
                      r"""|.*\[\s*["'](?:name|kind|type|id|label)["']\s*\])\s*""", re.S)


# a dict literal whose values are all strings: {"speed": "yellow", "skin": "magenta"}
_STR_TABLE = re.compile(r"""\s*\{\s*(?:[^:{}\[\]]+:\s*[rbuf]*(?:"[^"]*"|'[^']*')\s*,?\s*)+\}\s*""", re.S)


@functools.lru_cache(maxsize=2048)
def _rx(pattern: str) -> re.Pattern:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise EvalkitError(f"rubric regex {pattern!r} is invalid ({exc}); fix it in rubrics/") from exc


def _tuple_items(text: str) -> list[str]:
    """`a, b` / `(a, b)` -> ["a", "b"] (top-level commas only); anything else -> [text]."""
    t = text.strip()
    if t.startswith("(") and t.endswith(")"):
        t = t[1:-1]
    if "," not in t:
        t = t.strip()
        return [t] if t else []
    out, depth, cur = [], 0, []
    for piece in t.split(","):
        # the comma after this piece splits only at bracket depth 0 (brackets inside strings count too)
        cur.append(piece)
        depth += sum(map(piece.count, "([{")) - sum(map(piece.count, ")]}"))
        if depth == 0:
            out.append(",".join(cur).strip())
            cur = []
    if cur:
        out.append(",".join(cur).strip())
    return [o for o in out if o]


def _tuple_assigns(idx: treesitter.CodeIndex) -> list[tuple[list[str], list[str]]]:
    """(left items, right items) of the index's tuple assignments (`x, y = 0, 1`), memoised on it."""
    memo = idx.__dict__.get("_tuple_assigns")
    if memo is None:
        memo = []
        for lt, rt, _ in idx.assigns:
            ls = _tuple_items(lt)
            if len(ls) > 1:
                rs = _tuple_items(rt)
                if len(ls) == len(rs):
                    memo.append((ls, rs))
        idx.__dict__["_tuple_assigns"] = memo
    return memo


_VOCAB_REF = re.compile(r"\$([A-Za-z_]\w*)")


def _expand(pattern, vocab: dict) -> str:
    """``$name`` -> the rubric's vocab regex (repeatedly, so vocab entries can nest)."""
    p = str(pattern)
    for _ in range(5):
        if "$" not in p:
            break
        p = _VOCAB_REF.sub(lambda m: _group(vocab.get(m.group(1), m.group(0))), p)
    return p


def _group(v) -> str:
    v = str(v)
    if v.startswith("(?i)"):  # a global flag must become a scoped one once embedded
        return "(?i:" + v[4:] + ")"
    return "(?:" + v + ")"


def _search(pattern: str, text: str) -> bool:
    return _rx(pattern).search(text) is not None


def _guarded(idx: treesitter.CodeIndex, br: treesitter.Branch, guard: str, ends: str | None = None) -> bool:
    dead = dead_flags(idx)  # `if self.shielded:` with shielded never set guards nothing
    if _search(guard, live_text(idx, br, "cond")):
        return True
    if any(_search(guard, mask(c, dead)) for c in treesitter.ancestors_conditions(br.node)):
        return True
    for other in idx.branches:  # a nested `if shield > 0:` inside the collision branch
        if br.line < other.line <= br.end_line and _search(guard, mask(other.cond, dead)) \
                and not (ends and _ends_after(other, ends)):
            return True
    for name, (text, dline) in idx.defs.items():  # `if self.hit_something():` checks the shield inside
        if re.search(r"\b" + re.escape(name) + r"\s*\(", br.cond):
            end = dline + text.count("\n")
            if any(dline <= b.line <= end and _search(guard, mask(b.cond, dead)) for b in idx.branches):
                return True
    return False


_LEAVES = re.compile(r"^\s*(?:return|continue|break|raise)\b", re.M)
_COMPOUND = ("if_statement", "for_statement", "while_statement", "try_statement", "with_statement",
             "match_statement", "function_definition", "class_definition")


def _ends_after(test: treesitter.Branch, ends: str) -> bool:
    """The nested test decides nothing: a statement after its whole ``if`` (same block, not nested
    in another compound statement) ends the round anyway, and the test's own block does not leave
    first (`if shield > 0: shield -= 1` then `game_over()` on the next line)."""
    stmt = test.node
    if stmt is None or getattr(stmt, "type", "") not in ("if_statement", "elif_clause"):
        return False
    if stmt.type == "elif_clause":
        stmt = stmt.parent
    if _LEAVES.search(test.body):
        return False
    nxt = stmt.next_named_sibling
    while nxt is not None:
        if nxt.type not in _COMPOUND and nxt.type != "comment" and _search(ends, nxt.text.decode("utf-8", "replace")):
            return True
        nxt = nxt.next_named_sibling
    return False


# a board's extent or a count (GRID_WIDTH = 30, CELL_NUMBER = 20), not the size of one cell
_COUNTISH = re.compile(r"(?i)(width|height|count|num|cols|rows|_[wh]$)")


def _under(idx: treesitter.CodeIndex, line: int, cond: str) -> bool:
    """``line`` runs only when a branch whose condition matches ``cond`` is taken: it sits in that
    branch's body, or in a function that branch's body calls (one level)."""
    gated = [br for i, br in enumerate(idx.branches) if _hit(idx, "cond", cond, i)]
    if any(br.line < line <= br.end_line for br in gated):
        return True
    inner = idx.enclosing_defs(line)
    if not inner:
        return False
    call = re.compile(r"(?<![\w$])" + re.escape(inner[-1]) + r"\s*\(")
    return any(call.search(br.body) for br in gated)


def _arg(check: dict, vocab: dict, key: str, default=".") -> str:
    return _expand(check.get(key, default), vocab)


# --- one handler per check kind: (check, index, vocab) -> evidence lines ------------------------


def _names(check: dict, idx: treesitter.CodeIndex, vocab: dict) -> list[int]:
    """ident / string / token: an identifier and/or a string literal matches ``pattern``."""
    kind = check.get("kind")
    rx = _rx(_arg(check, vocab, "pattern"))
    pools = []
    if kind in ("ident", "token"):
        pools.append(idx.ident_lines)
    if kind in ("string", "token"):
        pools.append(idx.string_lines)
    return [ln for pool in pools for v, lns in pool.items() if rx.search(v) for ln in lns]


def _number(check: dict, idx: treesitter.CodeIndex, vocab: dict) -> list[int]:
    want = float(check["value"])
    return [ln for v, ln in idx.numbers if abs(v - want) < 1e-9]


def _call(check: dict, idx: treesitter.CodeIndex, vocab: dict) -> list[int]:
    pat = _arg(check, vocab, "pattern")
    hits = [ln for fn, _t, ln in idx.calls if _search(pat, fn)]
    if "text" in check:  # the whole call (callee and arguments) must match too
        tp = _arg(check, vocab, "text")
        hits = [ln for fn, t, ln in idx.calls if _search(pat, fn) and _search(tp, t)]
    return hits


def _aug(check: dict, idx: treesitter.CodeIndex, vocab: dict) -> list[int]:
    pat, op = _arg(check, vocab, "target"), check.get("op")
    hits = [(t, ln) for t, o, _v, ln in idx.augs if _search(pat, t) and (op is None or o == op)]
    return [ln for t, ln in hits if not (check.get("read") and unread(idx, t))]


def _assign(check: dict, idx: treesitter.CodeIndex, vocab: dict) -> list[int]:
    lp, rp = _arg(check, vocab, "lhs"), _arg(check, vocab, "rhs")
    hits = [(lt, ln) for lt, rt, ln in idx.assigns if _search(lp, lt) and _search(rp, rt)]
    return [ln for lt, ln in hits if not (check.get("read") and unread(idx, lt))]


_NAME = re.compile(r"[\w.]+")


class _Row(NamedTuple):
    """One assignment with what the arith checks ask of it, worked out once per index."""
    lt: str
    rt: str
    name: str | None        # the stripped left side when it is a plain (dotted) name
    collection: bool        # the right side is a dict/list literal
    number: float | None    # same_number(rt)
    countish: bool          # _COUNTISH matches the left side


def _rows(idx: treesitter.CodeIndex) -> list[_Row]:
    memo = idx.__dict__.get("_assign_rows")
    if memo is None:
        memo = [_Row(lt, rt, lt.strip() if _NAME.fullmatch(lt.strip()) else None,
                     rt.lstrip().startswith(("{", "[", "dict(")), same_number(rt), bool(_COUNTISH.search(lt)))
                for lt, rt, _ in idx.assigns]
        idx.__dict__["_assign_rows"] = memo
    return memo


def _tainted(check: dict, idx: treesitter.CodeIndex, rp: str) -> set[str]:
    """Names that hold a ``right`` match one assignment away (``taint``/``same_number`` of arith)."""
    rows = _rows(idx)
    if not rows:
        return set()
    right = _rx(rp).search
    # one level of data flow: `step = int(self.speed * m)` makes `step` match too
    # (not through dict/list literals: a config table mentioning "speed" is not a speed)
    names = {r.name for r in rows if not r.collection and right(r.rt) and r.name is not None
             and not (check.get("factor_not_whole") and whole_product(idx, r.rt))}
    # tuple assignments pair up: `x_change, y_change = BLOCK, 0` taints x_change
    for ls, rs in _tuple_assigns(idx):
        names |= {a for a, b in zip(ls, rs) if _NAME.fullmatch(a) and right(b)}
    if check.get("taint") == 2 and names:  # two levels: `step = CELL * mult` ... `dx = step if dx > 0 else -step`
        word = re.compile(r"(?<![\w.])(?:" + "|".join(map(re.escape, sorted(names))) + r")(?!\w)")
        names |= {r.name for r in rows if not r.collection and r.name is not None and word.search(r.rt)}
    if check.get("same_number"):
        # `seg_size = (16, 16)` ... `snake_speed = 16`: a name holding the same number as a match
        values = {r.number for r in rows if right(r.lt) and not r.countish and r.number}
        names |= {r.name for r in rows if r.name is not None and r.number in values}
    return names


def _cell_names(idx: treesitter.CodeIndex, up: str) -> set[str]:
    """Names assigned from an ``unless_from`` match, or holding its number (arith)."""
    rows = _rows(idx)
    if not rows:
        return set()
    match = _rx(up).search
    # `SPEED = BLOCK`: a "speed" that is assigned a cell size is a cell step, not a speed
    cells = {r.name for r in rows if r.name is not None and match(r.rt)}
    # `snake_size = (10, 10)` ... `snake_speed = 10  # pixels per move`: the same number as the cell size
    sizes = {r.number for r in rows if match(r.lt) and not r.countish and r.number is not None and r.number > 0}
    cells |= {r.name for r in rows if r.name is not None and r.number in sizes}
    return cells


def _arith(check: dict, idx: treesitter.CodeIndex, vocab: dict) -> list[int]:
    lp, rp = _arg(check, vocab, "left"), _arg(check, vocab, "right")
    if check.get("taint"):
        names = _tainted(check, idx, rp)
        if names:
            rp = f"(?:{rp})|(?<![\\w.])(?:{'|'.join(map(re.escape, sorted(names)))})(?!\\w)"
    pairs = [(a, b, ln) for op, a, b, ln in idx.binops if op in ("+", "-")]
    pairs += [(t, v, ln) for t, o, v, ln in idx.augs if o in ("+=", "-=")]
    if check.get("unless_from"):
        cells = _cell_names(idx, _arg(check, vocab, "unless_from"))
        if cells:
            strip = re.compile(r"(?<![\w.])(?:" + "|".join(map(re.escape, sorted(cells))) + r")(?!\w)")
            pairs = [(strip.sub("_", a), strip.sub("_", b), ln) for a, b, ln in pairs]
    if not pairs:
        return []
    left, right = _rx(lp).search, _rx(rp).search
    return [ln for a, b, ln in pairs if (left(a) and right(b)) or (left(b) and right(a))]


def _hit_vec(idx: treesitter.CodeIndex, which: str, pattern: str) -> list:
    """Per branch: does ``pattern`` match its flow_cond / flow_body (None: not asked yet)? Memoised
    on the index: many checks of a rubric test the same vocab regex against the same branches."""
    memo = idx.__dict__.setdefault("_branch_hits", {})
    vec = memo.get((which, pattern))
    if vec is None:
        vec = memo[(which, pattern)] = [None] * len(idx.branches)
    return vec


def _fill(idx: treesitter.CodeIndex, which: str, pattern: str, vec: list, i: int) -> bool:
    br = idx.branches[i]
    rx, low = _rx(pattern), _lowered(pattern)
    key = "_low_" + which  # the lower-cased text (None when it is not ASCII), once per branch
    text = live_text(idx, br, which)
    if key not in br.__dict__:
        br.__dict__[key] = text.lower() if text.isascii() else None
    if low is not None and br.__dict__[key] is not None:
        v = low.search(br.__dict__[key]) is not None
    else:
        v = rx.search(text) is not None
    vec[i] = v
    return v


def _hit(idx: treesitter.CodeIndex, which: str, pattern: str, i: int) -> bool:
    vec = _hit_vec(idx, which, pattern)
    v = vec[i]
    return _fill(idx, which, pattern, vec, i) if v is None else v


def _matching_branches(check: dict, idx: treesitter.CodeIndex, vocab: dict):
    """(branches matching ``cond`` and ``body``/``body_not``, the conds, the lines the flow went through)."""
    conds = check.get("cond", ".")
    conds = [_expand(c, vocab) for c in (conds if isinstance(conds, list) else [conds])]
    body, body_not = _arg(check, vocab, "body"), check.get("body_not")
    matched, flow_lines = [], []
    cvecs = [(c, _hit_vec(idx, "cond", c)) for c in conds]
    bpat = body if body_not is None else _expand(body_not, vocab)
    bvec = _hit_vec(idx, "body", bpat)
    dead = dead_flags(idx)
    for i, br in enumerate(idx.branches):
        # flow_cond/flow_body: the branch plus what one step of data flow adds (evalkit/flow.py)
        if dead and never_true(br.cond, dead):
            continue  # a branch that needs a flag nothing sets never runs
        ok = True
        for c, vec in cvecs:
            v = vec[i]
            if not (_fill(idx, "cond", c, vec, i) if v is None else v):
                ok = False
                break
        if not ok:
            continue
        v = bvec[i]
        body_hit = _fill(idx, "body", bpat, bvec, i) if v is None else v
        if body_not is not None:
            # "a branch that does not do X" is about an if/elif that tests something, not the
            # `else:` of a dispatch (`if kind == "speed": ... else: rainbow_until = ...`) nor a loop
            # (`while food in body or food == powerup.pos:` re-rolls a spawn, it picks nothing up; so does
            # `if any(p.pos == pos for p in items): continue` in a loop looking for a free cell)
            if body_hit or getattr(br.node, "type", "") in ("else_clause", "while_statement") \
                    or _LOOP_CONTROL_ONLY.fullmatch(br.body):
                continue
        elif not body_hit:
            continue
        matched.append(br)
        # evidence also cites the lines the flow went through (the flag's assignment, the helper)
        flow_lines += [ln for t, ln, _w in br.cond_parts if any(c != "." and _search(c, t) for c in conds)]
        if body_not is None and body != "." and not _search(body, br.body):
            flow_lines += [ln for t, ln, _w in br.body_parts if _search(body, t)]
    return matched, flow_lines


_LOOP_CONTROL_ONLY = re.compile(r"\s*(?:continue|break)\s*;?\s*")


def _branch(check: dict, idx: treesitter.CodeIndex, vocab: dict) -> list[int] | Verdict:
    matched, flow_lines = _matching_branches(check, idx, vocab)
    crashing = {id(br): crash(idx, br) for br in matched}
    tested = [br for br in matched if getattr(br.node, "type", "") != "else_clause"]
    if tested and all(crashing[id(br)] for br in tested):
        # every branch that would do it runs into a name the program never defines (the
        # `else:` of a crashing branch does not rescue it: it is the case that did not happen)
        why = crashing[id(tested[0])]
        return Verdict(False, [tested[0].line, why[0]], ("hangs: " if "freezes" in why[1] else "crashes: ") + why[1])
    live = [br for br in matched if not crashing[id(br)]]
    return [br.line for br in live] + (flow_lines if live == matched else [])


def _unguarded(check: dict, idx: treesitter.CodeIndex, vocab: dict) -> list[int]:
    matched, _flow_lines = _matching_branches(check, idx, vocab)
    guard = _arg(check, vocab, "guard")
    ends = _arg(check, vocab, "body") if check.get("body") else None
    if check.get("each_kind"):  # walls guarded, the snake's own body not (or the other way round)
        return _unguarded_kind(idx, matched, guard, ends)
    if matched and not any(_guarded(idx, br, guard, ends) for br in matched):
        return [br.line for br in matched]
    return []


# what a collision branch's own condition tests (its text, not data flow): a bound, or the body
_WALL_TEST = re.compile(r"(?i)<\s*0\b|>=?\s*[\w.]*(width|height|cols|rows|\b[WH]\b)|not\s*\(?\s*0\s*<=|"
                        r"out_of_bounds|\bwall")
_BODY_TEST = re.compile(r"(?i)(?<!not )\bin\s+(list\()?[\w.]*(body|snake|segments|tail)|collidelist|\.count\(")


def _unguarded_kind(idx: treesitter.CodeIndex, matched: list, guard: str, ends: str | None) -> list[int]:
    """Ending branches of one kind (wall, body) none of which is guarded, while a branch of the
    other kind is: a shield that covers only some collisions."""
    kinds: dict[str, list[tuple[int, bool]]] = {}  # kind -> (line, guarded) of its branches
    for br in matched:
        if getattr(br.node, "type", "") not in ("if_statement", "elif_clause"):
            continue
        found = [kind for kind, rx in (("wall", _WALL_TEST), ("body", _BODY_TEST)) if rx.search(br.cond)]
        if found:
            guarded = _guarded(idx, br, guard, ends)
            for kind in found:
                kinds.setdefault(kind, []).append((br.line, guarded))
    covered = {k for k, brs in kinds.items() if any(g for _ln, g in brs)}
    if not covered:
        return []
    return [ln for k, brs in kinds.items() if k not in covered for ln, _g in brs]


def _str_as_dict(check: dict, idx: treesitter.CodeIndex, vocab: dict) -> list[int]:
    pat = _arg(check, vocab, "target")
    if not idx.assigns:
        return []
    search = _rx(pat).search
    named = [search(lt) is not None for lt, _rt, _ln in idx.assigns]
    stringy = {lt: ln for (lt, rt, ln), m in zip(idx.assigns, named) if m and _STRINGY.fullmatch(rt)}
    dict_like = {lt: ln for lt, rt, ln in idx.assigns if lt in stringy and rt.lstrip().startswith(("{", "dict("))}
    for name, ln in stringy.items():
        if name in dict_like:
            continue  # also assigned a dict somewhere: not provably a string
        uses = [cl for fn, _t, cl in idx.calls if fn == name + ".get"]
        if uses:
            return [ln, *uses]
    # a table of strings read as a table of dicts: ITEM_TYPES = {"speed": "yellow"}; ITEM_TYPES[k].get(
    for (lt, rt, ln), m in zip(idx.assigns, named):
        if not (m and _STR_TABLE.fullmatch(rt)):
            continue
        uses = [cl for fn, _t, cl in idx.calls if re.fullmatch(re.escape(lt.strip()) + r"\[[^\]]+\]\.get", fn)]
        # ... or indexed with a key: ITEMS["bomb"]["cost"] (string indices must be integers)
        uses += sorted(idx.lines_matching(r"(?<![\w.])" + re.escape(lt.strip()) + r"\[[^\]]+\]\s*\[\s*[rbuf]*[\"']"))
        if uses:
            return [ln, *uses]
    return []


def _line_check(check: dict, idx: treesitter.CodeIndex, vocab: dict) -> list[int]:
    pat = _arg(check, vocab, "pattern")
    _rx(pat)  # validates the regex (a rubric error is the user's to fix)
    return sorted(idx.lines_matching(pat))


# the registry: a new check kind is one handler here (and a row in the table above)
HANDLERS = {
    "ident": _names, "string": _names, "token": _names, "number": _number, "call": _call, "aug": _aug,
    "assign": _assign, "arith": _arith, "branch": _branch, "unguarded": _unguarded,
    "str_as_dict": _str_as_dict, "line": _line_check, "off_lattice": off_lattice,
}
CHECK_KINDS = tuple(HANDLERS)
_NAME_KINDS = ("ident", "string", "token", "number")  # literal presence: no code runs, nothing can crash


# --- checks that combine other checks ------------------------------------------------------------


def _any(check: dict, idx: treesitter.CodeIndex, vocab: dict) -> Verdict:
    crash = Verdict(False, [], "")
    for sub in check["any"]:
        ok, lines, note = run_check(sub, idx, vocab)
        if ok:
            return Verdict(ok, lines, note)
        if note.startswith(("crashes", "hangs")) and not crash[2]:
            crash = Verdict(False, lines, note)
    return crash


def _within(check: dict, idx: treesitter.CodeIndex, vocab: dict) -> Verdict:
    """The inner check's hits inside (or outside) a function/class whose name matches."""
    _ok, lines, note = run_check(check["check"], idx, vocab)
    if "within" in check:
        want = _expand(check["within"], vocab)
        lines = [ln for ln in lines if any(_search(want, n) for n in idx.enclosing_defs(ln))]
    if "not_within" in check:
        avoid = _expand(check["not_within"], vocab)
        lines = [ln for ln in lines if not any(_search(avoid, n) for n in idx.enclosing_defs(ln))]
    return Verdict(bool(lines), lines, note if lines else "")


def _under_check(check: dict, idx: treesitter.CodeIndex, vocab: dict) -> Verdict:
    _ok, lines, note = run_check(check["check"], idx, vocab)
    want = _expand(check["under"], vocab)
    lines = [ln for ln in lines if _under(idx, ln, want)]
    return Verdict(bool(lines), lines, note if lines else "")


def _not_under_check(check: dict, idx: treesitter.CodeIndex, vocab: dict) -> Verdict:
    _ok, lines, note = run_check(check["check"], idx, vocab)
    lines = ungated(idx, lines, _rx(_expand(check["not_under"], vocab)))
    return Verdict(bool(lines), lines, note if lines else "")


def _all(check: dict, idx: treesitter.CodeIndex, vocab: dict) -> Verdict:
    acc = []
    for sub in check["all"]:
        ok, lines, _ = run_check(sub, idx, vocab)
        if not ok:
            return Verdict(False, [], "")
        acc += lines
    return Verdict(True, acc, "")


# first key present wins (a check is one of these or a plain `kind:` check)
COMBINATORS = (("any", _any), ("within", _within), ("not_within", _within), ("under", _under_check),
               ("not_under", _not_under_check), ("all", _all))


def run_check(check: dict, idx: treesitter.CodeIndex, vocab: dict) -> Verdict:
    """(matched, evidence lines, note)."""
    for key, combine in COMBINATORS:
        if key in check:
            return combine(check, idx, vocab)
    kind = check.get("kind")
    handler = HANDLERS.get(kind)
    if handler is None:
        raise EvalkitError(f"rubric check {check!r} has unknown kind {kind!r}; use one of {', '.join(CHECK_KINDS)}")
    hits = handler(check, idx, vocab)
    if isinstance(hits, Verdict):
        return hits
    return _live(hits, idx, kind)


def _live(hits: list[int], idx: treesitter.CodeIndex, kind: str) -> Verdict:
    """The verdict on a check's hits: code that crashes when it runs, or that nothing calls, does nothing."""
    failing = failing_lines(idx) if hits and kind not in _NAME_KINDS else {}
    if failing and all(ln in failing for ln in hits):
        # every line that would do it raises when it runs (`fps = FPS * m` with no FPS)
        what, why = failing[hits[0]]
        return Verdict(False, sorted(set(hits)), f"crashes: line {hits[0]} {what}, {why}")
    if idx.unused and hits:  # code the program never calls implements nothing
        live = [ln for ln in hits if idx.in_unused(ln) is None]
        if not live:
            names = sorted({idx.in_unused(ln) for ln in hits})
            return Verdict(False, [], f"only in {', '.join(n + '()' for n in names)}, which the program never calls")
        hits = live
    return Verdict(bool(hits), hits, "")

"""Expression text for the data flow (flow.py): calls and their arguments, the collection behind an
expression, what the code puts into each collection, and membership tests.

All of it reads source text (what tree-sitter gives as a node's text), not trees: a membership
test is found in ``head in body[1:]`` as well as in ``any(s == head for s in body)`` once the
loop variables around it are known.
"""

from __future__ import annotations

import re

_BODY_NAME = re.compile(r"(?i)(body|snake|segment|tail|position|coord|part|block|trail|cell|piece|pos_list|list)")


def split_args(s: str) -> list[str]:
    """Top-level comma-separated parts of ``s`` (unstripped; a blank last part is dropped)."""
    pieces = s.split(",")
    out, depth, cur = [], 0, []
    for piece in pieces[:-1]:
        # the comma after this piece splits only at bracket depth 0 (brackets inside strings count too)
        cur.append(piece)
        depth += sum(map(piece.count, "([{")) - sum(map(piece.count, ")]}"))
        if depth == 0:
            out.append(",".join(cur))
            cur = []
    cur.append(pieces[-1])
    last = ",".join(cur)
    if last.strip():
        out.append(last)
    return out


_CALL = re.compile(r"(?<![\w])((?:[A-Za-z_$][\w$]*\.)*)([A-Za-z_$][\w$]*)\s*\(")
_PAREN = re.compile(r"[()]")


def calls(text: str):
    """(name, argument texts) of every call in ``text`` (arguments split at top-level commas)."""
    if "(" not in text:
        return
    for m in _CALL.finditer(text):
        depth, i = 1, len(text)  # an unclosed call runs to the end of the text
        for p in _PAREN.finditer(text, m.end()):
            depth += 1 if p.group() == "(" else -1
            if not depth:
                i = p.end()
                break
        yield m.group(2), split_args(text[m.end():i - 1])


_UNWRAP = re.compile(r"^(?:list|tuple|set|frozenset|reversed|iter|enumerate)\((.*)\)$")
_SLICE_END = re.compile(r"(\[[^\[\]]*:[^\[\]]*\]|\.slice\([^()]*\)|\.copy\(\)|\[\s*\])$")


def collection_base(c: str) -> str:
    """The collection behind ``list(self.body)[1:]`` / ``snake.slice(1)`` / ``body[:-1]``."""
    c = c.strip().rstrip(";").strip()
    for _ in range(3):
        c = _UNWRAP.sub(r"\1", c).strip()
        c = _SLICE_END.sub("", c).strip()
    return c


_NORM_UNWRAP = re.compile(r"^(?:list|tuple|Vector2|pygame\.Vector2|pygame\.math\.Vector2|Point|copy\.copy)\((.*)\)$")
_NORM_END = re.compile(r"(\.copy\(\)|\[:\])$")
_SPACE = re.compile(r"\s+")


def _norm(a: str) -> str:
    a = a.strip().rstrip(";").strip()
    for _ in range(2):
        a = _NORM_UNWRAP.sub(r"\1", a).strip()
        a = _NORM_END.sub("", a)
        while a.startswith("(") and a.endswith(")") and a.count("(") == 1:
            a = a[1:-1].strip()
    return _SPACE.sub("", a)


_COLL_OP = re.compile(r"(.+)\.(insert|appendleft|unshift|append|push|add|pop|popleft|shift)")
_DEL_FIRST = re.compile(r"del\s+([\w.]+)\[0\]")
_PREPEND = re.compile(r"\s*\[\s*([^\[\],]+|\([^()]*\)|\[[^\[\]]*\])\s*(\]\s*\+\s*|,\s*\*|,\s*\.\.\.)(.+)", re.S)
_PLAIN_NAME = re.compile(r"[\w.]+")


class Collections:
    """What the code adds to each collection, and which ones grow at one end (a snake's body).
    Worked out on the first ``newest`` question (most programs' branches ask none)."""

    def __init__(self, idx, lines: list[str] | None = None):
        self._idx, self._lines = idx, idx.lines if lines is None else lines
        self._built = False

    def _build(self) -> None:
        idx = self._idx
        self._built = True
        self.inserted: dict[str, set[str]] = {}
        self.queues: set[str] = set()
        pops: set[str] = set()
        for callee, full, _ln in idx.calls:
            m = _COLL_OP.fullmatch(callee) if "." in callee else None
            if not m:
                continue
            coll, op = collection_base(m.group(1)), m.group(2)
            args = split_args(full[len(callee):].strip()[1:-1]) if full.endswith(")") else []
            if op == "insert" and len(args) == 2 and args[0].strip() == "0":
                self.inserted.setdefault(coll, set()).add(_norm(args[1]))
                self.queues.add(coll)
            elif op in ("appendleft", "unshift") and args:
                self.inserted.setdefault(coll, set()).add(_norm(args[0]))
                self.queues.add(coll)
            elif op in ("append", "push", "add") and args:  # `occupied.add(new_head)`: a set of the body's cells
                self.inserted.setdefault(coll, set()).add(_norm(args[0]))
            elif op in ("popleft", "shift") or (op == "pop" and args and args[0].strip() == "0"):
                pops.add(coll)
        for coll in list(self.inserted):
            if coll in pops:
                self.queues.add(coll)
        for ln_text in self._lines:
            m = _DEL_FIRST.search(ln_text) if "del" in ln_text else None
            if m and m.group(1) in self.inserted:
                self.queues.add(m.group(1))
        for lt, rt, _ln in idx.assigns:  # body = [new_head] + body[:-1]  /  [head, ...body]
            m = _PREPEND.fullmatch(rt) if "[" in rt else None
            # (only the spread form ends with the list's own `]`; `body[:-1]` keeps its slice for collection_base)
            rest = m.group(3).strip() if m else ""
            if m and not m.group(2).startswith("]"):
                rest = rest[:-1].strip() if rest.endswith("]") else rest
            if m and collection_base(rest) == lt.strip():
                self.inserted.setdefault(lt.strip(), set()).add(_norm(m.group(1)))
                self.queues.add(lt.strip())
        self._alias_src: dict[str, str] = {}  # name -> its first value, for `head = self.body[0]`
        for lt, rt, _ln in idx.assigns:
            if _PLAIN_NAME.fullmatch(lt.strip()):
                self._alias_src.setdefault(lt.strip(), rt)
        self._aliases: dict[str, str] = {}

    def alias(self, name: str) -> str:
        """The (normalised) value ``name`` is first assigned, or ""."""
        if name not in self._aliases:
            src = self._alias_src.get(name)
            self._aliases[name] = "" if src is None else _norm(src)
        return self._aliases[name]

    def newest(self, a: str, coll: str) -> bool:
        """``a`` is the element the code last put into ``coll`` (its head)."""
        if not self._built:
            self._build()
        a, base = _norm(a), collection_base(coll)
        alias = self.alias(a)
        for cand in (a, alias):
            if not cand:
                continue
            if cand in (base + "[0]", base + "[-1]", base + "[len(" + base + ")-1]", base + ".head"):
                return True
            if cand in self.inserted.get(base, ()):
                return True
        bodyish = base in self.queues or base in self.inserted or _BODY_NAME.search(base.split(".")[-1] or "")
        headish = any(re.search(r"(?i)head", c) and "food" not in c.lower() for c in (a, alias))
        return bool(bodyish) and headish


# names a value comes from (flow.py follows them from a branch's condition)
PART_CAP = 800  # the cap on a data-flow part's text (flow.py)
_DOTTED_NAME = re.compile(r"[\w.$]+")
_UNPACK_LHS = re.compile(r"\s*[\(\[]?\s*[\w.$]+(\s*,\s*[\w.$]+)+\s*[\)\]]?\s*")
_UNPACK_RHS = re.compile(r"\s*[\w.$]+(\[[^\[\]]+\])*\s*")
_WORDS = re.compile(r"[\w.$]+")
_LOOKUP = re.compile(r"\.(pop|get)\(\s*[\w.$]*(head|pos|cell)\w*|\[\s*[\w.$]*(head|pos|cell)\w*\s*\]\s*$")


def unpacked(idx) -> dict[str, list[tuple[str, int]]]:
    """`kind, pos = item`: pos comes from item."""
    out: dict[str, list[tuple[str, int]]] = {}
    for lt, rt, ln in idx.assigns:
        if "," in lt and _UNPACK_LHS.fullmatch(lt) and _UNPACK_RHS.fullmatch(rt):
            for name in _WORDS.findall(lt):
                out.setdefault(name, []).append((rt.strip(), ln))
    return out


def looked_up(idx) -> dict[str, list[tuple[str, int]]]:
    """`kind = items.pop(head, None)`: kind is what sits at head."""
    out: dict[str, list[tuple[str, int]]] = {}
    for lt, rt, ln in idx.assigns:
        if ("head" in rt or "pos" in rt or "cell" in rt) and _DOTTED_NAME.fullmatch(lt.strip()) and _LOOKUP.search(rt):
            out.setdefault(lt.strip(), []).append((rt.strip()[:PART_CAP], ln))
    return out


_MEMBER = re.compile(r"((?:\([^()]*\)|\[[^\[\]]*\]|[\w.$]+(?:\(\))?)(?:\[[^\[\]]*\])*)\s+in\s+"
                     r"((?:list\()?[\w.$]+(?:\[[^\[\]]*\]|\([^()]*\))*\)?)")
_COUNT = re.compile(r"([\w.$]+(?:\[[^\[\]]*\])?)\.(count|includes|contains|__contains__|indexOf)\(\s*([^()]+?)\s*\)")
_DISTANCE = re.compile(r"(?:([\w.$\[\]]+)\.distance(?:_to)?\(\s*([^()]+?)\s*\)|(?:math\.)?dist\(\s*([^(),]+?)\s*,\s*([^()]+?)\s*\))\s*<")
_SPRITECOLLIDE = re.compile(r"spritecollide(?:any)?\(\s*([\w.$\[\]]+)\s*,\s*([\w.$\[\]:]+)")
_COLLIDELIST = re.compile(r"([\w.$]+)\.collidelist(?:all)?\(\s*([^()]+?)\s*\)")
_DUPLICATES = re.compile(r"len\(\s*set\(\s*([^()]+?)\s*\)\s*\)\s*(?:!=|<)\s*len\(\s*([^()]+?)\s*\)")
_COMPREHENSION = re.compile(r"\bfor\s+\(?\s*(?:\w+\s*,\s*)?(\w+)\s*\)?\s+in\s+((?:list\()?[\w.$]+(?:\[[^\[\]]*\])?\)?)")
JS_ITER = re.compile(r"([\w.$]+(?:\.slice\([^()]*\))?)\.(?:some|find|findIndex|filter|every|forEach)\(\s*"
                      r"(?:function\s*)?\(?\s*(\w+)")
_CMP = re.compile(r"(.+?)\s*(?:===?|\bis\b(?!\s+not))\s*(.+)")
_COLLIDE = re.compile(r"([\w.$\[\]]+)\.(?:colliderect|collidepoint|equals|collides?_?with)\(\s*([^()]+?)\s*\)")


_ATOM_SPLIT = re.compile(r"\band\b|\bor\b|&&|\|\||\n|;")
_NOT = re.compile(r"^(?:not\s+|!\s*)")
_KEYWORD = re.compile(r"^(?:if|elif|while|return)\b\s*")


def _atoms(text: str) -> list[str]:
    out = []
    for a in _ATOM_SPLIT.split(text):
        a = a.strip()
        a = _NOT.sub("", a).strip()
        while a.startswith("(") and a.endswith(")"):
            a = a[1:-1].strip()
        a = _KEYWORD.sub("", a)
        if a:
            out.append(a)
    return out


_CALL_PREFIX = re.compile(r"^(?:[\w.]*\(\s*)+")


def _refers(side: str, var: str, coll: str) -> str | None:
    """The component suffix when ``side`` is the loop variable (``seg``, ``seg[0]``, ``body[i].x``)."""
    side = side.strip().rstrip(")").strip() if side.count(")") > side.count("(") else side.strip()
    if side.count("(") > side.count(")"):  # `any(seg` from `any(seg == head for seg in body)`
        side = _CALL_PREFIX.sub("", side).strip()
    # (both shapes start with a literal text: a side that lacks it cannot match)
    if side.startswith(var):
        m = re.fullmatch(re.escape(var) + r"((?:\[\d\]|\.[xy]|\.pos|\.position|\.rect)*)", side)
        if m:
            return m.group(1)
    if "[" not in side or var not in side:
        return None
    b = re.escape(collection_base(coll))
    m = re.fullmatch(b + r"\[\s*" + re.escape(var) + r"\s*\]((?:\[\d\]|\.[xy]|\.pos|\.position)*)", side)
    return m.group(1) if m else None


_IN_WORD = re.compile(r"\sin\s")
_NOT_BEFORE = re.compile(r"\bnot\s*$")
_FOR_BEFORE = re.compile(r"\bfor\s+[\w\s,()]*$")
_FOR_SPLIT = re.compile(r"\s+for\s+")
# literal texts each pattern needs: a text without them skips the pattern (most conditions)
_COUNT_WORDS = (".count(", ".includes(", ".contains(", ".__contains__(", ".indexOf(")
_JS_ITER_WORDS = (".some(", ".find(", ".findIndex(", ".filter(", ".every(", ".forEach(")


def memberships(text: str, bindings: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(element, collection, how) membership tests in ``text``, given loop variable bindings
    (``how`` is "in", "count" ... or, for a comparison with a loop variable, that variable)."""
    out = []
    if _IN_WORD.search(text):  # _MEMBER needs `\s+in\s+` (and is slow to fail: it backtracks through every word)
        for m in _MEMBER.finditer(text):
            before = text[:m.start()]
            if _NOT_BEFORE.search(before) or _FOR_BEFORE.search(before):
                continue
            out.append((m.group(1), m.group(2), "in"))
    if any(w in text for w in _COUNT_WORDS):
        for m in _COUNT.finditer(text):
            out.append((m.group(3), m.group(1), m.group(2)))
    comprehension = _COMPREHENSION.findall(text) if "for" in text else []
    if "dist" in text:
        binds_here = list(bindings) + [(v, c) for v, c in comprehension]
        for m in _DISTANCE.finditer(text):  # turtle: segment.distance(head) < 20 inside `for segment in segments`
            a, b = m.group(1) or m.group(3), m.group(2) or m.group(4)
            for var, coll in binds_here:
                for this, other in ((a, b), (b, a)):
                    if _refers(this, var, coll) is not None and _refers(other, var, coll) is None:
                        out.append((other, coll, var))
    if "collidelist" in text:
        for m in _COLLIDELIST.finditer(text):  # head_rect.collidelist(body_rects[1:]) != -1
            out.append((m.group(1), m.group(2), "collidelist"))
    if "spritecollide" in text:
        for m in _SPRITECOLLIDE.finditer(text):  # pygame.sprite.spritecollideany(head, body_group)
            out.append((m.group(1), m.group(2), "collidelist"))
    if "set(" in text:
        for m in _DUPLICATES.finditer(text):  # len(set(body)) != len(body): a segment repeats
            if collection_base(m.group(1)) == collection_base(m.group(2)):
                out.append((collection_base(m.group(1)) + "[0]", m.group(1), "duplicates"))
    binds = list(bindings)
    binds += [(v, c) for v, c in comprehension]
    if any(w in text for w in _JS_ITER_WORDS):
        binds += [(v, c) for c, v in JS_ITER.findall(text)]
    if not binds:
        return out
    for atom in _atoms(text):
        pairs = []
        if "=" in atom or "is" in atom:
            m = _CMP.fullmatch(atom)
            if m:
                pairs.append((m.group(1), m.group(2)))
        if "collide" in atom or "equals" in atom:
            pairs += [(a, b) for a, b in _COLLIDE.findall(atom)]
        for left, right in pairs:
            for var, coll in binds:
                for this, other in ((left, right), (right, left)):
                    comp = _refers(this, var, coll)
                    if comp is None:
                        continue
                    other = _FOR_SPLIT.split(other)[0].strip().rstrip(")").strip() \
                        if other.count(")") > other.count("(") else _FOR_SPLIT.split(other)[0].strip()
                    if comp and other.endswith(comp):
                        other = other[: -len(comp)]
                    if other and not _refers(other, var, coll) and re.search(r"[A-Za-z_]", other):
                        out.append((other, coll, var))
                    break
    return out

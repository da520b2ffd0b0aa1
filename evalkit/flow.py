"""One level of data flow for the code index's branches, so rubric checks follow the code, not the spelling.

A rubric check such as "a branch whose condition is a wall test and whose body ends the round"
reads ``Branch.flow_cond`` / ``Branch.flow_body``: the branch's own text plus *parts* found by
following the code one step (each part keeps the line it came from, so evidence can cite it):

condition parts
  * a flag tested in the condition -> what it was assigned (``hit = head in body`` ... ``if hit:``;
    truth values only), a name unpacked from a value (``kind, pos = item``) or looked up by the
    head (``kind = items.pop(head)``) -> that value
  * a call of a function defined in the code -> its return expressions, the conditions that decide
    what it returns and its local flags, parameters replaced by the call's arguments
  * the loop the branch sits in (``for item in self.items``), and a comparison with a loop
    variable -> a membership test: ``for x in snake_list[:-1]: if x == head:`` gives
    ``head in snake_list[:-1]``; also ``any(s == head for s in body)``, ``body.some(s => ...)``,
    index loops, ``segment.distance(head) < 20``, ``collidelist``, ``spritecollideany``,
    ``body.count(head) > 1``, ``len(set(body)) != len(body)``
  * a membership test of a collection's newest element in that same collection (the element the
    code inserts/appends into it, or its ``[0]``/``[-1]``, or a "head" when the collection grows
    at one end) -> ``self_overlap(<collection>)``: a body running into itself
body parts
  * a call of a function defined in the code -> that function's body (a call of a stub that does
    nothing is masked as ``noop(``)
  * a flag set here and tested elsewhere (``collided = True`` ... ``if collided: reset()``) -> the
    body of the branch testing it; a flag that stops the enclosing ``while`` loop -> ``end_game()``
  * ``break``/``return`` out of a ``while`` loop -> ``end_game()``; a call of the function the
    branch is in (the recursive ``game_loop()`` restart of tutorial code) -> ``restart_game()``
program facts (on the index)
  * ``complete``: the program does something at module level (not a fragment of definitions)
  * ``unused``: functions a complete program never refers to
  * ``hangs``: ``while`` loops nothing in them can end (``while not restart: pass``)

The text-level half (calls, collections, membership tests in an expression) is in flowtext.py.
"""

from __future__ import annotations

import functools
import re

from .flowtext import (JS_ITER, PART_CAP, Collections, calls, collection_base, looked_up, memberships,
                       unpacked)
from .tsparse import SHAPE_QUERIES

_FN_TYPES = {"function_definition", "function_declaration", "method_definition", "arrow_function",
             "function_expression", "function", "generator_function_declaration", "lambda"}
_LOOP_TYPES = {"for_statement", "for_in_statement", "while_statement", "do_statement"}
_WHILE_TYPES = {"while_statement", "do_statement"}
_LITERAL = re.compile(r"""\s*(True|False|None|true|false|null|undefined|-?\d+(\.\d+)?|["'][^"']*["'])\s*;?\s*""")
_PART_CAP = PART_CAP
# an expression that is a truth value (a comparison, a membership or collision test, a boolean literal)
_BOOLISH = re.compile(r"(==|!=|<|>|\bin\b|\bnot\b|\band\b|\bor\b|&&|\|\||!|\bany\(|\ball\(|collide|contains|"
                      r"\.count\(|includes\(|^\s*(True|False|true|false)\s*;?\s*$)")
_MAX_PARTS = 24
_DOTTED = re.compile(r"[\w.$]+")


_COMPREHENSION_FOR = re.compile(r"\bfor\s+[\w\s,()]+?\s+in\b")


def _boolish(expr: str) -> bool:
    """A truth value, not a collection built by a comprehension (`{p for _, p in items}`)."""
    if "for" in expr:
        expr = _COMPREHENSION_FOR.sub(" ", expr)
    # _BOOLISH's alternatives in three searches: the symbols' literal starts let the engine skip
    # ahead (one alternation of all of them is tried at every position; same answer, 4x faster)
    return bool(_BOOL_SYMBOL.search(expr) or _BOOL_WORD.search(expr) or _BOOL_CONST.match(expr))


_BOOL_SYMBOL = re.compile(r"==|!=|<|>|&&|\|\||!|collide|contains|\.count\(|includes\(")
_BOOL_WORD = re.compile(r"\b(?:in|not|and|or)\b|\b(?:any|all)\(")
_BOOL_CONST = re.compile(r"\s*(?:True|False|true|false)\s*;?\s*$")


def _txt(n) -> str:
    return n.text.decode("utf-8", "replace")


def _line(n) -> int:
    return n.start_point[0] + 1


def _inside(outer, inner) -> bool:
    return outer.start_byte <= inner.start_byte and inner.end_byte <= outer.end_byte


class _Fn:
    def __init__(self, name: str, node, params: list[str], body):
        self.name, self.node, self.params, self.body = name, node, params, body
        self.returns: list[tuple[str, int]] = []  # filled by _Shapes (return expressions, not nested functions')
        if body is not None and node.type == "arrow_function" and body.type != "statement_block":
            self.returns.append((_txt(body), _line(body)))


def _params(pnode) -> list[str]:
    out = []
    if pnode is None:
        return out
    if pnode.type == "identifier":
        return [_txt(pnode)]
    for c in pnode.named_children:
        if c.type == "identifier":
            out.append(_txt(c))
        else:
            nm = c.child_by_field_name("name") or c.child_by_field_name("left") or c.child_by_field_name("pattern")
            if nm is None:
                nm = next((g for g in c.named_children if g.type == "identifier"), None)
            if nm is not None and nm.type == "identifier":
                out.append(_txt(nm))
    return [p for p in out if p not in ("self", "cls", "this")]


@functools.lru_cache(maxsize=None)
def _shape_query(lang, query_src: str):
    """The compiled query for the tree's own grammar (compiled once per grammar)."""
    import tree_sitter as ts

    return ts.Query(lang, query_src)


class _Shapes:
    """Functions (by name), while loops and break statements of one tree."""

    def __init__(self, tree, language: str, code: str | None = None):
        import tree_sitter as ts

        if language == "python" and code is not None:
            from .tsparse import python_captures

            caps = python_captures(code, "sh")  # the one query every reader of the tree shares
        else:
            qsrc = SHAPE_QUERIES["python" if language == "python" else "javascript"]
            caps = ts.QueryCursor(_shape_query(tree.language, qsrc)).captures(tree.root_node)
        self.fns = _functions(caps.get("fn", ()))
        self.def_counts: dict[str, int] = {}
        for n in caps.get("fn", ()):
            nm = n.child_by_field_name("name")
            if nm is not None:
                self.def_counts[_txt(nm)] = self.def_counts.get(_txt(nm), 0) + 1
        self.whiles = list(caps.get("while", ()))
        self.breaks = list(caps.get("break", ()))
        self.returns = list(caps.get("ret", ()))
        by_id = {fn.node.id: fn for fn in self.fns.values()}
        for r in caps.get("ret", ()):
            if not r.named_children:
                continue
            n = r.parent
            while n is not None and n.type not in _FN_TYPES:
                n = n.parent
            fn = by_id.get(n.id) if n is not None else None
            if fn is not None:
                fn.returns.append((_txt(r.named_children[0]), _line(r)))
        for fn in self.fns.values():
            fn.returns.sort(key=lambda t: t[1])


def _functions(nodes) -> dict[str, _Fn]:
    fns: dict[str, _Fn] = {}
    for n in sorted(nodes, key=lambda n: n.start_byte):
        fn = None
        if n.type in ("function_definition", "function_declaration", "method_definition",
                      "generator_function_declaration"):
            name = n.child_by_field_name("name")
            if name is not None:
                fn = _Fn(_txt(name), n, _params(n.child_by_field_name("parameters")), n.child_by_field_name("body"))
        elif n.type == "variable_declarator":
            val, name = n.child_by_field_name("value"), n.child_by_field_name("name")
            if val is not None and name is not None and val.type in ("arrow_function", "function_expression", "function"):
                ps = val.child_by_field_name("parameters") or val.child_by_field_name("parameter")
                fn = _Fn(_txt(name), val, _params(ps), val.child_by_field_name("body"))
        if fn is not None and fn.name not in fns:
            fns[fn.name] = fn
    return fns


def _substitute(text: str, fn: _Fn, args: list[str]) -> str:
    for p, a in zip(fn.params, args):
        text = re.sub(r"(?<![\w.])" + re.escape(p) + r"(?!\w)", a.strip(), text)
    return text

def _loop_bindings(node) -> list[tuple[str, str, int]]:
    """(variable, collection, line) of the loops around ``node`` that walk a collection."""
    out = []
    n = node.parent
    while n is not None:
        t = n.type
        if t in ("for_statement", "for_in_statement") and n.child_by_field_name("left") is not None:
            left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
            lt, rt = _txt(left), _txt(right) if right is not None else ""
            m = re.fullmatch(r"\s*range\(\s*(?:[^,]+,\s*)?len\(\s*(.+?)\s*\)(?:\s*-\s*\d+)?\s*(?:,.*)?\)\s*", rt)
            if m:
                out.append((lt.strip(), m.group(1), _line(n)))
            else:
                names = re.findall(r"\w+", lt)
                if names:
                    out.append((names[-1], rt, _line(n)))  # `for i, seg in enumerate(body)` -> seg
        elif t == "for_statement":
            m = re.search(r"for\s*\(\s*(?:let|var|const)?\s*(\w+)\s*=[^;]*;\s*\1\s*<=?\s*([\w.$]+)\.length", _txt(n))
            if m:
                out.append((m.group(1), m.group(2), _line(n)))
        elif t == "arrow_function" or t == "function_expression":
            call = n.parent.parent if n.parent is not None else None
            if call is not None and call.type == "call_expression":
                m = JS_ITER.match(_txt(call))
                if m:
                    out.append((m.group(2), m.group(1), _line(n)))
        n = n.parent
    return out


def _enclosing_fn(node, fns: dict[str, _Fn]) -> str | None:
    n = node.parent
    while n is not None:
        if n.type in _FN_TYPES:
            for name, fn in fns.items():
                if fn.node.id == n.id:
                    return name
            return None
        n = n.parent
    return None


# called by a framework, never by name in the program: not dead when unreferenced
# ... and the HTTP verbs a class-based view (Flask MethodView, Django, tornado) answers with
_CALLBACK = re.compile(r"^(__\w+__|on_?[A-Z_]\w*|\w+Event|run|constructor|render|connectedCallback|build|setup|paint\w*|"
                       r"get|post|put|patch|delete)$")
_ENTRY_TYPES = {"expression_statement", "while_statement", "if_statement", "for_statement", "with_statement",
                "try_statement"}


def _is_stub(fn: _Fn) -> bool:
    """The function does nothing: only pass, ``...``, a docstring, comments, ``return``/``return None``
    or ``raise NotImplementedError``, also under an if/elif/else whose conditions call nothing
    (`if kind == "speed": pass  # TODO` for each item)."""
    return fn.body is not None and fn.body.type in ("block", "statement_block") and _does_nothing(fn.body)


def _does_nothing(block) -> bool:
    for c in block.named_children:
        t = _txt(c).strip()
        if c.type == "comment" or t in ("pass", "...", "return", "return None", "return;", "return null;"):
            continue
        if c.type == "expression_statement" and re.fullmatch(r"[rbuf]*(\"\"\"|\'\'\'|\"|\')[\s\S]*", t):
            continue  # a docstring
        if re.fullmatch(r"raise\s+NotImplementedError(\(.*\))?", t):
            continue
        if c.type == "if_statement" and _empty_if(c):
            continue
        return False
    return True


def _empty_if(node) -> bool:
    """A Python if/elif/else chain whose conditions call nothing and whose blocks do nothing."""
    parts = [node] + [c for c in node.named_children if c.type in ("elif_clause", "else_clause")]
    for part in parts:
        cond = part.child_by_field_name("condition")
        if cond is not None and "(" in _txt(cond):
            return False
        body = part.child_by_field_name("consequence") or part.child_by_field_name("body")
        if body is None or body.type != "block" or not _does_nothing(body):
            return False
    return True


@functools.lru_cache(maxsize=64)
def _STUB_CALL(stubs: tuple) -> re.Pattern:
    return re.compile(r"(?:[\w.$]*\.)?(?<![\w$])(?:" + "|".join(map(re.escape, stubs)) + r")\s*\(")


def _hangs(shapes: _Shapes) -> list[tuple[int, int, str, list[str]]]:
    """(first line, last line, condition, names it waits on) of `while` loops that can never end: the
    body calls nothing, cannot break out and never assigns what the condition tests
    (`while not restart: pass` waiting for a key that no one reads)."""
    out = []
    for w in shapes.whiles:
        cond, body = w.child_by_field_name("condition"), w.child_by_field_name("body")
        if cond is None or body is None:
            continue
        btext = _txt(body)
        if re.search(r"\(|\b(break|return|raise|yield|await|goto)\b", btext):
            continue
        names = [n for n in re.findall(r"[A-Za-z_$][\w.$]*", _txt(cond))
                 if n not in ("not", "and", "or", "True", "False", "true", "false", "None", "null")]
        if any(re.search(r"(?<![\w.$])" + re.escape(n) + r"\s*([-+*/%|&^]?=(?!=)|\+\+|--|\.)", btext) for n in names):
            continue
        out.append((_line(w), w.end_point[0] + 1, _txt(cond).strip("() "), names))
    return out


def _unread_flags(idx) -> tuple:
    """Names only ever assigned a truth value and never read (`collided = True` that nothing tests)."""
    writes: dict[str, int] = {}
    for lt, rt, _ln in idx.assigns:
        name = lt.strip().split(".")[-1]
        if re.fullmatch(r"[A-Za-z_$][\w$]*", name):
            writes[name] = writes.get(name, 0) + 1
    flags = {lt.strip().split(".")[-1] for lt, rt, _ in idx.assigns if _LITERAL.fullmatch(rt)
             and re.fullmatch(r"\s*(True|False|true|false|1|0)\s*;?\s*", rt)}
    uses = idx.ident_lines
    return tuple(sorted(n for n in flags if n in writes and len(uses.get(n, [])) <= writes[n]))


@functools.lru_cache(maxsize=64)
def _UNREAD(names: tuple) -> re.Pattern:
    return re.compile(r"(?<![\w$])(?:self\.|this\.)?(?:" + "|".join(map(re.escape, names)) + r")(\s*=(?!=))")


def complete_program(tree) -> bool:
    """It does something at module level (calls, loops): a whole program, not a fragment."""
    top = [c for c in tree.root_node.named_children if c.type in _ENTRY_TYPES]
    return any(c.type != "expression_statement" or re.search(r"\w\s*\(", _txt(c)) for c in top)


def unused_functions(idx, tree, shapes: _Shapes) -> list[tuple[int, int, str]]:
    """(first line, last line, name) of functions a complete program never refers to.

    Only for a complete program (it does something at module level: calls a function, runs a
    loop): code that is never called implements nothing. A fragment of definitions is judged as
    written, since the reader is shown only part of the program; so is an answer cut off in its
    last top-level statement (a parse error there): the call of `main()` may be what was cut."""
    top = tree.root_node.named_children
    if not complete_program(tree) or (top and top[-1].has_error):
        return []
    uses: dict[str, int] = {}
    for name, _ln in idx.idents:
        uses[name] = uses.get(name, 0) + 1
    for s, _ln in idx.strings:  # setTimeout("step()"), getattr(self, "on_" + name)
        for w in re.findall(r"[A-Za-z_]\w*", s):
            uses[w] = uses.get(w, 0) + 1
    out = []
    for name, fn in shapes.fns.items():
        if uses.get(name, 0) <= shapes.def_counts.get(name, 1) and not _CALLBACK.match(name) \
                and not _registered(fn.node):
            out.append((_line(fn.node), fn.node.end_point[0] + 1, name))
    return out


_REGISTERS = re.compile(r"^@\s*[\w.]+\.\w+\s*\(")  # @app.get("/todos"), @app.errorhandler(404), @cli.command()


def _registered(node) -> bool:
    """A function its decorator hands to a framework (a Flask route, a click command): the framework
    calls it, though the program never does."""
    parent = node.parent
    return parent is not None and parent.type == "decorated_definition" and any(
        c.type == "decorator" and _REGISTERS.match(c.text.decode("utf-8", "replace")) for c in parent.named_children)


class _Facts:
    """What the whole program says once, read by every branch: truth-valued assignments, unpacked
    and looked-up names, branches that only test a flag, stub functions and flags nothing reads.
    Each is computed on first use (a program whose branches no check reads needs none of them)."""

    def __init__(self, idx, shapes: _Shapes):
        self.idx, self.shapes, self.fns = idx, shapes, shapes.fns
        self.lines = idx.lines  # the indexed lines (an HTML page's index later shows the page's own)

    @functools.cached_property
    def colls(self) -> Collections:
        return Collections(self.idx, self.lines)

    @functools.cached_property
    def assigned(self) -> dict:
        return _truth_assignments(self.idx, self.fns)

    @functools.cached_property
    def unpacked(self) -> dict:
        return unpacked(self.idx)

    @functools.cached_property
    def looked_up(self) -> dict:
        return looked_up(self.idx)

    @functools.cached_property
    def flag_tests(self) -> dict[str, list]:
        """flag -> branches whose condition is just that flag."""
        out: dict[str, list] = {}
        for br in self.idx.branches:
            m = _FLAG_TEST.fullmatch(br.cond)
            if m:
                out.setdefault(m.group(1), []).append(br)
        return out

    @functools.cached_property
    def stubs(self) -> tuple:
        # a name is a stub only when every definition of it is (a base class's `apply` is overridden)
        return tuple(sorted(name for name, fn in self.fns.items()
                            if _is_stub(fn) and self.shapes.def_counts.get(name, 1) <= 1))

    @functools.cached_property
    def unread(self) -> tuple:
        return _unread_flags(self.idx)


_FLAG_TEST = re.compile(r"\s*\(?\s*(?:not\s+|!\s*)?([\w.$]+)\s*(?:(?:==|===|is)\s*(?:True|true|1))?\s*\)?\s*")


def _truth_assignments(idx, fns: dict[str, _Fn]) -> dict[str, list[tuple[str, int]]]:
    """name -> (value, line) of its assignments of a truth value."""
    truthy = {name for name, fn in fns.items() if any(_boolish(r) for r, _ in fn.returns)}
    assigned: dict[str, list[tuple[str, int]]] = {}
    for lt, rt, ln in idx.assigns:
        key = lt.strip()
        # only truth values are followed: `hit = head in body`, `dead = self.check()`, not `food = spawn()`
        if _DOTTED.fullmatch(key) and not _LITERAL.fullmatch(rt) and \
                (_boolish(rt) or any(name in truthy for name, _ in calls(rt))):
            assigned.setdefault(key, []).append((rt, ln))
    return assigned


def annotate(idx, tree, code: str | None = None) -> None:
    """Set up ``cond_parts`` / ``body_parts`` of every branch of ``idx`` (one level of data flow;
    computed when a check first reads them) and fill ``idx.unused`` (functions a complete program
    never calls), ``idx.complete`` and ``idx.hangs``."""
    if tree is None:
        return
    shapes = _Shapes(tree, idx.language, code)
    idx.complete = complete_program(tree)
    idx.hangs = _hangs(shapes)
    idx.unused = unused_functions(idx, tree, shapes)
    if not idx.branches:
        return
    flow = _BranchFlow(idx, shapes)
    for br in idx.branches:
        br.flow = flow


class _BranchFlow:
    """Computes one branch's parts on demand; every branch of an index shares the program facts."""

    def __init__(self, idx, shapes: _Shapes):
        self.facts = _Facts(idx, shapes)
        self.shapes, self.branches, self.complete = shapes, idx.branches, idx.complete

    def _own_fn(self, br) -> str | None:
        d = br.__dict__
        if "_own_fn" not in d:
            d["_own_fn"] = _enclosing_fn(br.node, self.facts.fns)
        return d["_own_fn"]

    def cond(self, br) -> None:
        facts = self.facts
        cparts, texts = _flag_parts(br, facts)
        cparts += _helper_parts(br, texts, self._own_fn(br), facts, self.branches)
        cparts += _membership_parts(br, cparts, facts.colls)
        br.__dict__["_cond_parts"] = _dedup(cparts)

    def body(self, br) -> None:
        facts = self.facts
        br.__dict__["_body_parts"] = _dedup(_call_parts(br, self._own_fn(br), facts) + _flag_set_parts(br, facts)
                                            + _loop_exit_parts(br.node, self.shapes))
        br.__dict__["_body_masked"] = _mask_body(br, facts, self.complete)


_FLAG_NAME = re.compile(r"(?<![\w.$])((?:self\.|this\.)?[A-Za-z_$][\w$]*)(?!\s*\()")


def _flag_parts(br, facts: _Facts) -> tuple[list, list[tuple[str, int]]]:
    """Condition parts from the flags it tests, and the texts (condition + flag values) whose calls
    are followed next."""
    cparts: list[tuple[str, int, str]] = []
    texts = [(br.cond, br.line)]
    for name in dict.fromkeys(_FLAG_NAME.findall(br.cond)):
        for rt, ln in facts.assigned.get(name, [])[:4]:
            cparts.append((rt[:_PART_CAP], ln, f"{name} is assigned on line {ln}"))
            texts.append((rt, ln))
        for src, ln in facts.unpacked.get(name, [])[:2]:
            cparts.append((src, ln, f"{name} is unpacked from {src} on line {ln}"))
        for src, ln in facts.looked_up.get(name, [])[:2]:
            cparts.append((src, ln, f"{name} is looked up on line {ln}"))
    return cparts, texts


def _helper_parts(br, texts, own_fn: str | None, facts: _Facts, branches) -> list[tuple[str, int, str]]:
    """Condition parts from helper functions called in ``texts``: what they return, their local
    flags, and the conditions that decide what they return."""
    cparts: list[tuple[str, int, str]] = []
    for text, _ln0 in texts:
        for name, args in calls(text):
            fn = facts.fns.get(name)
            if fn is None or name == own_fn:
                continue
            first, last = _line(fn.node), fn.node.end_point[0] + 1
            for rt, ln in fn.returns[:6]:
                cparts.append((_substitute(rt, fn, args)[:_PART_CAP], ln, f"{name}() returns this"))
                # a flag local to the helper: `out = not (0 <= x < W)` ... `return out or hit`
                for local in dict.fromkeys(re.findall(r"(?<![\w.$])([A-Za-z_$][\w$]*)(?!\s*\()", rt)):
                    for lrt, lln in facts.assigned.get(local, []):
                        if first <= lln <= last:
                            cparts.append((_substitute(lrt, fn, args)[:_PART_CAP], lln,
                                           f"{local} is assigned in {name}() on line {lln}"))
            for other in branches:
                # only the conditions that decide what it returns (not every test in a big step())
                if other is not br and fn.body is not None and _inside(fn.body, other.node) \
                        and re.search(r"\breturn\b", other.body):
                    cparts.append((_substitute(other.cond, fn, args)[:_PART_CAP], other.line,
                                   f"{name}() tests this"))
    return cparts


def _membership_parts(br, cparts, colls: Collections) -> list[tuple[str, int, str]]:
    """The loops around the branch, and membership tests (including comparisons with a loop
    variable) in its condition and in the parts found so far."""
    bindings = _loop_bindings(br.node)
    bind_pairs = [(v, c) for v, c, _ in bindings]
    loop_line = {v: ln for v, _c, ln in reversed(bindings)}
    out: list[tuple[str, int, str]] = []
    for v, c, ln in bindings[:2]:  # the loop a branch sits in says what it is about (`for item in items`)
        out.append((f"for {v} in {c}", ln, f"inside the loop over {c} on line {ln}"))
    for text, ln in [(br.cond, br.line)] + [(t, l) for t, l, _ in cparts + out]:
        for elem, coll, how in memberships(text, bind_pairs):
            if how in loop_line:  # cite the loop that walks the collection
                ln = loop_line[how]
            if how not in ("in", "count", "includes", "contains", "__contains__", "indexOf", "collidelist",
                           "duplicates"):
                out.append((f"{elem.strip()} in {coll.strip()}", ln, f"compared with each element of {coll}"))
            if colls.newest(elem, coll):
                out.append((f"self_overlap({collection_base(coll)})", ln,
                            f"the newest element of {collection_base(coll)} is tested against it"))
    return out


def _call_parts(br, own_fn: str | None, facts: _Facts) -> list[tuple[str, int, str]]:
    """Body parts from the functions the body calls (a call of the enclosing function restarts the game)."""
    out = []
    for name, _args in calls(br.body):
        if own_fn is not None and name == own_fn:
            out.append(("restart_game()", br.line, f"calls {name}() again (restarts the game)"))
            continue
        fn = facts.fns.get(name)
        if fn is not None and fn.body is not None and not _inside(fn.node, br.node) and name not in facts.stubs:
            out.append((_txt(fn.body)[:_PART_CAP], _line(fn.node), f"{name}() does this"))
    return out


def _flag_set_parts(br, facts: _Facts) -> list[tuple[str, int, str]]:
    """Body parts from flags the body sets: the branches testing them, and the ``while`` loops they stop."""
    out = []
    for m in re.finditer(r"(?<![\w.$=!<>])((?:self\.|this\.)?[A-Za-z_$][\w$]*)\s*=\s*(True|False|true|false|1|0)\b", br.body):
        flag, val = m.group(1), m.group(2)
        for other in facts.flag_tests.get(flag, []):
            if other is not br:
                out.append((other.body[:_PART_CAP], other.line, f"{flag} is tested on line {other.line}"))
        for w in facts.shapes.whiles:
            if not _inside(w, br.node):
                continue
            wc = w.child_by_field_name("condition")
            wt = _txt(wc).strip("() ") if wc is not None else ""
            stops = (re.fullmatch(r"(?:not\s+|!\s*)" + re.escape(flag), wt) and val in ("True", "true", "1")) or \
                    (wt == flag and val in ("False", "false", "0"))
            if stops:
                out.append(("end_game()", _line(w), f"setting {flag} stops the loop on line {_line(w)}"))
    return out


def _loop_exit_parts(node, shapes: _Shapes) -> list[tuple[str, int, str]]:
    """``break``/``return`` in the branch's body that leave a ``while`` loop end the game."""
    body_node = node.child_by_field_name("consequence") or node.child_by_field_name("body")
    if body_node is None and node.type == "else_clause" and node.named_children:
        body_node = node.named_children[-1]
    if body_node is None:
        return []
    out = []
    for d in shapes.breaks:
        if not _inside(body_node, d):
            continue
        loop = d.parent
        while loop is not None and loop.type not in _LOOP_TYPES and loop.type not in _FN_TYPES:
            loop = loop.parent
        if loop is not None and loop.type in _WHILE_TYPES:
            out.append(("end_game()", _line(d), f"break leaves the loop on line {_line(loop)}"))
    for d in shapes.returns:  # `return score` out of the game loop ends the game
        if not _inside(body_node, d):
            continue
        loop = d.parent
        while loop is not None and loop.type not in _WHILE_TYPES and loop.type not in _FN_TYPES:
            loop = loop.parent
        if loop is not None and loop.type in _WHILE_TYPES:
            out.append(("end_game()", _line(d), f"return leaves the loop on line {_line(loop)}"))
    return out


def _mask_body(br, facts: _Facts, complete: bool) -> str | None:
    """The body with calls of stubs and writes of unread flags masked; None when nothing is."""
    masked = br.body
    if facts.stubs:  # a call of a function that does nothing does nothing: `apply_item()` with a TODO body
        masked = _STUB_CALL(facts.stubs).sub("noop(", masked)
    if complete and facts.unread:  # a flag nothing reads ends nothing: `collided = True` never tested
        masked = _UNREAD(facts.unread).sub(r"unread_flag\1", masked)
    return masked if masked != br.body else None


def _dedup(parts):
    seen, out = set(), []
    for p in parts:
        if (p[0], p[1]) not in seen:
            seen.add((p[0], p[1]))
            out.append(p)
    return out[:_MAX_PARTS]

"""Values a line of Python works out to: `fast = MOVE_MS // ITEM_CFG["speed"]["multiplier"]` is 65 when
the program sets MOVE_MS = 130 and the dict's multiplier to 2. claim_numbers.py compares them with a
number claim; module-level constants set once, literal settings dicts and + - * / // only.
"""

from __future__ import annotations

import ast

_ARITH_OPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
              ast.Div: lambda a, b: a / b, ast.FloorDiv: lambda a, b: a // b}
_UNKNOWN = object()


_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")


def _statements(tree):
    """Every statement of the program (assignments are statements: no expression needs walking)."""
    todo = [tree]
    while todo:
        n = todo.pop()
        yield n
        for field in _BODIES:
            todo += [c for c in getattr(n, field, ()) if isinstance(c, ast.AST)]


def _module_constants(tree) -> dict:
    """Names bound once in the whole program, at module level, to a literal (`MOVE_MS = 130`, a settings
    dict): a name assigned anywhere else (`global SPEED; SPEED = 5`) may hold another value."""
    bound: dict[str, int] = {}
    for n in _statements(tree):
        targets = n.targets if isinstance(n, ast.Assign) else [n.target] if isinstance(n, (ast.AugAssign, ast.AnnAssign)) else []
        for t in targets:
            for name in ast.walk(t):
                if isinstance(name, ast.Name):
                    bound[name.id] = bound.get(name.id, 0) + 1
    out = {}
    for st in tree.body:
        if isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name) \
                and bound.get(st.targets[0].id) == 1:
            try:
                out[st.targets[0].id] = ast.literal_eval(st.value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                pass
    return out


def _eval(node, consts: dict):
    """The number ``node`` works out to from literals and constants, or _UNKNOWN."""
    if isinstance(node, ast.Constant):
        ok = isinstance(node.value, (int, float, str)) and not isinstance(node.value, bool)
        return node.value if ok else _UNKNOWN
    if isinstance(node, ast.Name):
        return consts.get(node.id, _UNKNOWN)
    if isinstance(node, ast.Subscript):  # ITEM_CFG["speed"]["multiplier"] of a literal dict
        base, key = _eval(node.value, consts), _eval(node.slice, consts)
        try:
            return base[key] if isinstance(base, (dict, list, tuple)) and key is not _UNKNOWN else _UNKNOWN
        except (KeyError, IndexError, TypeError):
            return _UNKNOWN
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        v = _eval(node.operand, consts)
        return -v if _is_num(v) else _UNKNOWN
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITH_OPS:
        a, b = _eval(node.left, consts), _eval(node.right, consts)
        if _is_num(a) and _is_num(b) and not (b == 0 and isinstance(node.op, (ast.Div, ast.FloorDiv))):
            return _ARITH_OPS[type(node.op)](a, b)
    return _UNKNOWN


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _program(idx):
    """(the program's ast or None, its module constants), parsed once per code index."""
    memo = idx.__dict__.get("_ast_program")
    if memo is None:
        try:
            tree = ast.parse("\n".join(idx.lines)) if idx.language == "python" else None
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            tree = None
        memo = idx.__dict__["_ast_program"] = (tree, _module_constants(tree) if tree is not None else {})
    return memo


def _expression_roots(st):
    """A statement's own expressions (not the statements in its bodies)."""
    for field, value in ast.iter_fields(st):
        if field in _BODIES:
            continue
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, ast.AST):
                yield v


def derived(idx, lines=None) -> dict:
    """{line: ([values its arithmetic works out to], [constants scaled by an unknown])} over the
    program's outermost arithmetic; a constant scaled by an unknown is `BASE_DELAY // cfg["multiplier"]`:
    a known base times or divided by a factor the code reads at run time. With ``lines``, only the
    statements that touch those lines are read (the same entries for those lines)."""
    tree, consts = _program(idx)
    out: dict = {}
    if tree is None:
        return out
    todo = []
    for st in _statements(tree):
        if isinstance(st, ast.Module):
            continue
        if lines is None or any(st.lineno <= ln <= (st.end_lineno or st.lineno) for ln in lines):
            todo.extend(_expression_roots(st))
    while todo:
        n = todo.pop()
        if isinstance(n, ast.BinOp) and type(n.op) in _ARITH_OPS:
            v = _eval(n, consts)
            vals, scaled = out.setdefault(n.lineno, ([], []))
            if _is_num(v):
                vals.append(v)
                continue
            if isinstance(n.op, (ast.Mult, ast.Div, ast.FloorDiv)) and _is_num(_eval(n.left, consts)) \
                    and _eval(n.right, consts) is _UNKNOWN and isinstance(n.left, (ast.Name, ast.Subscript)):
                scaled.append(ast.unparse(n.left))  # a known base over an unknown factor
        if isinstance(n, (ast.stmt, ast.excepthandler, ast.match_case)):
            continue  # a statement inside an expression's reach (a lambda's body is an expression)
        todo.extend(ast.iter_child_nodes(n))
    return out


def whole_product(idx, expr: str) -> bool:
    """``expr`` is a product whose every factor works out to a whole number (`CELL * 2`,
    `snake_block * ITEMS["speed"]["multiplier"]` with the multiplier set to 2): it keeps a step on
    the cell lattice. Unknown factors (read at run time) and fractions (1.5) do not."""
    consts = _program(idx)[1]
    try:
        node = ast.parse(expr.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    factors, todo = [], [node]
    while todo:
        n = todo.pop()
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult):
            todo += [n.left, n.right]
        else:
            factors.append(_eval(n, consts))
    return all(_is_num(v) and float(v).is_integer() for v in factors)

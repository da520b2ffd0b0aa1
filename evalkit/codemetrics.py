"""radon's cyclomatic complexity and Halstead volume, counted on the tree-sitter tree.

Same definitions as radon 6 (``ComplexityVisitor``, ``HalsteadVisitor``), read off the tree that
syntax checking already parsed, with one query instead of two Python-level AST walks (they were a
third of static scoring's time). tests/test_static_scorers.py and tools/static_equality.py hold
the two equal; a tree with tree-sitter errors (code CPython accepts but the grammar does not) is
handed back to radon by the caller.

Cyclomatic complexity (radon): 1 + decision points per function, method, class body and module:
if/elif, conditional expressions, for/while (+1 more with an ``else``), each ``except`` of a try
(+1 for its ``else``; ``except*`` counts nothing, as in radon), each ``and``/``or``, each ``for``
and ``if`` of a comprehension, ``assert`` (its expression is not looked into), ``match`` cases
(minus one when a case is irrefutable). Decorators, default values and class bases are not
counted; a nested function or class counts for itself only.

Halstead (radon): operators are the binary, unary, boolean, augmented-assignment and comparison
operators (distinct by kind); operands are their operands, distinct per enclosing function by
name (``x``, ``self.x`` -> ``x``) or constant value; any other operand (a call, a subscript) is
distinct every time. Volume = N log2(h). Function decorators, defaults and annotations are skipped.
"""

from __future__ import annotations

import ast
import bisect
import functools
import math
from dataclasses import dataclass

from . import tsparse

_BINOPS = {"+": "Add", "-": "Sub", "*": "Mult", "/": "Div", "//": "FloorDiv", "%": "Mod", "**": "Pow",
           "<<": "LShift", ">>": "RShift", "|": "BitOr", "^": "BitXor", "&": "BitAnd", "@": "MatMult"}
_UNARY = {"-": "USub", "+": "UAdd", "~": "Invert"}
_COMPARE = {"==": "Eq", "!=": "NotEq", "<": "Lt", "<=": "LtE", ">": "Gt", ">=": "GtE", "is": "Is",
            "is not": "IsNot", "in": "In", "not in": "NotIn"}
_CONSTANTS = {"true": True, "false": False, "none": None, "ellipsis": Ellipsis}


@dataclass
class Block:
    """A function or class (radon's Function / Class)."""

    kind: str           # "function" | "class"
    name: str
    line: int
    start: int          # byte range of the whole definition
    end: int
    body_start: int
    parent: "Block | None" = None
    decisions: int = 0  # decision points directly in its body (not in nested definitions)

    @property
    def complexity(self) -> int:
        return 1 + self.decisions


@dataclass
class Result:
    functions: list        # (fullname, line, complexity): radon's functions + top-level classes' methods
    module_complexity: int  # radon's visitor.complexity (module level, from 1)
    total_complexity: int   # radon's visitor.total_complexity
    volume: float           # radon's h_visit_ast(...).total.volume


def _innermost(blocks: list[Block], starts: list[int], pos: int) -> Block | None:
    """The innermost definition whose byte range holds ``pos``."""
    i = bisect.bisect_right(starts, pos) - 1
    while i >= 0:
        b = blocks[i]
        if b.start <= pos < b.end:
            return b
        i -= 1
    return None


def _scope(blocks, starts, pos: int, skipped: dict, kinds: tuple) -> tuple[bool, Block | None]:
    """(counted, innermost definition): a position in the header (decorators, defaults, bases,
    annotations) of a definition of one of ``kinds`` is not counted: radon visits only its body."""
    for k in kinds:  # (plain loops: called for every operator and decision node)
        for a, z in skipped[k]:
            if a <= pos < z:
                return False, None
    b = _innermost(blocks, starts, pos)
    if b is not None and pos < b.body_start and b.kind in kinds:
        return False, None
    return True, b


def _decision_points(n) -> int:
    t = n.type
    if t in ("for_statement", "while_statement"):
        return 1 + (n.child_by_field_name("alternative") is not None)
    if t == "try_statement":
        handlers = [c for c in n.children if c.type == "except_clause"]
        if any(ch.type == "*" for c in handlers for ch in c.children):
            return 0  # try/except* (radon counts only Try nodes, not TryStar)
        return len(handlers) + any(c.type == "else_clause" for c in n.children)
    if t == "match_statement":
        body = n.child_by_field_name("body")
        cases = [c for c in (body.children if body is not None else n.children) if c.type == "case_clause"]
        return max(0, len(cases) - any(_irrefutable(c) for c in cases))
    return 1


def _irrefutable(case) -> bool:
    """``case _:`` or ``case name:`` (radon: a MatchAs without a sub-pattern)."""
    pats = [c for c in case.children if c.type == "case_pattern"]
    if len(pats) != 1 or pats[0].named_child_count > 1:
        return False
    inner = pats[0].named_children
    if not inner:
        return pats[0].text == b"_"
    node = inner[0]
    return node.type == "dotted_name" and node.named_child_count == 1


@functools.lru_cache(maxsize=256)
def analyse(code: str) -> Result | None:
    """radon's complexity figures and Halstead volume of a Python block; None when tree-sitter's
    tree has errors (then radon on the ast decides)."""
    tree = tsparse.parse("python", code)
    if tree is None or tree.root_node.has_error:
        return None
    caps = tsparse.python_captures(code, "cm")  # the one query every reader of the tree shares
    blocks, skipped = _blocks(caps)
    starts = [b.start for b in blocks]
    module_decisions = _count_decisions(caps, blocks, starts, skipped)
    return _result(blocks, module_decisions, _volume(caps, blocks, starts, skipped))


def _blocks(caps) -> tuple[list[Block], dict]:
    defs = [(n, "function") for n in caps.get("func", ())] + [(n, "class") for n in caps.get("cls", ())]
    blocks = []
    for n, kind in sorted(defs, key=lambda d: d[0].start_byte):
        name = n.child_by_field_name("name")
        body = n.child_by_field_name("body")
        blocks.append(Block(kind, name.text.decode("utf-8", "replace") if name is not None else "",
                            n.start_point[0] + 1, n.start_byte, n.end_byte, body.start_byte))
    for i, b in enumerate(blocks):  # the innermost definition it sits in (blocks are in source order)
        b.parent = next((p for p in reversed(blocks[:i]) if p.start <= b.start < p.end), None)
    # decorators: radon's complexity visitor never looks at them; its Halstead visitor skips a
    # function's (it visits only the body) but sees a class's (a generic visit)
    skipped = {"function": [], "class": []}
    for dd in caps.get("decorated_def", ()):
        d = dd.child_by_field_name("definition")
        if d is not None:
            skipped["class" if d.type == "class_definition" else "function"].append((dd.start_byte, d.start_byte))
    return blocks, skipped


def _count_decisions(caps, blocks, starts, skipped) -> int:
    asserts = sorted((n.start_byte, n.end_byte) for n in caps.get("decision", ()) if n.type == "assert_statement")
    guards = {n.start_byte for n in caps.get("guard", ())}  # `case x if y:` is no comprehension `if`
    module = 0
    for n in caps.get("decision", ()):
        pos = n.start_byte
        if n.type == "if_clause" and pos in guards:
            continue
        if n.type != "assert_statement" and any(a <= pos < b for a, b in asserts):
            continue  # radon does not look inside an assert
        counted, owner = _scope(blocks, starts, pos, skipped, ("function", "class"))
        if not counted:
            continue
        pts = _decision_points(n)
        if owner is None:
            module += pts
        else:
            owner.decisions += pts
    return module


def _result(blocks: list[Block], module_decisions: int, volume: float) -> Result:
    top_funcs = [b for b in blocks if b.kind == "function" and b.parent is None]
    top_classes = [b for b in blocks if b.kind == "class" and b.parent is None]
    methods = {id(c): [b for b in blocks if b.kind == "function" and b.parent is c] for c in top_classes}
    functions = [(f.name, f.line, f.complexity) for f in top_funcs]
    class_total = 0
    for c in top_classes:
        ms = methods[id(c)]
        functions += [(f"{c.name}.{m.name}", m.line, m.complexity) for m in ms]
        class_total += c.decisions + sum(m.complexity for m in ms)  # real_complexity - 1
    module = 1 + module_decisions
    total = module + sum(f.complexity - 1 for f in top_funcs) + class_total
    return Result(functions, module, total, volume)


# --------------------------------------------------------------------------- Halstead

@functools.lru_cache(maxsize=4096)
def _literal(text: bytes):
    try:
        # in parentheses: implicitly joined strings may sit on several lines
        return ("value", ast.literal_eval("(" + text.decode("utf-8", "surrogatepass") + ")"))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError, UnicodeDecodeError):
        return None  # an f-string and the like: not a Constant


_DISTINCT = object()


def _operand(n):
    """radon's operand identity: a name, an attribute's name, a constant's value; else _DISTINCT
    (an expression that is distinct every time it occurs)."""
    if n is None:
        return _DISTINCT
    while n.type == "parenthesized_expression" and n.named_child_count == 1:
        n = n.named_children[0]
    t = n.type
    if t == "identifier":
        return n.text.decode("utf-8", "replace")
    if t == "attribute":
        attr = n.child_by_field_name("attribute")
        return attr.text.decode("utf-8", "replace") if attr is not None else _DISTINCT
    if t in _CONSTANTS:
        return _CONSTANTS[t]
    if t in ("integer", "float", "string", "concatenated_string"):
        lit = _literal(n.text)
        return lit[1] if lit is not None else _DISTINCT
    return _DISTINCT


def _flat_bool(n, op: str) -> list:
    """``a and b and c`` is one BoolOp of three values in Python's ast (tree-sitter nests it)."""
    left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
    if left is not None and left.type == "boolean_operator" and _bool_op(left) == op:
        return _flat_bool(left, op) + [right]
    return [left, right]


def _bool_op(n) -> str:
    o = n.child_by_field_name("operator")
    return o.type if o is not None else ""


def _volume(caps, blocks, starts, skipped) -> float:
    operators: set = set()
    operands: set = set()
    n_ops = n_operands = 0
    for n in caps.get("op", ()):
        counted, owner = _scope(blocks, starts, n.start_byte, skipped, ("function",))
        if not counted:
            continue
        while owner is not None and owner.kind != "function":
            owner = owner.parent
        context = owner.name if owner is not None else None
        got = _operator(n)
        if got is None:
            continue
        ops, values = got
        n_ops += len(ops)
        n_operands += len(values)
        operators.update(ops)
        for v in values:
            key = _operand(v)
            operands.add((context, object() if key is _DISTINCT else key))
    h, length = len(operators) + len(operands), n_ops + n_operands
    return length * math.log2(h) if h else 0.0


def _operator(n):
    """(operator names, operand nodes) of one operator node, or None when it is a BoolOp that
    Python's ast folds into its parent."""
    t = n.type
    if t == "binary_operator":
        op = n.child_by_field_name("operator")
        return [_BINOPS.get(op.type, op.type)], [n.child_by_field_name("left"), n.child_by_field_name("right")]
    if t == "unary_operator":
        op = n.child_by_field_name("operator")
        return [_UNARY.get(op.type, op.type)], [n.child_by_field_name("argument")]
    if t == "not_operator":
        return ["Not"], [n.child_by_field_name("argument")]
    if t == "augmented_assignment":
        op = n.child_by_field_name("operator") or n.children[1]  # the grammar may not name the field
        name = op.type[:-1]
        return [_BINOPS.get(name, name)], [n.child_by_field_name("left"), n.child_by_field_name("right")]
    if t == "boolean_operator":
        op = _bool_op(n)
        parent = n.parent
        if parent is not None and parent.type == "boolean_operator" and _bool_op(parent) == op \
                and parent.child_by_field_name("left") == n:
            return None  # folded into the enclosing BoolOp
        return ["And" if op == "and" else "Or"], _flat_bool(n, op)
    if t == "comparison_operator":
        ops = [_COMPARE.get(c.type, c.type) for c in n.children_by_field_name("operators")]
        return ops, [c for c in n.named_children if c.type not in ("not in", "is not", "comment", "line_continuation")]
    return None

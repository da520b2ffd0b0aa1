"""tree-sitter at its lowest level: grammars (loaded lazily, once per process), a parse cache, and
every query the code readers run, with the shared Python query (one pass over a tree serves the
code index, quality's statistics, codemetrics and the data flow's shapes).

A leaf module: treesitter.py (the code index), flow.py and codemetrics.py build on it, so none of
them needs another to get a tree or its captures.
"""

from __future__ import annotations

import collections
import functools
import importlib
import re

# normalised language -> (module, function returning the language pointer)
_GRAMMARS = {
    "python": ("tree_sitter_python", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "html": ("tree_sitter_html", "language"),
    "go": ("tree_sitter_go", "language"),
    "java": ("tree_sitter_java", "language"),
    "c": ("tree_sitter_c", "language"),
    "cpp": ("tree_sitter_cpp", "language"),
    "bash": ("tree_sitter_bash", "language"),
}

# order in which an untagged block's language is guessed (after the task's own language)
DETECT_ORDER = ("python", "javascript", "typescript", "html", "go", "java", "cpp", "c", "bash")


def supported(language: str | None) -> bool:
    return language in _GRAMMARS


@functools.lru_cache(maxsize=None)
def _parser(language: str):
    import tree_sitter as ts

    mod_name, fn = _GRAMMARS[language]
    lang = ts.Language(getattr(importlib.import_module(mod_name), fn)())
    return lang, ts.Parser(lang)


# small caches: they only need to outlive one response (all its scorers); trees and indexes
# of 200-line programs are ~0.5 MB each, so a large cache is a memory leak in a long run
@functools.lru_cache(maxsize=32)
def _parse_bytes(language: str, src: bytes):
    return _parser(language)[1].parse(src)


def parse(language: str, code: str):
    """The tree for ``code`` (cached), or None when the language has no grammar."""
    if language not in _GRAMMARS:
        return None
    return _parse_bytes(language, code.encode("utf-8", "surrogatepass"))


# ---- queries ----------------------------------------------------------------------------------
_PY_QUERY = """
(identifier) @ident
(string) @string
(integer) @number
(float) @number
(if_statement condition: (_) @cond consequence: (block) @body) @branch
(elif_clause condition: (_) @cond consequence: (block) @body) @branch
(while_statement condition: (_) @cond body: (block) @body) @branch
(augmented_assignment) @aug
(binary_operator) @binop
(call function: (_) @callee) @call
(function_definition name: (identifier) @defname) @def
(class_definition name: (identifier) @defname) @def
(assignment left: (_) @lhs right: (_) @rhs) @assign
"""

_JS_QUERY = """
(identifier) @ident
(property_identifier) @ident
(shorthand_property_identifier) @ident
(string) @string
(template_string) @string
(number) @number
(if_statement condition: (_) @cond consequence: (_) @body) @branch
(while_statement condition: (_) @cond body: (_) @body) @branch
(augmented_assignment_expression) @aug
(update_expression) @aug
(binary_expression) @binop
(call_expression function: (_) @callee) @call
(function_declaration name: (identifier) @defname) @def
(method_definition name: (property_identifier) @defname) @def
(class_declaration name: (_) @defname) @def
(assignment_expression left: (_) @lhs right: (_) @rhs) @assign
(variable_declarator name: (_) @lhs value: (_) @rhs) @assign
(variable_declarator name: (identifier) @defname value: [(arrow_function) (function_expression)]) @def
"""

_QUERIES = {"python": _PY_QUERY, "javascript": _JS_QUERY, "typescript": _JS_QUERY, "tsx": _JS_QUERY}

_PY_STATS_QUERY = """
[(expression_statement) (return_statement) (if_statement) (elif_clause) (for_statement)
 (while_statement) (function_definition) (class_definition) (import_statement)
 (import_from_statement) (future_import_statement) (pass_statement) (break_statement)
 (continue_statement) (raise_statement) (try_statement) (with_statement) (assert_statement)
 (global_statement) (nonlocal_statement) (delete_statement) (match_statement)] @stmt
(except_clause) @except
(block [(return_statement) (raise_statement) (break_statement) (continue_statement)] @term)
(comment) @comment
"""

CODEMETRICS_QUERY = """
[(if_statement) (elif_clause) (conditional_expression) (for_statement) (while_statement) (try_statement)
 (boolean_operator) (for_in_clause) (if_clause) (assert_statement) (match_statement)] @decision
(case_clause (if_clause) @guard)
(function_definition body: (block) @body) @func
(class_definition body: (block) @body) @cls
(decorated_definition definition: (_) @decorated) @decorated_def
[(binary_operator) (unary_operator) (not_operator) (boolean_operator) (augmented_assignment)
 (comparison_operator)] @op
"""

# one query collects every shape the flow needs (a Python-level tree walk was the slowest step)
SHAPE_QUERIES = {
    "python": """
(function_definition) @fn
(while_statement) @while
(break_statement) @break
(return_statement) @ret
""",
    "javascript": """
[(function_declaration) (method_definition) (generator_function_declaration)] @fn
(variable_declarator value: [(arrow_function) (function_expression)]) @fn
[(while_statement) (do_statement)] @while
(break_statement) @break
(return_statement) @ret
""",
}


@functools.lru_cache(maxsize=None)
def _query(language: str, query_src: str):
    import tree_sitter as ts

    return ts.Query(_parser(language)[0], query_src)


_PARTS = {"ix": _PY_QUERY, "st": _PY_STATS_QUERY, "cm": CODEMETRICS_QUERY, "sh": SHAPE_QUERIES["python"]}
_QUALITY_PARTS = ("st", "cm")  # all the quality scorer reads


@functools.lru_cache(maxsize=None)
def _python_query(parts: tuple[str, ...] = tuple(_PARTS)):
    """The Python queries named in ``parts`` (the index's, quality's statistics, codemetrics', flow's
    shapes) as one, each one's capture names prefixed ``ix.`` / ``st.`` / ``cm.`` / ``sh.``: one pass
    over the tree instead of four (each capture list is the same, in the same order, as its own query's)."""
    return _query("python", "\n".join(re.sub(r"@(\w+)", lambda m, k=k: f"@{k}.{m.group(1)}", _PARTS[k])
                                      for k in parts))


# tree -> {parts: captures}; keyed by the tree object, so every reader gets nodes of the tree it has
_CAPTURES: collections.OrderedDict = collections.OrderedDict()


def _python_captures(tree, part: str) -> dict:
    """All four queries' captures in one pass; but a reader of quality's parts alone (``evalkit
    curate``, which scores no rubric) runs only those two, unless the full pass is already made
    (in an evaluation the code index reads the tree first and quality reuses its captures)."""
    import tree_sitter as ts

    got = _CAPTURES.get(tree)
    if got is None:
        got = _CAPTURES[tree] = {}
        while len(_CAPTURES) > 8:
            _CAPTURES.popitem(last=False)
    if "all" in got:
        return got["all"]
    key, parts = ("quality", _QUALITY_PARTS) if part in _QUALITY_PARTS else ("all", tuple(_PARTS))
    if key not in got:
        got[key] = ts.QueryCursor(_python_query(parts)).captures(tree.root_node)
    return got[key]


def python_captures(code: str, part: str) -> dict:
    """The captures of one of the Python queries (``ix``, ``st``, ``cm``, ``sh``) on ``code``'s
    (cached) tree."""
    pre = part + "."
    return {k[len(pre):]: v for k, v in _python_captures(parse("python", code), part).items() if k.startswith(pre)}

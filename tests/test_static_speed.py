"""The static scorers' shortcuts give the answers of the plain forms they replace (bench/static.py).

Each shortcut is checked against the straightforward form on real rubric patterns and corpus code
plus generated text: a rewritten case-insensitive regex, a split alternation, string splitting
without a per-character loop, the one shared tree-sitter query, and data-flow parts computed on
first use.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
import yaml

from evalkit import flow, flowtext, regexfold, treesitter, tsparse
from evalkit.paths import RUBRICS_DIR
from evalkit.scorers import checks

PROGRAMS = sorted((Path(__file__).parent / "fixtures" / "programs").glob("*.py"))


def _rubric_patterns() -> set[str]:
    out = set()

    def walk(o, vocab):
        if isinstance(o, dict):
            for v in o.values():
                walk(v, vocab)
        elif isinstance(o, list):
            for v in o:
                walk(v, vocab)
        elif isinstance(o, str):
            out.add(checks._expand(o, vocab))

    for path in sorted(Path(RUBRICS_DIR).glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        vocab = doc.get("vocab") or {}
        walk(doc.get("features"), vocab)
        out |= {checks._expand(v, vocab) for v in vocab.values()}
    return {p for p in out if p.startswith("(?i")}


def _branch_texts() -> list[str]:
    texts = []
    for p in PROGRAMS:
        idx = treesitter.index("python", p.read_text(encoding="utf-8"))
        texts += [t for br in idx.branches for t in (br.flow_cond, br.flow_body)]
    return [t for t in texts if t.isascii()]


def test_lowered_regex_matches_like_the_case_insensitive_one():
    rng = random.Random(7)
    texts = rng.sample(sorted(set(_branch_texts())), 150)
    texts += ["".join(c.upper() if rng.random() < 0.3 else c for c in t) for t in texts]  # mixed case
    texts += ["".join(rng.choice("abXYZ_-[]()\n 09=<>.'\"`^@") for _ in range(rng.randint(0, 30))) for _ in range(150)]
    patterns = _rubric_patterns()
    rewritten = [p for p in patterns if regexfold.lowered(p) is not None]
    assert len(rewritten) >= 0.9 * len(patterns) > 0  # the rubrics' vocab is nearly all rewritable
    for p in rewritten:
        rx, low = re.compile(p), regexfold.lowered(p)
        for t in texts:
            assert (rx.search(t) is None) == (low.search(t.lower()) is None), (p, t)


@pytest.mark.parametrize("pattern", [
    r"(?i)[0-Z]", r"(?i)[A-z]", r"(?i)[1-A]", r"(?i)\x41", r"(?i)\101", r"(?i)(?P<n>a)", r"(?i:a)|b",
    r"(?i)A(?-i:b)", r"(?i)[\--z]", r"(?i)[]-a]", "(?i)caf\u00e9", r"a(?i)b", r"abc",
])
def test_lowered_refuses_what_case_folding_would_change(pattern):
    assert regexfold.lowered(pattern) is None


def test_lowered_keeps_escapes_and_lowers_letters():
    assert regexfold.lowered(r"(?i)[A-Z]+\W\S(?i:Foo)").pattern == r"[a-z]+\W\S(?:foo)"


def test_boolish_split_equals_the_single_alternation():
    rng = random.Random(3)
    toks = ["==", "!=", "<", ">", "in", "not", "and", "or", "&&", "||", "!", "any(", "all(", "collide",
            "contains", ".count(", "includes(", "True", "false", " ", "\n", ";", "x", "print", "color", "_in"]
    for _ in range(20000):
        t = "".join(rng.choice(toks) for _ in range(rng.randint(0, 6)))
        want = flow._BOOLISH.search(t) is not None
        got = bool(flow._BOOL_SYMBOL.search(t) or flow._BOOL_WORD.search(t) or flow._BOOL_CONST.match(t))
        assert got == want, t


def _split_args_plain(s: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur)
    return out


def _tuple_items_plain(text: str) -> list[str]:
    t = text.strip()
    if t.startswith("(") and t.endswith(")"):
        t = t[1:-1]
    out, depth, cur = [], 0, ""
    for ch in t:
        depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    out.append(cur.strip())
    return [o for o in out if o]


def test_splitting_without_a_character_loop():
    rng = random.Random(1)
    for _ in range(20000):
        s = "".join(rng.choice("ab ,()[]{}'\".f") for _ in range(rng.randint(0, 16)))
        assert flowtext.split_args(s) == _split_args_plain(s), s
        assert checks._tuple_items(s) == _tuple_items_plain(s), s
    assert checks._tuple_items("(a, f(b, c))") == ["a", "f(b, c)"]
    assert list(flowtext.calls("f(a, g(b)), h(")) == [("f", ["a", " g(b)"]), ("g", ["b"]), ("h", [])]


def test_one_shared_query_gives_each_reader_its_own_captures():
    import tree_sitter as ts

    own = {"ix": tsparse._PY_QUERY, "st": tsparse._PY_STATS_QUERY, "cm": tsparse.CODEMETRICS_QUERY,
           "sh": tsparse.SHAPE_QUERIES["python"]}
    for p in PROGRAMS:
        code = p.read_text(encoding="utf-8")
        tree = treesitter.parse("python", code)
        # quality's parts read first (curate: the two-part query), then the index's (the full one),
        # then quality's again (now from the full pass): every reader gets its own query's captures
        tsparse._CAPTURES.clear()
        for part in ("st", "cm", "ix", "sh", "st", "cm"):
            alone = ts.QueryCursor(tsparse._query("python", own[part])).captures(tree.root_node)
            shared = treesitter.python_captures(code, part)
            assert {k: [n.id for n in v] for k, v in alone.items()} == {k: [n.id for n in v] for k, v in shared.items()}
        assert set(tsparse._CAPTURES[tree]) == {"quality", "all"}


def test_flow_parts_do_not_depend_on_what_is_read_first():
    for p in PROGRAMS:
        code = p.read_text(encoding="utf-8")
        first = [(br.flow_cond, br.flow_body, br.cond_parts, br.body_parts) for br in treesitter.index("python", code).branches]
        treesitter._index_cached.cache_clear()
        idx = treesitter.index("python", code)
        for br in reversed(idx.branches):  # bodies first, in reverse
            br.flow_body
        assert [(br.flow_cond, br.flow_body, br.cond_parts, br.body_parts) for br in idx.branches] == first


def _plain_status(lines: list[str], name: str) -> tuple[bool, int]:
    """The dead-flag scan as first written: every line, one boundary regex."""
    from evalkit import deadflags

    rx = re.compile(r"(?<![\w$])" + re.escape(name) + r"(?![\w$])")
    writes = 0
    for line in lines:
        code = line.split("#", 1)[0] if "#" in line and "'" not in line and '"' not in line else line
        for m in rx.finditer(code):
            ok = deadflags._occurrence_ok(code, m, name)
            if ok is False:
                return False, writes
            if ok is None:
                writes += 1
    return True, writes


def test_dead_flag_scan_equals_the_line_by_line_scan():
    from evalkit import deadflags

    compared = 0
    for p in PROGRAMS:
        lines = p.read_text(encoding="utf-8").splitlines()
        code = deadflags._Code(lines)
        # every word of the program, plus names that occur only inside longer words
        names = set(re.findall(r"[A-Za-z_$][\w$]*", "\n".join(lines))) | {"hield", "peed", "x", "a"}
        for name in sorted(names):
            assert deadflags._status(code, name) == _plain_status(lines, name), (p.name, name)
            compared += 1
    assert compared > 1000
    # a flag set to False only, read in a plain class: dead; a comment or a longer name does not count
    src = ["class S:", "    def __init__(self):", "        self.shielded = False  # shielded = True",
           "        self.shielded_until = 5", "    def hit(self):", "        if self.shielded:", "            return"]
    assert deadflags._status(deadflags._Code(src), "shielded") == (True, 1) == _plain_status(src, "shielded")


def test_lines_under_the_feature_equal_the_line_by_line_walk():
    from evalkit.scorers import claim_numbers

    def plain(idx, ln, term_lines):
        for k in range(4):
            if ln - k in term_lines:
                return True
            if ln - k < 1 or claim_numbers._SIBLING.match(idx.lines[ln - k - 1]):
                return False
        return False

    checked = 0
    for p in PROGRAMS:
        idx = treesitter.index("python", p.read_text(encoding="utf-8"))
        for terms in ("(?i)(speed|boost|fast)", "(?i)(shield|immun)", r"\bif\b", "score", "(?i)nothing_matches_this"):
            under = claim_numbers._under_terms(idx, terms)
            term_lines = idx.lines_matching(terms)
            assert under == {ln for ln in range(1, len(idx.lines) + 1) if plain(idx, ln, term_lines)}, (p.name, terms)
            checked += 1
    assert checked >= 10

"""index.html: one self-contained page (inline CSS, inline SVG, a little inline JS, no network).

Model output is untrusted: every piece of it reaches the page either through Jinja2's autoescape or
through Pygments' own HTML escaping (code), never as markup. The inline JS only toggles
``hidden``/``open`` and reads data-* attributes we wrote (task ids), never model text.

The page is built from parts: ``context`` (what the template reads, in named steps), ``tasks``
(per-task tables and the side-by-side responses), ``code_view`` (a response's text and code),
``evidence`` (each metric's details), ``charts`` (SVG) and ``format`` (numbers and labels, shared
with summary.md and the terminal table).
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from ..compare import Comparison
from ..leaderboard import Leaderboard
from .context import build_context
from .tasks import detailed_slots, slim

TEMPLATES = Path(__file__).parent / "templates"

__all__ = ["render_html", "detailed_slots", "slim"]


def _env() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                       trim_blocks=True, lstrip_blocks=True)


def render_html(run: dict, run_id: str, rows: list[dict], cmp: Comparison | None, models: list[str],
                demo: bool = False, board: Leaderboard | None = None, power: dict | None = None) -> str:
    """power: metric -> evalkit.power.Detectable for the pair (the smallest change it could show)."""
    ctx = build_context(run, run_id, rows, cmp, models, demo, board, power)
    script = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    # CSP allows exactly this script: even a markup injection could not run code
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    ctx.update(script=Markup(script), script_hash=f"sha256-{digest}")
    return _env().get_template("report.html.j2").render(**ctx)

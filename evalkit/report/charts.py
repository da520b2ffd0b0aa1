"""The page's inline SVG charts: a bar per model for one metric, grouped 0-10 columns per roll-up.
Names and labels reach the SVG escaped (they may come from the user or another run's file)."""

from __future__ import annotations

from markupsafe import Markup, escape

from .format import rollup_label, short_name


def bars_svg(title: str, values: list[tuple[str, float | None, str]], vmax: float, fmt) -> Markup:
    """Horizontal bars: [(model, value, colour)] on a 0..vmax axis."""
    w, left, bar_h, gap = 330, 118, 16, 6
    h = 22 + len(values) * (bar_h + gap)
    parts = [f'<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
             f'aria-label="{escape(title)}">',
             f'<text x="0" y="12" class="ct">{escape(title)}</text>']
    for i, (model, v, colour) in enumerate(values):
        y = 20 + i * (bar_h + gap)
        frac = 0.0 if v is None or vmax <= 0 else max(0.0, min(1.0, v / vmax))
        bw = (w - left - 44) * frac
        parts.append(f'<text x="0" y="{y + 12}" class="cl"><title>{escape(model)}</title>'
                     f'{escape(short_name(model))}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{w - left - 44}" height="{bar_h}" class="track"/>')
        parts.append(f'<rect x="{left}" y="{y}" width="{bw:.1f}" height="{bar_h}" fill="{colour}"/>')
        parts.append(f'<text x="{left + bw + 4:.1f}" y="{y + 12}" class="cv">{escape(fmt(v))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def rollup_svg(models: list[str], rolls: dict[str, dict], names: list[str], colours: dict[str, str]) -> Markup:
    """Grouped columns 0-10 per roll-up, one colour per model (the before/after picture)."""
    bw, h, top, base_y = 26, 190, 14, 150
    gw = max(150, bw * len(models) + 24)
    w = 40 + gw * len(names)
    parts = [f'<svg class="chart wide" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
             f'aria-label="roll-ups on 0-10">']
    for t in (0, 5, 10):
        y = base_y - (base_y - top) * t / 10
        parts.append(f'<line x1="30" x2="{w}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="24" y="{y + 4:.1f}" class="cl" text-anchor="end">{t}</text>')
    for gi, name in enumerate(names):
        x0 = 40 + gi * gw + (gw - bw * len(models)) / 2
        for mi, model in enumerate(models):
            v = rolls.get(model, {}).get(name)
            colour = colours[model]
            hh = 0 if v is None else (base_y - top) * max(0.0, min(10.0, v)) / 10
            x = x0 + mi * bw
            parts.append(f'<rect x="{x:.1f}" y="{base_y - hh:.1f}" width="{bw - 4}" height="{hh:.1f}" fill="{colour}"/>')
            parts.append(f'<text x="{x + (bw - 4) / 2:.1f}" y="{base_y - hh - 3:.1f}" class="cv" text-anchor="middle">'
                         f'{"n/a" if v is None else f"{v:.1f}"}</text>')
        lbl = rollup_label(name)
        parts.append(f'<text x="{40 + gi * gw + gw / 2:.1f}" y="{base_y + 16}" class="cl" text-anchor="middle">'
                     f'{escape(lbl[:24])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))

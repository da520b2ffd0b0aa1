"""Behavioural probes for the Snake task, computed from the draw trace the game shim recorded.

The trace is untrusted data from the sandbox: it is validated here and size-capped by the runner.
Each probe returns ``{"passed": bool, "detail": str}``.

How the trace is read
* shapes: filled rects/circles/ellipses drawn on the display, squarish and at most a quarter of
  the window: snake segments, food and items (text, backgrounds and grid lines fall outside);
* a colour whose set of positions changes in at least half of the frames where anything moved is
  the snake; any other colour present in at least 30% of the frames is food/items;
* the head is the single new snake cell after a move; the step is its distance to the nearest
  cell of the previous frame.

Probes
* ``snake_moves``   the head took at least 3 steps.
* ``grid_aligned``  segments do not overlap (step >= segment size - 2 px) and every snake segment
  and every food/item centre lies on one lattice: the same spacing (the step) **and** the same
  offset on each axis (+-1 px).
* ``survives_wall`` the head reached a wall moving outward (the scripted input steers into the left
  wall): a border cell of the window, or, for walls drawn inside the window, the farthest point
  the head ever reached on that axis where it then stopped or jumped (game over / restart). The
  program must then keep drawing at least 3 frames and not crash. Leaving the board, or never
  reaching a wall, fails.
"""

from __future__ import annotations

from collections import Counter

PROBES = ("grid_aligned", "snake_moves", "survives_wall")


def _frames(trace: list) -> list[list[tuple]]:
    out = []
    for msg in trace:
        for fr in (msg.get("frames") if isinstance(msg, dict) else None) or ():
            shapes = []
            for s in (fr.get("s") if isinstance(fr, dict) else None) or ():
                if isinstance(s, list) and len(s) == 8 and all(isinstance(v, (int, float)) for v in s[:7]):
                    shapes.append(tuple(s))
            out.append(shapes)
    return out


def _fail(detail: str) -> dict:
    return {"passed": False, "detail": detail}


def analyse(trace: list, size: list | None = None, status: str = "ok", exception: str | None = None) -> dict:
    frames = _frames(trace)
    crashed = status in ("crashed", "killed", "timeout")
    why = f" (program {status}{': ' + exception if exception else ''})" if status != "ok" else ""
    if not frames:
        msg = "no frames were drawn" + why
        return {name: _fail(msg) for name in PROBES}
    if size and len(size) == 2 and all(isinstance(v, (int, float)) and v > 0 for v in size):
        width, height = float(size[0]), float(size[1])
    else:
        width = max((x + w for fr in frames for x, _, w, *_ in fr), default=1)
        height = max((y + h for fr in frames for _, y, _, h, *_ in fr), default=1)
    limit = min(width, height) / 4

    # squarish small shapes -> (centre, colour, size)
    small = []
    for fr in frames:
        keep = []
        for x, y, w, h, r, g, b, _kind in fr:
            if 3 <= w <= limit and 3 <= h <= limit and 0.5 <= w / h <= 2:
                keep.append(((x + w / 2, y + h / 2), (r, g, b), max(w, h)))
        small.append(keep)

    colours = {c for fr in small for _, c, _ in fr}
    per_colour = {c: [frozenset(p for p, cc, _ in fr if cc == c) for fr in small] for c in colours}
    moves = [i for i in range(1, len(small)) if {p for p, _, _ in small[i]} != {p for p, _, _ in small[i - 1]}]
    movers, food = set(), set()
    for c, sets in per_colour.items():
        changed = sum(1 for i in moves if sets[i] != sets[i - 1])
        present = sum(1 for s in sets if s) / len(sets)
        if len(moves) >= 3 and changed >= 0.5 * len(moves):
            movers.add(c)
        elif present >= 0.3:
            food.add(c)
    snake = [frozenset(p for p, c, _ in fr if c in movers) for fr in small]
    seg_sizes = Counter(round(s) for fr in small for _, c, s in fr if c in movers)

    heads: list[tuple[int, tuple[float, float], tuple[float, float] | None]] = []  # frame, head, step vector
    steps: Counter = Counter()
    for i in range(1, len(snake)):
        new = snake[i] - snake[i - 1]
        if len(new) != 1 or not snake[i - 1]:
            continue
        (hx, hy), = new
        px, py = min(snake[i - 1], key=lambda p: (p[0] - hx) ** 2 + (p[1] - hy) ** 2)
        dx, dy = hx - px, hy - py
        if (dx == 0) != (dy == 0):  # a move along one axis
            steps[round(abs(dx) + abs(dy), 1)] += 1
            heads.append((i, (hx, hy), (dx, dy)))
        else:
            heads.append((i, (hx, hy), None))
    real_steps = [h for h in heads if h[2] is not None]
    probes = {}

    # ---- snake_moves
    positions = {h[1] for h in real_steps}
    if len(real_steps) >= 3:
        probes["snake_moves"] = {"passed": True, "detail": f"the head moved {len(real_steps)} times "
                                 f"over {len(positions)} cells; step {steps.most_common(1)[0][0]:g} px"}
    else:
        probes["snake_moves"] = _fail(f"the head moved {len(real_steps)} times in {len(frames)} frames{why}")

    # ---- grid_aligned
    if not steps:
        probes["grid_aligned"] = _fail("could not observe the snake moving, so there is no lattice to check" + why)
    else:
        step = steps.most_common(1)[0][0]
        seg = seg_sizes.most_common(1)[0][0] if seg_sizes else step
        if step < seg - 2:
            probes["grid_aligned"] = _fail(
                f"the snake moves {step:g} px per step but its segments are {seg} px: movement is not one cell per step")
        else:
            probes["grid_aligned"] = _lattice(step, snake, [
                frozenset(p for p, c, _ in fr if c in food) for fr in small])

    # ---- survives_wall
    band = max(steps.most_common(1)[0][0] if steps else 0, seg_sizes.most_common(1)[0][0] if seg_sizes else 0)
    probes["survives_wall"] = _wall(heads, band, width, height, steps, crashed, why, len(frames))
    return probes


def _residue(v: float, step: float) -> float:
    return v % step


def _near(a: float, b: float, step: float, tol: float = 1.01) -> bool:
    d = abs(a - b) % step
    return min(d, step - d) <= tol


def _lattice(step: float, snake: list, food: list) -> dict:
    sx = Counter(round(_residue(x, step), 1) for s in snake for x, _ in s)
    sy = Counter(round(_residue(y, step), 1) for s in snake for _, y in s)
    ox, oy = sx.most_common(1)[0][0], sy.most_common(1)[0][0]
    pts = [p for s in snake for p in s]
    off = [p for p in pts if not (_near(p[0], ox, step) and _near(p[1], oy, step))]
    if len(off) > 0.05 * len(pts):
        return _fail(f"snake segments are not on one {step:g}-px lattice ({len(off)} of {len(pts)} off it)")
    fpts = {p for s in food for p in s}
    if not fpts:
        return {"passed": True, "detail": f"snake on a {step:g}-px lattice at offset ({ox:g}, {oy:g}); no food identified"}
    bad = [p for p in fpts if not (_near(p[0], ox, step) and _near(p[1], oy, step))]
    if bad:
        fx, fy = bad[0]
        return _fail(f"food/items centred at x≡{_residue(fx, step):g}, y≡{_residue(fy, step):g} (mod {step:g}) but "
                     f"the snake at x≡{ox:g}, y≡{oy:g}: the snake can never reach {len(bad)} of {len(fpts)} food positions")
    return {"passed": True, "detail": f"snake and {len(fpts)} food/item/tile positions share a {step:g}-px lattice "
            f"at offset ({ox:g}, {oy:g})"}


def _wall(heads, band, width, height, steps, crashed, why, n_frames) -> dict:
    if not steps:
        return _fail("the snake never moved, so it never reached a wall" + why)
    step = band  # a border cell: the head centre within one cell of the edge
    # walls drawn inside the window: the farthest the head ever got on an axis, where it stopped
    xs, ys = [h[1][0] for h in heads], [h[1][1] for h in heads]
    gaps = sorted(b[0] - a[0] for a, b in zip(heads, heads[1:]))
    usual_gap = gaps[len(gaps) // 2] if gaps else 1
    for idx, (i, (hx, hy), vec) in enumerate(heads):
        if vec is None:
            continue
        dx, dy = vec
        off_board = hx < 0 or hy < 0 or hx > width or hy > height
        if off_board:
            return _fail(f"the snake left the board at ({hx:g}, {hy:g}) instead of hitting the wall")
        nxt = heads[idx + 1] if idx + 1 < len(heads) else None
        at_edge = (dx < 0 and hx < step) or (dx > 0 and hx > width - step) or \
                  (dy < 0 and hy < step) or (dy > 0 and hy > height - step)
        extreme = (dx < 0 and hx <= min(xs) + 0.5) or (dx > 0 and hx >= max(xs) - 0.5) or \
                  (dy < 0 and hy <= min(ys) + 0.5) or (dy > 0 and hy >= max(ys) - 0.5)
        stopped = nxt is None or nxt[2] is None or nxt[0] - i > 3 * usual_gap
        if not (at_edge or (extreme and stopped)):
            continue
        after = n_frames - 1 - i
        if nxt is not None and nxt[2] is not None and nxt[2] == vec:
            hx2, hy2 = nxt[1]
            if hx2 < 0 or hy2 < 0 or hx2 > width or hy2 > height:
                return _fail(f"the snake left the board at ({hx2:g}, {hy2:g}) instead of hitting the wall")
        if crashed:
            return _fail(f"the snake reached the wall at frame {i}, then the program stopped{why}")
        if after < 3:
            return _fail(f"the snake reached the wall at frame {i} and the program stopped drawing ({after} frames after)")
        what = "wrapped around" if nxt is not None and nxt[2] is None else "kept running (game over or restart)"
        return {"passed": True, "detail": f"the snake reached the wall at ({hx:g}, {hy:g}) at frame {i} and the game "
                f"{what}: {after} more frames drawn"}
    return _fail("the snake never reached a wall during the scripted run" + why)

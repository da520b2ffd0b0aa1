"""Behavioural probes for the Snake task, computed from the draw trace the game shim recorded.

The trace is untrusted data from the sandbox: it is validated here and size-capped by the runner.
Each probe returns ``{"passed": True | False | None, "detail": str}``; ``None`` means "not judged":
the probe could not see what it needs (no snake identified, the wall never reached), so the
static verdict stands. Every detail says what was observed.

How the trace is read (drawtrace.py records what the display shows, whatever drew it)
* shapes: squarish shapes at most a quarter of the window (rects, circles, fills, blitted
  sprites and images): snake segments, food, items and tiles; text is not recorded, lines and
  backgrounds fall outside;
* the snake: the colour whose cells most often change by exactly one new cell next to the old
  ones, plus the colours (of the same cell size) that change with it (a head or a gradient);
  a step is the new cell's distance to the nearest cell of the frame before. It is only taken
  for the snake if it turned with the scripted arrow keys or has a body of several cells;
  otherwise (a start menu's animation, nothing drawn where the probe can see it) nothing is judged;
* only frames where the snake stepped are used for the lattice and the food, so start menus and
  game-over screens (however many frames they redraw) do not count;
* food/items/tiles: other shapes of about the snake's cell size present in at least 30% of those
  frames that rarely move (animations and eyes move with the snake, they are not food).

Probes
* ``snake_moves``   the head took at least 3 steps.
* ``grid_aligned``  one cell per step (step >= segment size - 2 px), and every snake segment and
  every food/item/tile centre lies on one lattice: the same spacing (the step) and the same offset
  on each axis (+-1 px).
* ``survives_wall`` the head reached a wall moving outward (the scripted input steers into the left
  wall): a border cell of the window, one cell past it (games that move before they check), or for
  walls drawn inside the window the farthest point it reached on that axis; then the round ended:
  the snake stopped moving or disappeared (game over), was reset, or the program exited cleanly.
  Fails when the head leaves the board, wraps around to the other side, or the program crashes
  there; not judged when the snake never reached a wall.
"""

from __future__ import annotations

from collections import Counter

PROBES = ("grid_aligned", "snake_moves", "survives_wall")
FAILED_RUN = ("crashed", "killed", "timeout")
NOT_OBSERVED = ("cut_off", "error")


def _shape(s) -> tuple | None:
    if isinstance(s, (list, tuple)) and len(s) == 8 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in s[:7]):
        return tuple(s[:7]) + (str(s[7]),)
    return None


def _frames(trace: list) -> list[tuple[float, frozenset]]:
    """(game time, shapes) per frame; frames come either whole (``s``) or as shapes added (``a``)
    and removed (``r``) since the previous frame."""
    out: list[tuple[float, frozenset]] = []
    cur: set = set()
    for msg in trace:
        for fr in (msg.get("frames") if isinstance(msg, dict) else None) or ():
            if not isinstance(fr, dict) or not isinstance(fr.get("t"), (int, float)) or isinstance(fr["t"], bool):
                continue
            if "s" in fr:
                cur = {s for s in map(_shape, fr.get("s") or ()) if s}
            else:
                cur -= {s for s in map(_shape, fr.get("r") or ()) if s}
                cur |= {s for s in map(_shape, fr.get("a") or ()) if s}
            out.append((float(fr["t"]), frozenset(cur)))
    return out


def _result(passed, detail: str) -> dict:
    return {"passed": passed, "detail": detail}


def _near(a: float, b: float, step: float, tol: float = 1.01) -> bool:
    d = abs(a - b) % step
    return min(d, step - d) <= tol


def _script_time(script: dict | None, names: tuple) -> float | None:
    keys = (script or {}).get("keys") or []
    times = [float(t) for t, k in keys if k in names]
    return min(times) if times else None


def analyse(trace: list, size: list | None = None, status: str = "ok", exception: str | None = None,
            script: dict | None = None) -> dict:
    if script is None:
        from .sandboxed.gameshim import DEFAULT_SCRIPT as script
    frames = _frames(trace)
    failed = status in FAILED_RUN
    why = f" (program {status}{': ' + exception if exception else ''})" if status != "ok" else ""
    if status in NOT_OBSERVED:  # how far such a run got depends on the machine, not the program
        msg = f"the run was cut short for a reason that is not the program's ({status}): not judged"
        return {name: _result(None, msg) for name in PROBES}
    if not frames:
        msg = "no frame was drawn" + why
        return {"snake_moves": _result(False if failed else None, msg),
                "grid_aligned": _result(None, msg), "survives_wall": _result(None, msg)}
    if size and len(size) == 2 and all(isinstance(v, (int, float)) and v > 0 for v in size):
        width, height = float(size[0]), float(size[1])
    else:
        width = max((s[0] + s[2] for _, fr in frames for s in fr), default=1)
        height = max((s[1] + s[3] for _, fr in frames for s in fr), default=1)
    limit = min(width, height) / 4
    times = [t for t, _ in frames]

    # cell-sized squarish shapes per frame: colour -> {centre: size}
    cells: list[dict] = []
    cache: dict = {}
    for _, fr in frames:
        got = cache.get(fr)
        if got is None:
            got = {}
            for x, y, w, h, r, g, b, _kind in sorted(fr):  # sorted: the same result whatever the hash seed
                if 3 <= w <= limit and 3 <= h <= limit and 0.5 <= w / h <= 2:
                    at = got.setdefault((r, g, b), {})
                    at[(x + w / 2, y + h / 2)] = max(w, h, at.get((x + w / 2, y + h / 2), 0))
            got = cache[fr] = got
        cells.append(got)
    snake = _find_snake(cells, times, script)
    span = f"{len(frames)} frames over {times[-1] - times[0]:.1f} s of game time"
    glide = _glider(cells, times, script) if snake is None or isinstance(snake, str) else None
    if glide is not None:
        moved = f"its {glide['cells']} cells glide {glide['speed']:g} px per frame ({glide['how']}; {span})"
        return {"snake_moves": _result(True, f"the snake moved in {glide['frames']} frames: {moved}"),
                "grid_aligned": _result(False, f"the snake moves by pixels, not one cell per step: {moved}, "
                                               f"its segments are {glide['seg']} px"),
                "survives_wall": _result(None, "not judged: the head is only followed for snakes that move "
                                               f"cell by cell, and {moved}")}
    if snake is None or isinstance(snake, str):
        seen = snake or ("nothing cell-sized was drawn on the display (only text, lines or large images)"
                         if not any(cells) else "no shape moved one cell at a time like a snake")
        msg = f"no snake identified in {span}: {seen}; a start menu the scripted keys (Enter, Space, " \
              f"arrows) did not start, or a snake drawn in a way the probe cannot see{why}"
        return {"snake_moves": _result(False if failed else None, msg),
                "grid_aligned": _result(None, msg), "survives_wall": _result(None, msg)}

    steps = snake["steps"]
    step, seg = snake["step"], snake["seg"]
    probes = {"snake_moves": _result(True, f"the head moved {len(steps)} times over "
                                     f"{len({e['pos'] for e in steps})} cells, {step:g} px per step "
                                     f"({snake['how']}; {span})")}
    probes["grid_aligned"] = _grid(snake, cells, step, seg)
    probes["survives_wall"] = _wall(snake, frames, width, height, status, why, script)
    return probes


def _find_snake(cells: list[dict], times: list[float], script) -> dict | str | None:
    """The player's snake: colours, per-frame cells, and its moves (see the module docstring)."""
    n = len(cells)
    colours = sorted({c for fr in cells for c in fr})
    if not colours:
        return None
    empty: dict = {}
    per = {c: [frozenset(fr.get(c, empty)) for fr in cells] for c in colours}

    def axis_steps(sets: list) -> dict[int, float]:
        got = {}
        for i in range(1, n):
            a, b = sets[i], sets[i - 1]
            if a is b or a == b or not b:
                continue
            new, gone = a - b, b - a
            if len(new) != 1 or len(gone) > 1:
                continue
            (hx, hy), = new
            px, py = min(b, key=lambda p: (p[0] - hx) ** 2 + (p[1] - hy) ** 2)
            dx, dy = hx - px, hy - py
            if (dx == 0) != (dy == 0):
                got[i] = abs(dx) + abs(dy)
        return got

    stepped = {c: axis_steps(per[c]) for c in colours}
    # several shapes may step (a menu's hopping square, then the snake): identify each candidate and
    # keep the most snake-like (turned with the keys > has a body > hops a whole cell), then the busiest
    candidates = sorted((c for c in colours if len(stepped[c]) >= 3), key=lambda c: (-len(stepped[c]), c))[:6]
    found = [_identify(c, cells, times, script, per, stepped, colours) for c in candidates]
    snakes = [f for f in found if isinstance(f, dict)]
    if snakes:
        return max(snakes, key=lambda f: (f["rank"], len(f["steps"])))
    return next((f for f in found if isinstance(f, str)), None)


def _identify(primary, cells: list[dict], times: list[float], script, per: dict, stepped: dict,
              colours: list) -> dict | str | None:
    """The snake whose main colour is ``primary``, with the colours that move with it."""
    n, empty = len(cells), {}
    sizes = Counter(round(s) for fr in cells for s in fr.get(primary, empty).values())
    seg = sizes.most_common(1)[0][0]
    prim_changes = {i for i in range(1, n) if per[primary][i] != per[primary][i - 1]}
    group = {primary}
    for c in colours:
        if c == primary:
            continue
        csizes = Counter(round(s) for fr in cells for s in fr.get(c, empty).values())
        csize = csizes.most_common(1)[0][0]
        if not 0.6 * seg <= csize <= seg / 0.6:
            continue
        changes = {i for i in range(1, n) if per[c][i] != per[c][i - 1]}
        # a head or another segment colour moves like the snake: one cell at a time, with it
        # (tiles of a checkerboard the snake covers change with it too, but never step)
        if changes and len(stepped[c]) >= 0.5 * len(changes) and len(changes & prim_changes) >= 0.5 * len(changes) \
                and len(changes & set(stepped[primary])) >= 0.3 * len(stepped[primary]):
            group.add(c)
    lo, hi = 0.6 * seg, seg / 0.6
    body = [frozenset(p for c in group for p, s in fr.get(c, empty).items() if lo <= s <= hi) for fr in cells]

    # moves of the whole snake: one new cell next to the old ones (a step), one new cell elsewhere
    # (a jump: wrap-around or a reset), or any other change (reset, vanished, redrawn)
    events = []
    mags: Counter = Counter()
    for i in range(1, n):
        a, b = body[i], body[i - 1]
        if a == b:
            continue
        # a cell within a pixel of an old one is the same cell: a head drawn with another inset than the
        # body (22 px head, 21 px segments) has its centre half a pixel off when the body takes its place
        new = {p for p in a - b if not any(abs(p[0] - q[0]) <= 1.0 and abs(p[1] - q[1]) <= 1.0 for q in b)}
        if len(new) == 1 and b:
            (hx, hy), = new
            px, py = min(b, key=lambda p: (p[0] - hx) ** 2 + (p[1] - hy) ** 2)
            dx, dy = hx - px, hy - py
            ev = {"i": i, "t": times[i], "pos": (hx, hy), "vec": (dx, dy), "len": len(a)}
            if (dx == 0) != (dy == 0):
                mags[round(abs(dx) + abs(dy), 1)] += 1
            events.append(ev)
        else:
            events.append({"i": i, "t": times[i], "pos": None, "vec": None, "len": len(a)})
    if not mags:
        return None
    step = mags.most_common(1)[0][0]
    for ev in events:
        v = ev["vec"]
        if v is None:
            ev["kind"] = "change"
        elif (v[0] == 0) != (v[1] == 0) and abs(abs(v[0]) + abs(v[1]) - step) <= max(0.3 * step, 1.0):
            ev["kind"] = "step"
        else:
            ev["kind"] = "jump"
    steps = [e for e in events if e["kind"] == "step"]
    if len(steps) < 3:
        return None

    # is it the player's snake? it turned with the arrow keys, or it has a body
    how, rank = [], 0
    for names, want in ((("up", "w"), lambda v: v[1] < 0), (("left", "a"), lambda v: v[0] < 0)):
        t0 = _script_time(script, names)
        if t0 is not None and any(t0 <= e["t"] <= t0 + 2.0 and want(e["vec"]) for e in steps):
            how.append(f"turned with the {names[0].upper()} key")
            rank = 2
    chained = sum(1 for e in steps if e["len"] >= 2 and _connected(body[e["i"]], step))
    if chained >= 0.5 * len(steps):
        how.append(f"a body of {max(e['len'] for e in steps)} cells at most")
        rank = max(rank, 1)
    if not how and step >= seg - 2:
        how.append("moves a whole cell at a time")
    if not how:
        return (f"a single shape moved {len(steps)} times by {step:g} px (less than its {seg} px size) and never "
                f"turned with the scripted arrow keys: an animation, not a snake")
    gaps = sorted(b["t"] - a["t"] for a, b in zip(steps, steps[1:]) if b["t"] > a["t"])
    return {"colours": group, "body": body, "events": events, "steps": steps, "step": step,
            "seg": seg, "how": ", ".join(how), "gap": gaps[len(gaps) // 2] if gaps else 0.1,
            "per": per, "times": times, "rank": rank}


def _glider(cells: list[dict], times: list[float], script) -> dict | None:
    """A snake that moves by pixels with its whole body: in most frames where its cells change,
    every cell that moved is a few pixels (at most half its size) from where a cell was, along
    one axis, and it turned with the scripted arrow keys."""
    n = len(cells)
    best = None
    for c in sorted({c for fr in cells for c in fr}):
        sizes = Counter(round(s) for fr in cells for s in fr.get(c, {}).values())
        seg = sizes.most_common(1)[0][0]
        glides, changes = {}, 0
        for i in range(1, n):
            a, b = cells[i].get(c, {}), cells[i - 1].get(c, {})
            if a.keys() == b.keys() or not b:
                continue
            changes += 1
            moved = [p for p in a if p not in b]
            if len(a) < 2 or abs(len(a) - len(b)) > 1 or not moved:
                continue
            vecs = []
            for hx, hy in moved:
                px, py = min(b, key=lambda p: (p[0] - hx) ** 2 + (p[1] - hy) ** 2)
                dx, dy = hx - px, hy - py
                if (dx == 0) == (dy == 0) or abs(dx) + abs(dy) > 0.5 * seg:
                    break
                vecs.append((dx, dy))
            else:
                glides[i] = vecs
        if len(glides) >= 10 and len(glides) >= 0.5 * changes and (best is None or len(glides) > len(best[1])):
            best = (c, glides, seg)
    if best is None:
        return None
    c, glides, seg = best
    how = []
    for names, want in ((("up", "w"), lambda v: v[1] < 0), (("left", "a"), lambda v: v[0] < 0)):
        t0 = _script_time(script, names)
        if t0 is None:
            continue
        before = any(t0 - 1.0 <= times[i] < t0 and any(want(v) for v in vecs) for i, vecs in glides.items())
        after = any(t0 <= times[i] <= t0 + 2.0 and any(want(v) for v in vecs) for i, vecs in glides.items())
        if after and not before:  # a change of direction, not an animation that always moves that way
            how.append(f"turned with the {names[0].upper()} key")
    if not how:
        return None
    speeds = Counter(round(abs(dx) + abs(dy), 1) for vecs in glides.values() for dx, dy in vecs)
    return {"frames": len(glides), "speed": speeds.most_common(1)[0][0], "seg": seg, "how": ", ".join(how),
            "cells": max(len(cells[i].get(c, ())) for i in glides)}


def _clamped(body: list, events: list, k: int) -> bool:
    """After event k the body loses its tail cell by cell while the head stays put (a head held at
    the edge, not a game over: an overlay hiding part of the snake does it once, not repeatedly)."""
    head, prev, shrinks = events[k]["pos"], body[events[k]["i"]], 0
    for ev in events[k + 1:k + 3]:
        cur = body[ev["i"]]
        if ev["kind"] != "change" or not (cur < prev and len(prev - cur) == 1 and head in cur):
            break
        prev, shrinks = cur, shrinks + 1
    return shrinks >= 2


def _connected(cells: frozenset, step: float) -> bool:
    """Every cell has a neighbour one step away (a snake's body, not scattered shapes)."""
    pts = list(cells)
    tol = max(0.3 * step, 1.0)
    for x, y in pts:
        if not any(abs(abs(x - u) + abs(y - v) - step) <= tol and (abs(x - u) <= tol or abs(y - v) <= tol)
                   for u, v in pts if (u, v) != (x, y)):
            return False
    return True


def _grid(snake: dict, cells: list[dict], step: float, seg: int) -> dict:
    steps = snake["steps"]
    frames_used = sorted({e["i"] for e in steps})
    t0, t1 = snake["times"][frames_used[0]], snake["times"][frames_used[-1]]
    seen = f"{len(steps)} moves between {t0:.1f} s and {t1:.1f} s"
    if step < seg - 2:
        return _result(False, f"the head moves {step:g} px per step but its segments are {seg} px: it moves "
                              f"by pixels, not one cell per step ({seen})")
    pts = [p for i in frames_used for p in snake["body"][i]]
    sx = Counter(round(x % step, 1) for x, _ in pts)
    sy = Counter(round(y % step, 1) for _, y in pts)
    ox, oy = sx.most_common(1)[0][0], sy.most_common(1)[0][0]
    off = [p for p in pts if not (_near(p[0], ox, step) and _near(p[1], oy, step))]
    if len(off) > 0.05 * len(pts):
        return _result(False, f"snake segments are not on one {step:g}-px lattice: {len(off)} of {len(pts)} "
                              f"segment positions off it ({seen})")

    # food, items and tiles: other cell-sized shapes present in >= 30% of the move frames that rarely move
    per, empty = snake["per"], frozenset()
    fpts: set = set()
    for c, sets in per.items():
        if c in snake["colours"]:
            continue
        present = [sets[i] for i in frames_used if sets[i]]
        if len(present) < 0.3 * len(frames_used):
            continue
        moved = sum(1 for a, b in zip(present, present[1:]) if a != b)
        if moved > 0.2 * max(len(present) - 1, 1):
            continue
        sizes = Counter(round(cells[i][c][p]) for i in frames_used for p in sets[i] or empty)
        if not 0.5 * seg <= sizes.most_common(1)[0][0] <= 2 * seg:
            continue
        for s in present:
            fpts |= s
    if not fpts:
        return _result(True, f"snake on a {step:g}-px lattice at offset ({ox:g}, {oy:g}), one cell per step; "
                             f"no food identified ({seen})")
    bad = sorted(p for p in fpts if not (_near(p[0], ox, step) and _near(p[1], oy, step)))
    if bad:
        fx, fy = bad[0]
        return _result(False, f"food/items centred at x≡{fx % step:g}, y≡{fy % step:g} (mod {step:g}) but the snake "
                              f"at x≡{ox:g}, y≡{oy:g}: the snake can never reach {len(bad)} of {len(fpts)} "
                              f"food/item positions, e.g. ({fx:g}, {fy:g}) ({seen})")
    return _result(True, f"snake and {len(fpts)} food/item/tile positions share a {step:g}-px lattice at offset "
                         f"({ox:g}, {oy:g}), one cell per step ({seen})")


class _WallRun:
    """What the wall verdict reads from one scripted run: the snake's events and how the run ended."""

    def __init__(self, snake: dict, frames: list, width: float, height: float, status: str, why: str, script):
        self.snake, self.width, self.height, self.status, self.why = snake, width, height, status, why
        self.events, self.step = snake["events"], snake["step"]
        self.long_gap = max(3 * snake["gap"], 0.5)
        self.xs = [e["pos"][0] for e in snake["steps"]]
        self.ys = [e["pos"][1] for e in snake["steps"]]
        self.last_t = frames[-1][0]
        self.quit_at = float((script or {}).get("quit_at", 10.0))

    def outside(self, p) -> bool:
        return p[0] < 0 or p[1] < 0 or p[0] > self.width or p[1] > self.height

    def after(self, k: int) -> tuple[str | None, str]:
        """What followed event k: ("end", how) when the round ended, ("wrap"|"on"|"crash", how) otherwise."""
        events, last_t, status, why, long_gap = self.events, self.last_t, self.status, self.why, self.long_gap
        e = events[k]
        nxt = events[k + 1] if k + 1 < len(events) else None
        if nxt is None:
            if last_t - e["t"] < 1.0 and last_t < self.quit_at - 0.05:  # the frames stopped right there
                if status in FAILED_RUN:
                    return "crash", f"then the program stopped{why}"
                return "end", f"then the program drew no more frames and ended without error (exit or " \
                              f"waiting at {last_t:.1f} s)"
            if last_t - e["t"] <= long_gap:
                return "on", "the run ended before anything else happened"
            later = f", and the program later stopped{why}" if status in FAILED_RUN else ""
            return "end", f"then the snake stopped moving for the remaining {last_t - e['t']:.1f} s (game over){later}"
        if nxt["t"] - e["t"] > long_gap:
            return "end", f"then the snake stopped moving for {nxt['t'] - e['t']:.1f} s (game over, then a restart)"
        if nxt["kind"] == "change":
            if _clamped(self.snake["body"], events, k):
                return "on", "its body shrank behind a head that stayed at the edge"
            return "end", f"then the snake {'disappeared' if not nxt['len'] else 'was redrawn elsewhere (reset)'} " \
                          f"at {nxt['t']:.1f} s"
        if nxt["kind"] == "jump":
            return self._after_jump(e, nxt)
        return "on", "it kept moving"

    def _after_jump(self, e: dict, nxt: dict) -> tuple[str, str]:
        """A head that jumped after event e: a wrap to the far side, or a reset."""
        xs, ys, width, height, step = self.xs, self.ys, self.width, self.height, self.step
        (x0, y0), (x1, y1) = e["pos"], nxt["pos"]
        dx, dy = e["vec"]
        # the far side of the window, or of the board the head has crossed (a board smaller
        # than the window), in the same row or column: a wrap, not a reset to the start
        span_x, span_y = 0.6 * (max(xs) - min(xs)), 0.6 * (max(ys) - min(ys))
        opposite = (dx < 0 and (x1 > width - step or x1 - x0 > span_x) and abs(y1 - y0) < step / 2) or \
                   (dx > 0 and (x1 < step or x0 - x1 > span_x) and abs(y1 - y0) < step / 2) or \
                   (dy < 0 and (y1 > height - step or y1 - y0 > span_y) and abs(x1 - x0) < step / 2) or \
                   (dy > 0 and (y1 < step or y0 - y1 > span_y) and abs(x1 - x0) < step / 2)
        if opposite and nxt["len"] >= e["len"]:
            return "wrap", f"then it wrapped around to ({x1:g}, {y1:g}) on the other side"
        return "end", f"then the snake was reset to ({x1:g}, {y1:g}) at {nxt['t']:.1f} s"

    def past_edge(self, k: int, where: str) -> dict:
        """The verdict for a head drawn outside the window at event k."""
        events, e = self.events, self.events[k]
        # games that move before they check draw the head one or two cells past the edge
        j, past = k, 1
        while past < 3 and j + 1 < len(events):
            nxt = events[j + 1]
            if nxt["kind"] != "step" or nxt["vec"] != e["vec"] or not self.outside(nxt["pos"]) \
                    or nxt["t"] - events[j]["t"] > self.long_gap:
                break
            j, past = j + 1, past + 1
        what, how = self.after(j)
        cells = "one cell" if past == 1 else f"{past} cells"
        if what == "end" and past <= 2:
            return _result(True, f"the head moved {cells} past the edge, to {where} first, {how}: the round "
                                 f"ended at the wall")
        if what == "crash":
            return _result(False, f"the head moved past the edge to {where}, {how}")
        if what == "wrap":
            return _result(False, f"the head moved past the edge to {where}, {how}: the wall does not end the round")
        return _result(False, f"the snake left the board at {where} and kept moving ({past} cells past the "
                              f"edge) instead of hitting a wall")


def _wall(snake: dict, frames: list, width: float, height: float, status: str, why: str, script) -> dict:
    run = _WallRun(snake, frames, width, height, status, why, script)
    xs, ys = run.xs, run.ys
    band = max(run.step, snake["seg"])  # the border cell: the head's near side within one cell of the edge
    half = snake["seg"] / 2
    for k, e in enumerate(run.events):
        if e["kind"] != "step":
            continue
        (hx, hy), (dx, dy) = e["pos"], e["vec"]
        at_edge = (dx < 0 and hx - half < band) or (dx > 0 and hx + half > width - band) or \
                  (dy < 0 and hy - half < band) or (dy > 0 and hy + half > height - band)
        extreme = (dx < 0 and hx <= min(xs) + 0.5) or (dx > 0 and hx >= max(xs) - 0.5) or \
                  (dy < 0 and hy <= min(ys) + 0.5) or (dy > 0 and hy >= max(ys) - 0.5)
        where = f"({hx:g}, {hy:g}) at {e['t']:.1f} s (frame {e['i']})"
        if run.outside(e["pos"]):
            return run.past_edge(k, where)
        if not (at_edge or extreme):
            continue
        what, how = run.after(k)
        if what == "on" or (what == "crash" and not at_edge):  # a crash away from the edge is not a wall
            continue
        if what == "crash":
            return _result(False, f"the head reached the wall at {where}, {how}")
        if what == "wrap":
            return _result(False, f"the head reached the edge at {where}, {how}: the wall does not end the round")
        place = "the wall" if at_edge else "the farthest point it ever reached on that axis (a wall inside the window)"
        return _result(True, f"the head reached {place} at {where}, {how}: the round ended at the wall")
    far = f"x {min(xs):g}..{max(xs):g}, y {min(ys):g}..{max(ys):g} of a {width:g}x{height:g} window"
    return _result(None, f"the snake never reached a wall during the scripted run (its head stayed within {far}){why}")

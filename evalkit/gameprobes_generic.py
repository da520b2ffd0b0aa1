"""Game probes for any pygame game (the apps suite), read from the draw trace the game shim recorded.

A rubric turns them on with ``game_probes`` (names, or name -> parameters) and may give the game
its own scripted keys with ``script`` (merged over the shim's DEFAULT_SCRIPT: ``keys`` as
``[time, key]`` or ``[time, key, seconds held]``). Like the Snake probes (gameprobes.py) each
returns ``{"passed": True | False | None, "detail": str}``; None is "not judged" with the reason.

Objects are the trace's shapes grouped by colour and size (a paddle, a ball, a row of invaders,
the tiles of one value); a group's position in a frame is the centre of its shapes.

* ``frames_drawn``       the game drew at least ``min_frames`` frames with shapes in them.
* ``responds_to_input``  after a scripted key the picture changes differently than without one:
  for each group, what it does in the ``window`` s before a key (still, moving which way, shapes
  added or removed) is compared with what it does in the window after; the same comparison at
  times far from any key is the baseline. Passes when some group changes after at least half the
  keys and clearly more often than at the baseline times. With ``kick: up`` (a flap, a jump) a group
  pushed upwards also counts, though it keeps going the same way (a bird flapping while it still rises).
  A run that crashes or hangs at the first press of one of the keys fails: that key's own code breaks.
* ``moves_on_lattice``   the most numerous group size that moves (tiles, invaders) only ever sits
  on one lattice: on each axis one spacing and one offset (+-1 px), the spacing at least
  ``min_step`` times the object's size; fails on positions every few pixels (movement by a speed).
  ``mode: steps`` (a formation whose members need not share one lattice): the group moves together
  in whole steps of at least ``min_step`` times its size; fails when it moves a pixel or two at a time.
* ``first_press_survives`` the game runs on after the first press of each of ``keys``; fails when the
  run crashed or hung right there (that key's own code breaks what it drives: Space that shoots raises
  a TypeError), not judged when the run ended before the key was pressed.
* ``round_ends``         the main moving object (one shape of its colour and size that moves the
  most: a ball, a bird) touches a window edge or another shape and then the round ends: it is reset
  (a jump across the window), disappears, or the game stops moving it (game over). Fails when it
  leaves the window and nothing ends the round, or the program crashes right there.
"""

from __future__ import annotations

from collections import Counter

from .gameprobes import FAILED_RUN, NOT_OBSERVED, _frames

PROBES = ("frames_drawn", "responds_to_input", "moves_on_lattice", "round_ends", "first_press_survives")
KEY_NAMES = ("up", "down", "left", "right", "p", "space", "return", "r", "escape", "w", "a", "c",
             "s", "d", "u", "b", "x", "z", "f")


def _result(passed, detail: str) -> dict:
    return {"passed": passed, "detail": detail}


def wanted(rubric) -> dict:
    """{probe name: parameters} the rubric asks for (unknown names are ignored)."""
    spec = rubric.get("game_probes") if isinstance(rubric, dict) else None
    if isinstance(spec, list):
        spec = {name: {} for name in spec if isinstance(name, str)}
    if not isinstance(spec, dict):
        return {}
    return {k: (v if isinstance(v, dict) else {}) for k, v in spec.items() if k in PROBES}


def script_for(rubric) -> dict | None:
    """The task's scripted input merged over the default one, or None (the default applies)."""
    from .sandboxed.gameshim import DEFAULT_SCRIPT

    spec = rubric.get("script") if isinstance(rubric, dict) else None
    if not isinstance(spec, dict):
        return None
    keys = []
    for k in spec.get("keys") or []:
        if isinstance(k, (list, tuple)) and 2 <= len(k) <= 3 and k[1] in KEY_NAMES and \
                all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (k[0], *k[2:])):
            keys.append([float(k[0]), k[1], *[float(v) for v in k[2:]]])
    out = {**DEFAULT_SCRIPT, "keys": keys or DEFAULT_SCRIPT["keys"]}
    if "random_keys" in spec:
        out["random_keys"] = spec["random_keys"] if isinstance(spec["random_keys"], dict) else None
    for name in ("quit_at", "seed"):
        if isinstance(spec.get(name), (int, float)) and not isinstance(spec.get(name), bool):
            out[name] = spec[name]
    return out


def _key_times(script: dict, names) -> list[float]:
    keys = [(float(k[0]), k[1]) for k in script.get("keys") or []]
    rk = script.get("random_keys")
    if isinstance(rk, dict):  # the same times the shim uses (their keys do not matter here)
        t = float(rk["start"])
        while t < float(rk["end"]):
            keys.append((t, "random"))
            t += float(rk["every"])
    return sorted(t for t, k in keys if not names or k in names)


def _groups(frames: list) -> tuple[list[dict], dict]:
    """Per frame: group -> sorted centres; and each group's size."""
    per, sizes = [], {}
    for _, fr in frames:
        g: dict = {}
        for x, y, w, h, r, gg, b, _kind in sorted(fr):
            key = (r, gg, b, round(w), round(h))
            g.setdefault(key, []).append((x + w / 2, y + h / 2))
            sizes[key] = max(w, h)
        per.append(g)
    return per, sizes


def _index_at(times: list[float], t: float) -> int | None:
    """The last frame shown at time t."""
    lo = None
    for i, ft in enumerate(times):
        if ft <= t + 1e-9:
            lo = i
        else:
            break
    return lo


def analyse(rubric, trace: list, size: list | None, status: str = "ok", exception: str | None = None,
            script: dict | None = None) -> dict:
    want = wanted(rubric)
    if not want:
        return {}
    if script is None:
        from .sandboxed.gameshim import DEFAULT_SCRIPT as script
    why = f" (program {status}{': ' + exception if exception else ''})" if status != "ok" else ""
    if status in NOT_OBSERVED:  # how far such a run got depends on the machine, not the program
        msg = f"the run was cut short for a reason that is not the program's ({status}): not judged"
        return {name: _result(None, msg) for name in want}
    frames = _frames(trace)
    drawn = [i for i, (_, fr) in enumerate(frames) if fr]
    out = {}
    if "frames_drawn" in want:
        n = int(want["frames_drawn"].get("min_frames", 30))
        if len(drawn) >= n:
            out["frames_drawn"] = _result(True, f"{len(drawn)} of {len(frames)} frames show shapes{why}")
        elif not frames:
            out["frames_drawn"] = _result(False if status in FAILED_RUN else None, f"no frame was drawn{why}")
        else:
            out["frames_drawn"] = _result(False, f"only {len(drawn)} of {len(frames)} frames show shapes "
                                                 f"(at least {n} expected){why}")
    rest = [name for name in want if name != "frames_drawn"]
    if not drawn:
        msg = f"nothing the probe can see was drawn ({len(frames)} frames: text, lines or nothing){why}"
        out.update({name: _result(None, msg) for name in rest})
        return out
    if size and len(size) == 2 and all(isinstance(v, (int, float)) and v > 0 for v in size):
        width, height = float(size[0]), float(size[1])
    else:
        width = max(s[0] + s[2] for _, fr in frames for s in fr)
        height = max(s[1] + s[3] for _, fr in frames for s in fr)
    times = [t for t, _ in frames]
    per, sizes = _groups(frames)
    if "responds_to_input" in want:
        out["responds_to_input"] = (_broke_at_first_press(times, script, want["responds_to_input"], status, why)
                                    or _responds(per, times, script, want["responds_to_input"], why))
    if "moves_on_lattice" in want:
        out["moves_on_lattice"] = _lattice(per, sizes, want["moves_on_lattice"], why)
    if "first_press_survives" in want:
        out["first_press_survives"] = _survives(times, script, want["first_press_survives"], status, why)
    if "round_ends" in want:
        out["round_ends"] = _round_ends(frames, per, sizes, times, width, height, status, why,
                                        _key_times(script, None))
    return out


# ---------------------------------------------------------------- responds to input
def _sig(a: list | None, b: list | None):
    """What a group did between two frames: absent, shapes added/removed, or moved which way."""
    if not a and not b:
        return None
    if not a or not b:
        return ("appears",) if b else ("vanishes",)
    if len(a) != len(b):
        return ("count", 1 if len(b) > len(a) else -1)
    if a == b:
        return ("still",)
    dx = sum(p[0] for p in b) / len(b) - sum(p[0] for p in a) / len(a)
    dy = sum(p[1] for p in b) / len(b) - sum(p[1] for p in a) / len(a)
    sgn = lambda v: 0 if abs(v) < 1.5 else (1 if v > 0 else -1)  # noqa: E731
    return ("move", sgn(dx), sgn(dy)) if (sgn(dx), sgn(dy)) != (0, 0) else ("redrawn",)


def _broke_at_first_press(times: list, script: dict, params: dict, status: str, why: str) -> dict | None:
    """A failed run whose last frame is the moment one of the keys was first pressed (or held): that
    key's own handler crashed or hung the game (`Space` shoots -> TypeError), so the keys do not work."""
    if status not in FAILED_RUN or not times:
        return None
    names = params.get("keys")
    first: dict = {}
    for k in sorted(script.get("keys") or [], key=lambda k: float(k[0])):
        if (not names or k[1] in names) and k[1] not in first:
            first[k[1]] = (float(k[0]), float(k[2]) if len(k) > 2 else 0.08)
    for name, (t0, hold) in sorted(first.items(), key=lambda kv: kv[1]):
        if t0 - 0.1 <= times[-1] <= t0 + hold + 0.1 and times[0] < t0 - 0.1:
            return _result(False, f"the program stopped right after the first scripted {name!r} press at {t0:g} s "
                                  f"(last frame at {times[-1]:.2f} s): the key's own code breaks the game{why}")
    return None


_KICK = {"up": (1, -1), "down": (1, 1), "left": (0, -1), "right": (0, 1)}


def _kicked(a: list | None, b: list | None, c: list | None, kick: str) -> bool:
    """The group's motion was pushed ``kick``-wards between the two windows (a flap or a jump: its speed
    that way grew by 3 px a window), though it may keep going the same way (a bird still rising)."""
    axis, sign = _KICK[kick]
    if not a or not b or not c or not len(a) == len(b) == len(c):
        return False
    pos = [sum(p[axis] for p in g) / len(g) for g in (a, b, c)]
    return sign * ((pos[2] - pos[1]) - (pos[1] - pos[0])) >= 3.0


def _survives(times: list, script: dict, params: dict, status: str, why: str) -> dict:
    broke = _broke_at_first_press(times, script, params, status, why)
    if broke is not None:
        return broke
    names = params.get("keys")
    firsts = sorted({float(k[0]) for k in script.get("keys") or [] if not names or k[1] in names})
    if firsts and times and times[-1] >= firsts[0] + 0.3:
        return _result(True, f"the game drew frames after the first press of {', '.join(names or ['each key'])}")
    return _result(None, f"the run ended before the keys were pressed{why}")


def _changed_groups(per: list, times: list, t: float, w: float, kick: str | None = None) -> set | None:
    """Groups whose behaviour in [t, t + w] differs from their behaviour in (t - w, t) (with ``kick``:
    also those pushed that way, see _kicked)."""
    i0, i1, i2 = _index_at(times, t - w), _index_at(times, t - 1e-3), _index_at(times, t + w)
    if i0 is None or i1 is None or i2 is None or i2 <= i1 or i1 <= i0:
        return None
    keys = set(per[i0]) | set(per[i1]) | set(per[i2])
    return {g for g in keys if _sig(per[i0].get(g), per[i1].get(g)) != _sig(per[i1].get(g), per[i2].get(g))
            or (kick in _KICK and _kicked(per[i0].get(g), per[i1].get(g), per[i2].get(g), kick))}


def _responds(per: list, times: list, script: dict, params: dict, why: str) -> dict:
    w = float(params.get("window", 0.25))
    kick = params.get("kick")
    keys = _key_times(script, params.get("keys"))
    after_key = [c for c in (_changed_groups(per, times, t, w, kick) for t in keys) if c is not None]
    # quiet moments: no key pressed, held or just released within a window of them
    held = {float(k[0]): float(k[2]) for k in script.get("keys") or [] if len(k) > 2}
    all_keys = _key_times(script, None)
    quiet, t = [], times[0] + w
    while t < times[-1] - w:
        if all(not (t - w - held.get(k, 0.08) - 0.05 <= k <= t + w + 0.05) for k in all_keys):
            c = _changed_groups(per, times, t, w, kick)
            if c is not None:
                quiet.append(c)
        t += 0.1
    if len(after_key) < 2 or len(quiet) < 2:
        return _result(None, f"the game drew frames around {len(after_key)} scripted keys and "
                             f"{len(quiet)} quiet moments (2 of each needed){why}")
    best = None
    for g in sorted(set().union(*after_key)):
        k_rate = sum(g in c for c in after_key) / len(after_key)
        q_rate = sum(g in c for c in quiet) / len(quiet)
        if best is None or k_rate - q_rate > best[0] - best[1]:
            best = (k_rate, q_rate, g)
    if best and best[0] >= 0.5 and best[0] - best[1] >= 0.3:
        k, q, g = best
        return _result(True, f"shapes of colour {g[:3]} ({g[3]}x{g[4]} px) changed what they do after "
                             f"{k:.0%} of {len(after_key)} scripted keys and at {q:.0%} of {len(quiet)} "
                             f"moments without a key")
    k, q = (best[0], best[1]) if best else (0.0, 0.0)
    return _result(False, f"nothing on screen reacts to the keys: after {len(after_key)} scripted keys the "
                          f"picture changed no more than without a key (best {k:.0%} vs {q:.0%}){why}")


# ---------------------------------------------------------------- lattice
def _axis(coords: list[float]) -> tuple[float | None, str]:
    """(lattice spacing, '') of distinct coordinates, or (None, why not)."""
    vals = sorted({round(c, 1) for c in coords})
    if len(vals) < 2:
        return 0.0, ""
    diffs = [b - a for a, b in zip(vals, vals[1:])]
    fine = sum(d <= 3.0 for d in diffs)
    if fine > 0.3 * len(diffs):
        return None, f"positions every {min(diffs):g}-3 px ({len(vals)} distinct): it moves by pixels"
    step = min(d for d in diffs if d > 3.0)
    offs = Counter(round(v % step, 1) for v in vals)
    off = offs.most_common(1)[0][0]
    bad = [v for v in vals if min(abs(v - off) % step, step - abs(v - off) % step) > 1.01]
    if len(bad) > 0.05 * len(vals):
        return None, f"{len(bad)} of {len(vals)} positions off the {step:g}-px lattice (e.g. {bad[0]:g})"
    return step, ""


def _lattice(per: list, sizes: dict, params: dict, why: str) -> dict:
    min_count = int(params.get("min_count", 4))
    min_step = float(params.get("min_step", 0.2))
    # shapes of one size (any colour): tiles of every value, every invader
    by_size: list[dict] = []
    for g in per:
        s: dict = {}
        for (r, gg, b, w, h), pts in g.items():
            s.setdefault((w, h), set()).update((round(x, 1), round(y, 1), r, gg, b) for x, y in pts)
        by_size.append(s)
    cands = []
    for dims in sorted({d for s in by_size for d in s}):
        seq = [frozenset(s.get(dims, ())) for s in by_size]
        moves = sum(1 for a, b in zip(seq, seq[1:]) if a != b and a and b)
        mean = sum(len(x) for x in seq) / len(seq)
        if moves >= 2 and mean >= min_count:
            cands.append((mean, moves, dims, seq))
    if not cands:
        return _result(None, f"no group of at least {min_count} same-sized shapes moved{why}")
    mean, moves, (w, h), seq = max(cands)
    pts = [p for fr in seq for p in fr]
    seen = f"{w}x{h} px shapes, {mean:.0f} a frame on average, changed in {moves} frames"
    if params.get("mode") == "steps":
        return _steps(seq, w, h, min_step, seen, why)
    steps = []
    for axis, size in ((0, w), (1, h)):
        step, bad = _axis([p[axis] for p in pts])
        if step is None:
            return _result(False, f"{seen}: {'x' if axis == 0 else 'y'} {bad}{why}")
        if step and step < min_step * size:
            return _result(False, f"{seen}: {'x' if axis == 0 else 'y'} positions on a {step:g}-px spacing, "
                                  f"less than {min_step:g} of the {size} px size: not one lattice cell at a time{why}")
        steps.append(step)
    return _result(True, f"{seen}: every position on a lattice of {steps[0]:g} x {steps[1]:g} px")


def _shift(a: frozenset, b: frozenset) -> tuple[int, int]:
    """How the group moved between two frames: the shift that maps the most shapes of ``b`` onto shapes
    of ``a`` (a shape shot away or added changes no majority; a step down smaller than the row spacing
    is not mistaken for the row below moving up)."""
    pa = {(round(p[0]), round(p[1])) for p in a}
    pb = sorted((round(p[0]), round(p[1])) for p in b)
    cands = {(bx - ax, by - ay) for bx, by in (pb[0], pb[len(pb) // 2]) for ax, ay in pa}
    return max(cands, key=lambda d: (sum((x - d[0], y - d[1]) in pa for x, y in pb), -abs(d[0]) - abs(d[1])))


def _steps(seq: list, w: float, h: float, min_step: float, why_seen: str, why: str) -> dict:
    """``mode: steps`` (a formation): the group moves together in whole steps, each at least ``min_step``
    x the shape's size on its axis, whatever the spacing between its members (a march step need not
    divide the column spacing, nor a step down the row spacing)."""
    shifts = []
    for a, b in zip(seq, seq[1:]):
        if a and b and a != b:
            d = _shift(a, b)
            if d != (0, 0):
                shifts.append(d)
                if len(shifts) >= 60:  # enough to tell steps from a glide
                    break
    if len(shifts) < 2:
        return _result(None, f"{why_seen}: the group moved as a whole only {len(shifts)} time(s){why}")
    small = [d for d in shifts if abs(d[0]) < min_step * w and abs(d[1]) < min_step * h]
    if len(small) > 0.2 * len(shifts):
        sizes = sorted({max(abs(d[0]), abs(d[1])) for d in small})
        return _result(False, f"{why_seen}: {len(small)} of {len(shifts)} moves of the group are "
                              f"{'/'.join(f'{v:g}' for v in sizes[:3])} px, less than {min_step:g} of its "
                              f"{w}x{h} px size: it moves by pixels, not in steps{why}")
    steps = sorted({f"{abs(d[0])}x{abs(d[1])}" for d in shifts if d not in small})
    return _result(True, f"{why_seen}: the group moves in whole steps ({', '.join(steps[:4])} px)")


# ---------------------------------------------------------------- round ends
def _mover(per: list, sizes: dict, times: list):
    """The group that is one shape in most frames and moves the most (a ball, a bird)."""
    best = None
    for g in sorted({g for fr in per for g in fr}):
        present = [i for i, fr in enumerate(per) if g in fr]
        single = [i for i in present if len(per[i][g]) == 1]
        if len(present) < 0.3 * len(per) or len(single) < 0.8 * len(present):
            continue
        d = []
        for i in single:
            if i > 0 and g in per[i - 1] and len(per[i - 1][g]) == 1:
                (x0, y0), (x1, y1) = per[i - 1][g][0], per[i][g][0]
                d.append(abs(x1 - x0) + abs(y1 - y0))
        moving = sorted(v for v in d if v > 0)
        if len(moving) < 10:
            continue
        med = moving[len(moving) // 2]
        travel = sum(v for v in moving if v <= max(4 * med, 2 * sizes[g]))
        if best is None or travel > best[0]:
            best = (travel, g, med)
    return best


def _round_ends(frames, per, sizes, times, width, height, status, why, keys=()) -> dict:
    found = _mover(per, sizes, times)
    if found is None:
        return _result(None, f"no single moving object (ball, player) to follow{why}")
    _, g, med = found
    size = sizes[g]
    name = f"the moving object (colour {g[:3]}, {g[3]}x{g[4]} px)"

    def contact(i: int) -> str | None:
        (cx, cy), = per[i][g]
        hw, hh = g[3] / 2, g[4] / 2
        if cx - hw <= 2 or cy - hh <= 2 or cx + hw >= width - 2 or cy + hh >= height - 2:
            return f"reached the window's edge at ({cx:g}, {cy:g}) at {times[i]:.1f} s"
        for x, y, w, h, *_c in frames[i][1]:
            if (round(w), round(h)) == (g[3], g[4]) and (x + w / 2, y + h / 2) == (cx, cy):
                continue
            if x - 2 <= cx + hw and cx - hw <= x + w + 2 and y - 2 <= cy + hh and cy - hh <= y + h + 2 \
                    and w * h < 0.25 * width * height:
                return f"touched a {w:g}x{h:g} shape at ({cx:g}, {cy:g}) at {times[i]:.1f} s"
        return None

    last_touch = None
    n = len(per)
    for i in range(1, n):
        prev = per[i - 1].get(g)
        if not prev or len(prev) != 1:
            continue
        touch = contact(i - 1)
        if touch:
            last_touch = (i - 1, touch)
        recent = last_touch is not None and i - 1 - last_touch[0] <= 3
        cur = per[i].get(g)
        (x0, y0), = prev
        if cur and len(cur) == 1:
            (x1, y1), = cur
            inside = 2 * size <= x1 <= width - 2 * size and 2 * size <= y1 <= height - 2 * size
            if recent and abs(x1 - x0) + abs(y1 - y0) > max(2 * size, 5 * med) and inside:  # (not pushed to an edge)
                return _result(True, f"{name} {last_touch[1]}, then it was reset to ({x1:g}, {y1:g}): the round ended")
            # stopped dead in full flight (not right after a key: a pause) and stayed put: game over,
            # also against an obstacle the trace cannot see (a pipe or ground taller than half the window)
            was = per[i - 2].get(g) if i >= 2 else None
            moving = was is not None and len(was) == 1 and abs(was[0][0] - x0) + abs(was[0][1] - y0) >= 1.5
            later = [j for j in range(i, n) if times[j] <= times[i] + 0.5]
            if moving and times[-1] - times[i] >= 0.5 and all(per[j].get(g) == [(x0, y0)] for j in later):
                if recent:
                    return _result(True, f"{name} {last_touch[1]}, then it stopped for at least 0.5 s (game over)")
                if not any(times[i] - 0.35 <= k <= times[i] for k in keys):
                    return _result(True, f"{name} stopped dead at ({x0:g}, {y0:g}) at {times[i]:.1f} s while moving, "
                                         f"with no key pressed, and stayed for at least 0.5 s (a collision: game over)")
        elif not cur and recent:
            back = [j for j in range(i, n) if times[j] <= times[i] + 0.3 and per[j].get(g)]
            if not back:
                return _result(True, f"{name} {last_touch[1]}, then it disappeared (the round ended)")
    # nothing ended a round: did it leave the window, or did the program stop at a contact?
    for i in range(n):
        pts = per[i].get(g)
        if pts and len(pts) == 1:
            cx, cy = pts[0]
            if cx < 0 or cy < 0 or cx > width or cy > height:
                where = f"{name} left the window at ({cx:g}, {cy:g}) at {times[i]:.1f} s"
                if times[-1] - times[i] < 0.5:  # the run ended right there
                    if status in FAILED_RUN:
                        return _result(False, f"{where}, then the program stopped{why}")
                    return _result(None, f"{where} and the run ended right after{why}")
                return _result(False, f"{where} and nothing ended the round{why}")
    if status in FAILED_RUN and last_touch is not None and times[-1] - times[last_touch[0]] < 0.5:
        return _result(False, f"{name} {last_touch[1]}, then the program stopped{why}")
    if last_touch is None:
        return _result(None, f"{name} never touched an edge or another shape{why}")
    return _result(None, f"{name} touched edges or shapes (last: {last_touch[1]}) but no miss "
                         f"or collision ended a round during the scripted run{why}")

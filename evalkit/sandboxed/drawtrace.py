"""What a pygame program shows on its display, as shapes per frame (loaded in the sandbox by gameshim).

Every surface the program draws on keeps a model of the opaque shapes on it, keyed by rect:
``pygame.draw.rect/circle/ellipse/polygon`` and ``gfxdraw.box/filled_*`` (filled only),
``Surface.fill(color, rect)``, and ``blit``/``blits`` (so ``sprite.Group.draw`` too).

* a shape, fill or blit that covers the whole surface clears it (a background fill or image);
  a shape in the background colour erases what it covers (old-style "draw the tail black");
  a later shape at the same rect replaces the earlier one (a checkerboard redrawn each frame);
* a small blitted surface (a sprite, an image, a one-colour ``Surface`` used as a cell) is one
  shape whose colour is the source's average colour: a stable identity for the same image;
* a large blitted surface the program drew on itself (``game_surface`` blitted to the screen)
  brings its shapes along, offset; a large image that covers the display is a background, a
  translucent one (per-pixel or surface alpha: a pause overlay) hides nothing;
* text (``Font.render`` results) is not a shape.

``pygame.display.set_mode`` returns an off-screen stand-in with the display's size and pixel
format (the dummy video driver shows nothing anyway), so fills and blits on the display can be
seen; ``display.get_surface`` returns it too. At each ``flip/update`` the runner gets the frame as
the shapes added and removed since the previous frame.

Standard library + pygame only.
"""

from __future__ import annotations

import weakref

MAX_SHAPES = 2000   # per surface; more is a pattern, not a game's objects
BIG_AREA = 4096     # a shape this large hides the smaller shapes it covers


class _Layer:
    __slots__ = ("shapes", "bg", "size", "version")

    def __init__(self, size):
        self.shapes: dict = {}   # (x, y, w, h) -> (x, y, w, h, r, g, b, kind)
        self.bg = None           # colour of the last fill that covered the surface
        self.size = size
        self.version = 0         # bumped by every change: keys the average-colour cache


def install(pygame) -> "Tracer":
    return Tracer(pygame)


class Tracer:
    def __init__(self, pygame):
        self.pg = pygame
        self.layers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.texts: weakref.WeakSet = weakref.WeakSet()
        self.colours: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # source -> (version, colour)
        self.display = None
        self.sent: frozenset = frozenset()
        self._last = (None, None)  # the surface drawn on last and its layer (most draws go to one)
        self._patch()

    # ---- the model
    def layer(self, surf) -> _Layer:
        last, lay = self._last
        if last is surf:
            return lay
        lay = self.layers.get(surf)
        if lay is None:
            lay = self.layers[surf] = _Layer(surf.get_size())
        self._last = (surf, lay)
        return lay

    def changed(self, surf) -> None:
        lay = self.layers.get(surf)
        if lay is not None:
            lay.version += 1

    def add(self, surf, x, y, w, h, rgb, kind) -> None:
        if w <= 0 or h <= 0:
            return
        lay = self.layer(surf)
        lay.version += 1
        sw, sh = lay.size
        if x <= 0 and y <= 0 and x + w >= sw and y + h >= sh:
            lay.shapes.clear()
            lay.bg = rgb
            return
        shapes = lay.shapes
        if rgb == lay.bg or w * h >= BIG_AREA:  # an eraser, or a panel that hides what it covers
            for key in [k for k in shapes if x <= k[0] and y <= k[1] and k[0] + k[2] <= x + w and k[1] + k[3] <= y + h]:
                del shapes[key]
            if rgb == lay.bg:
                return
        key = (x, y, w, h)
        shapes.pop(key, None)
        if len(shapes) < MAX_SHAPES:
            shapes[key] = (x, y, w, h, rgb[0], rgb[1], rgb[2], kind)

    def clear(self, surf, bg) -> None:
        lay = self.layer(surf)
        lay.shapes.clear()
        lay.bg = bg
        lay.version += 1

    def colour_of(self, src, area):
        if area is None:
            lay = self.layers.get(src)
            version = lay.version if lay is not None else -1
            got = self.colours.get(src)
            if got is None or got[0] != version:
                c = self.pg.transform.average_color(src)
                got = self.colours[src] = (version, (c[0], c[1], c[2]))
            return got[1]
        c = self.pg.transform.average_color(src, area)
        return (c[0], c[1], c[2])

    def blitted(self, dst, src, dest, area=None, flags=0) -> None:
        pg = self.pg
        self.changed(dst)  # its pixels changed, even when no shape is recorded (text, blending)
        if flags or src in self.texts:
            return
        if len(dest) == 2:  # a point (tuple, list, Vector2) or else a rect
            x, y = int(dest[0]), int(dest[1])
        else:
            r = pg.Rect(dest)
            x, y = r.x, r.y
        if area is not None:
            area = pg.Rect(area).clip(src.get_rect())
            w, h = area.size
        else:
            w, h = src.get_size()
        if w <= 0 or h <= 0:
            return
        dw, dh = dst.get_size()
        covers = x <= 0 and y <= 0 and x + w >= dw and y + h >= dh
        if w <= dw / 4 and h <= dh / 4:  # a sprite, an image or a cell: one shape
            self.add(dst, x, y, w, h, self.colour_of(src, area), "b")
            return
        src_layer = self.layers.get(src)
        see_through = src.get_flags() & pg.SRCALPHA or (src.get_alpha() or 255) < 255  # a pause overlay
        if covers and not see_through:
            self.clear(dst, src_layer.bg if src_layer is not None else None)
        if src_layer is None:
            return
        ax, ay = (area.x, area.y) if area is not None else (0, 0)
        for sx, sy, sw, sh, r, g, b, kind in list(src_layer.shapes.values()):
            if sx + sw <= ax or sy + sh <= ay or sx >= ax + w or sy >= ay + h:
                continue  # outside the part that was blitted
            self.add(dst, sx - ax + x, sy - ay + y, sw, sh, (r, g, b), kind)

    def frame(self) -> dict:
        """The display's shapes that a probe may use, as changes since the previous frame."""
        lay = self.layers.get(self.display) if self.display is not None else None
        shapes = frozenset(lay.shapes.values()) if lay is not None else frozenset()
        if shapes == self.sent:
            return {"a": [], "r": []}
        limit = max(lay.size) / 2 if lay is not None else 0

        def wanted(s) -> bool:  # lines and backgrounds are never a probe's business
            return min(s[2], s[3]) >= 2 and max(s[2], s[3]) <= limit

        added = sorted(s for s in shapes - self.sent if wanted(s))
        removed = sorted(s for s in self.sent - shapes if wanted(s))
        self.sent = shapes
        return {"a": [list(s) for s in added], "r": [list(s) for s in removed]}

    # ---- the patches
    def _patch(self) -> None:
        pg = self.pg
        tr = self
        real_surface = pg.Surface

        rgb_cache: dict = {}

        def rgb_of(color):
            try:
                return rgb_cache[color]
            except (KeyError, TypeError):  # new, or unhashable (a list)
                c = pg.Color(color)
                rgb = (c.r, c.g, c.b)
                if len(rgb_cache) < 4096:
                    try:
                        rgb_cache[color] = rgb
                    except TypeError:
                        pass
                return rgb

        def safely(fn, *a) -> None:
            try:
                fn(*a)
            except Exception:  # a trace must never change what the program sees
                pass

        class _Meta(type):
            def __instancecheck__(cls, obj):
                return isinstance(obj, real_surface)

            def __subclasscheck__(cls, sub):
                return issubclass(sub, real_surface)

        class Surface(real_surface, metaclass=_Meta):
            def fill(self, color, rect=None, special_flags=0):
                res = real_surface.fill(self, color, rect, special_flags)
                if not special_flags:
                    if rect is None:
                        safely(tr.clear, self, rgb_of(color))
                    else:
                        safely(lambda: tr.add(self, *pg.Rect(rect), rgb_of(color), "f"))
                else:
                    tr.changed(self)
                return res

            def blit(self, source, dest, area=None, special_flags=0):
                res = real_surface.blit(self, source, dest, area, special_flags)
                safely(tr.blitted, self, source, dest, area, special_flags)
                return res

            def blits(self, blit_sequence, doreturn=1):
                seq = list(blit_sequence)
                res = real_surface.blits(self, seq, doreturn)
                for item in seq:
                    safely(tr.blitted, self, *item)
                return res

        Surface.__name__ = Surface.__qualname__ = "Surface"
        for name in ("fill", "blit", "blits"):  # tracebacks name them as pygame does
            getattr(Surface, name).__qualname__ = f"Surface.{name}"
        Surface.__module__ = "pygame.surface"
        pg.Surface = Surface

        draw = pg.draw
        real_rect, real_circle, real_ellipse, real_polygon = draw.rect, draw.circle, draw.ellipse, draw.polygon

        Rect = pg.Rect

        def record(surface, color, rect, kind) -> None:
            r = Rect(rect)
            tr.add(surface, r.x, r.y, r.w, r.h, rgb_of(color), kind)

        def bbox(points):
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            return (round(min(xs)), round(min(ys)), round(max(xs) - min(xs)) + 1, round(max(ys) - min(ys)) + 1)

        def draw_rect(surface, color, rect, width=0, *a, **kw):
            res = real_rect(surface, color, rect, width, *a, **kw)
            if not width:
                try:
                    record(surface, color, rect, "r")
                except Exception:
                    pass
            return res

        def draw_circle(surface, color, center, radius, width=0, *a, **kw):
            res = real_circle(surface, color, center, radius, width, *a, **kw)
            if not width and not a and not kw:  # quarter-circle flags draw a part only
                safely(lambda: record(surface, color, (round(center[0] - radius), round(center[1] - radius),
                                                       round(2 * radius), round(2 * radius)), "c"))
            return res

        def draw_ellipse(surface, color, rect, width=0, *a, **kw):
            res = real_ellipse(surface, color, rect, width, *a, **kw)
            if not width:
                safely(record, surface, color, rect, "e")
            return res

        def draw_polygon(surface, color, points, width=0, *a, **kw):
            res = real_polygon(surface, color, points, width, *a, **kw)
            if not width:
                safely(lambda: record(surface, color, bbox(points), "p"))
            return res

        draw.rect, draw.circle, draw.ellipse, draw.polygon = draw_rect, draw_circle, draw_ellipse, draw_polygon

        try:
            import pygame.gfxdraw as gfx
        except ImportError:
            gfx = None
        if gfx is not None:
            real_box, real_fc, real_fe, real_fp = gfx.box, gfx.filled_circle, gfx.filled_ellipse, gfx.filled_polygon

            def box(surface, rect, color):
                real_box(surface, rect, color)
                safely(record, surface, color, rect, "r")

            def filled_circle(surface, x, y, r, color):
                real_fc(surface, x, y, r, color)
                safely(record, surface, color, (x - r, y - r, 2 * r + 1, 2 * r + 1), "c")

            def filled_ellipse(surface, x, y, rx, ry, color):
                real_fe(surface, x, y, rx, ry, color)
                safely(record, surface, color, (x - rx, y - ry, 2 * rx + 1, 2 * ry + 1), "e")

            def filled_polygon(surface, points, color):
                real_fp(surface, points, color)
                safely(lambda: record(surface, color, bbox(points), "p"))

            gfx.box, gfx.filled_circle, gfx.filled_ellipse, gfx.filled_polygon = box, filled_circle, filled_ellipse, filled_polygon

        # text is not a shape: remember what Font.render made
        real_font = pg.font.Font

        class Font(real_font):
            def render(self, *a, **kw):
                s = real_font.render(self, *a, **kw)
                try:
                    tr.texts.add(s)
                except TypeError:
                    pass
                return s

        Font.__name__ = Font.__qualname__ = "Font"
        Font.__module__ = "pygame.font"
        pg.font.Font = Font
        try:
            import pygame.sysfont as sysfont

            sysfont.Font = Font
        except ImportError:
            pass

        real_get_surface = pg.display.get_surface

        def get_surface():
            return tr.display if tr.display is not None else real_get_surface()

        pg.display.get_surface = get_surface

    def set_display(self, real_display):
        """The stand-in the program draws on: same size and pixel format as the display."""
        proxy = self.pg.Surface(real_display.get_size(), 0, real_display)
        self.display = proxy  # the next frame's changes are against what was sent (a new window removes it all)
        return proxy

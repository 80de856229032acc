"""Rendering to picture files with vl-convert and the bundled fonts (`fonts/`, see its README).

vl-convert renders locally, without a browser or a network, so downloads work offline and on
a server with no display. It is imported on first use: it is large and most reruns draw
without exporting. The fonts are registered with it then: a server often has no fonts for
Chinese, Japanese or Korean, and such names would come out as empty boxes.
"""

from __future__ import annotations

import threading
from pathlib import Path
from types import ModuleType

FONT_DIR = Path(__file__).parent / "fonts"
_registering = threading.Lock()
_registered: list[bool] = []


def vl_converter() -> ModuleType:
    """vl-convert, with the bundled fonts registered (once per process: page runs are
    threads). A glyph missing from the font a drawing names comes from another registered
    font that has it."""
    import vl_convert as vlc

    with _registering:
        if not _registered:
            vlc.register_font_directory(str(FONT_DIR))
            _registered.append(True)
    return vlc


def svg_png(svg: str, scale: float = 2.0) -> bytes:
    """A drawing we made as SVG (the journey graph, grid and lanes) as PNG, at `scale` times
    its size for sharp slides."""
    return bytes(vl_converter().svg_to_png(svg, scale=scale))

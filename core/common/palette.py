"""The one palette: Okabe-Ito, distinguishable with the common colour-vision deficiencies.

Charts, the journey graph and the grid all take their colours from here, and every mark that
colour highlights also carries a word or a symbol, so nothing is told by colour alone.
"""

from __future__ import annotations

BLUE = "#0072B2"
ORANGE = "#E69F00"
GREEN = "#009E73"
PURPLE = "#CC79A7"
SKY = "#56B4E9"
VERMILLION = "#D55E00"
YELLOW = "#F0E442"
BLACK = "#000000"
GREY = "#999999"
LIGHT_GREY = "#CCCCCC"
INK = "#222222"
WHITE = "#FFFFFF"

SERIES: tuple[str, ...] = (BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILLION, YELLOW, GREY)
"""Colours for categories, in the order they are handed out."""

SEQUENTIAL: tuple[str, ...] = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
"""Viridis in five steps, for ordered values such as maturity levels."""

"""The heatmap's colour classes and their plain-words legend, shared by pages and exports (pure).

Unsafe is a red ramp, safe a blue-green ramp, and net a diverging ramp (blue where more pupils
feel safe than unsafe, red where more feel unsafe). Classes are steps, not a smooth ramp, so a
colour always means the same words in the legend.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ColourClass:
    """Values from `lower` (inclusive) upwards get `colour`, described by `words`."""

    lower: float
    colour: str
    words: str


SCALES: dict[str, tuple[ColourClass, ...]] = {
    "unsafe": (ColourClass(0.0, "#fee5d9", "fewer than 1 in 5 feel unsafe"),
               ColourClass(0.2, "#fcae91", "1 in 5 to 2 in 5"),
               ColourClass(0.4, "#fb6a4a", "2 in 5 to 3 in 5"),
               ColourClass(0.6, "#cb181d", "more than 3 in 5")),
    "safe": (ColourClass(0.0, "#edf8fb", "fewer than 1 in 5 feel safe"),
             ColourClass(0.2, "#b2e2e2", "1 in 5 to 2 in 5"),
             ColourClass(0.4, "#66c2a4", "2 in 5 to 3 in 5"),
             ColourClass(0.6, "#238b45", "more than 3 in 5")),
    "net": (ColourClass(-1.0, "#2166ac", "many more feel safe than unsafe"),
            ColourClass(-0.2, "#92c5de", "a few more feel safe"),
            ColourClass(-0.05, "#f7f7f7", "about as many feel safe as unsafe"),
            ColourClass(0.05, "#f4a582", "a few more feel unsafe"),
            ColourClass(0.2, "#b2182b", "many more feel unsafe than safe")),
}


def value_of(properties: dict) -> float | None:
    """The number a cell is coloured by: its rate, or its net share for the net layer."""
    return properties.get("net") if properties.get("kind") == "net" else properties.get("rate")


def colour_for(kind: str, value: float | None) -> str | None:
    """The class colour for a value (None when there is no value)."""
    if value is None:
        return None
    chosen = SCALES[kind][0]
    for colour_class in SCALES[kind]:
        if value >= colour_class.lower:
            chosen = colour_class
    return chosen.colour


def legend(kind: str) -> list[dict]:
    """The legend rows, lowest class first, for templates and scripts."""
    return [{"lower": c.lower, "colour": c.colour, "words": c.words} for c in SCALES[kind]]

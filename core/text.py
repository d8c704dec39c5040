"""Typed and imported text made safe to show (pure)."""

# Bidi embedding, override and isolate controls: invisible, they reverse the text shown after
# them ("\u202egnp.exe" reads "exe.png"). Right-to-left scripts need none of them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_DROP = dict.fromkeys(map(ord, BIDI_CONTROLS))


def without_bidi_controls(text: str) -> str:
    """The text without bidi embedding, override or isolate controls."""
    return text.translate(_DROP)

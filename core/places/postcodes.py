"""UK postcode normalisation (pure)."""

import re

POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$")


def normalise_postcode(raw: str | None) -> str | None:
    """'se136ph' -> 'SE13 6PH'; None when it is not a well-formed UK postcode."""
    compact = re.sub(r"\s+", "", raw or "").upper()
    if not 5 <= len(compact) <= 7:
        return None
    formatted = f"{compact[:-3]} {compact[-3:]}"
    return formatted if POSTCODE.match(formatted) else None

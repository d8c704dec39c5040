"""What pupils can say about a place: reasons, times and ideas, with labels a 9-year-old reads.

The keys are stored in the database and sent by the drawing page; the labels may be reworded.
Unsafe reasons follow the police StreetSafe categories.
"""

KINDS = ("safe", "unsafe")

UNSAFE_REASONS = {
    "dark": "Dark or badly lit",
    "nobody_around": "Nobody around",
    "older_groups": "Groups of older young people",
    "drugs_alcohol": "Drugs or alcohol",
    "fights": "Fights",
    "bullying": "Bullying",
    "adults_bother": "Adults who bother you",
    "traffic": "Dangerous traffic",
    "dogs": "Dogs",
    "other": "Something else",
}

SAFE_REASONS = {
    "adults_around": "Adults or staff around",
    "busy_bright": "Busy and bright",
    "safe_haven": "A Safe Haven shop",
    "friends_family": "Friends and family nearby",
    "other": "Something else",
}

TIMES = {
    "before_school": "Before school",
    "after_school": "After school",
    "evening": "Evening",
    "night": "Night",
    "weekend": "Weekend",
}

SUGGESTIONS = {
    "lights": "More lights",
    "police": "Police",
    "cctv": "CCTV cameras",
    "staff_youth_workers": "Staff or youth workers",
    "things_to_do": "Things to do for young people",
    "crossings": "Safer crossings",
    "other": "Something else",
}

# Decorative only: pages show the label as text too, so screen readers should skip these.
ICONS = {
    "dark": "🌑", "nobody_around": "🚷", "older_groups": "👥", "drugs_alcohol": "🍺",
    "fights": "👊", "bullying": "😢", "adults_bother": "😟", "traffic": "🚗", "dogs": "🐕",
    "other": "💬",
    "adults_around": "🧑‍🏫", "busy_bright": "☀️", "safe_haven": "🏪", "friends_family": "👨‍👩‍👧",
    "before_school": "🌅", "after_school": "🎒", "evening": "🌆", "night": "🌙", "weekend": "📅",
    "lights": "💡", "police": "👮", "cctv": "📹", "staff_youth_workers": "🧑‍🤝‍🧑",
    "things_to_do": "⚽", "crossings": "🚸",
}

_REASONS = {"safe": SAFE_REASONS, "unsafe": UNSAFE_REASONS}


def reasons_for(kind: str) -> dict[str, str]:
    """The reasons a pupil may pick for a safe or an unsafe place (key -> label)."""
    if kind not in _REASONS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    return dict(_REASONS[kind])

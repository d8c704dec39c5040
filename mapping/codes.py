"""Class join codes: 8 characters from an alphabet without look-alikes (pure)."""

import secrets

# No look-alikes (0/O/Q, 1/I/L, 2/Z, 5/S, 6/G, 8/B, U/V): what a child copies from the board
# is what we read. 20 symbols, 8 long: about 2.6 x 10^10 codes.
ALPHABET = "ACDEFHJKMNPRTWXY3479"
LENGTH = 8


def new_code() -> str:
    """A fresh random code."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(typed: str | None) -> str:
    """What a pupil typed, as a code: upper case, without spaces or dashes."""
    return "".join(ch for ch in (typed or "").upper() if ch.isalnum())


def looks_valid(code: str) -> bool:
    """Whether a normalised code could be one of ours."""
    return len(code) == LENGTH and all(ch in ALPHABET for ch in code)


def display(code: str) -> str:
    """The code as shown on the board: ABCD-EFGH."""
    return f"{code[:4]}-{code[4:]}"

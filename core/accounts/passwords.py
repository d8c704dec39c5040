"""Password hashing (argon2id) and the password policy."""

from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

# argon2-cffi's defaults are RFC 9106's second recommendation (argon2id, 64 MiB, t=3, p=4),
# above OWASP's minimum (19 MiB, t=2).
HASHER = PasswordHasher()
MIN_LENGTH = 12
# zxcvbn's score: 3 means about 10^8 to 10^10 guesses, out of reach of an online attack and
# slow even offline against argon2id. Its lists hold 30,000 common passwords, names and words,
# and it sees keyboard runs, repeats, dates and l33t spellings of them.
MIN_STRENGTH = 3
SERVICE_WORDS = ("safe", "haven", "havens", "safehavens", "school", "police", "council")

COMMON_PASSWORDS = frozenset(
    line.strip() for line in
    (Path(__file__).with_name("common_passwords.txt")).read_text().splitlines()
    if line.strip() and not line.startswith("#"))


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether the password matches the stored hash."""
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return HASHER.check_needs_rehash(password_hash)


def password_problem(password: str, email: str = "") -> str | None:
    """Why a new password is not acceptable, or None when it is fine."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) <= 2:
        return "That password is too common; choose a longer phrase only you would use."
    local_part = email.split("@")[0].lower()
    if len(local_part) >= 4 and local_part in lowered:
        return "The password must not contain your email address."
    # zxcvbn's run time grows with length; past 100 characters the score only rises.
    words = [local_part, *email.split("@")[-1].lower().split("."), *SERVICE_WORDS]
    if zxcvbn(password[:100], user_inputs=words)["score"] < MIN_STRENGTH:
        return ("That password is too common or too easy to guess; choose a longer phrase "
                "only you would use.")
    return None

"""What a user name and a local password must be (NIST SP 800-63B, section 3.1.1.2).

Passwords: at least :data:`MIN_LENGTH` characters (and at most
:data:`MAX_LENGTH`, so hashing stays cheap), any characters including spaces,
no composition rules (NIST advises against them), but refused when they are
common (``data/security/common_passwords.txt``), the user name or contain it,
or are little more than one character repeated.

User names: compared and stored in one form, NFKC-normalised and case-folded,
so ``Ada``, ``ADA`` and a full-width ``ａｄａ`` are one account. Refused when they
hold invisible characters (format and control characters such as a zero-width
space) or mix scripts (a Cyrillic ``а`` among Latin letters), the look-alikes an
attacker registers to pass as someone else.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from metrics.framework import REPO_ROOT

MIN_LENGTH = 10
MAX_LENGTH = 256
MAX_USERNAME_LENGTH = 100
#: Fewer different characters than this is a repetition ("aaaaaaaaaa", ten spaces).
MIN_DISTINCT = 4
COMMON_PASSWORDS = REPO_ROOT / "data" / "security" / "common_passwords.txt"

# Punctuation a user name may hold besides letters and digits (e-mail addresses
# and the usual "first.last", "first_last", "o'neil").
USERNAME_PUNCTUATION = frozenset(".-_@+'")

# Digit-for-letter swaps people make to dress up a common word ("p@ssw0rd").
_UNLEET = str.maketrans({"@": "a", "4": "a", "$": "s", "5": "s", "0": "o", "3": "e", "1": "i", "!": "i",
                         "7": "t"})


_AFFIXES = "0123456789 !?.,;:#*$%&^_-+=~()[]{}<>/\\|\"'`"


class CommonPasswordsError(ValueError):
    """The shipped list of common passwords is malformed."""


@lru_cache(maxsize=4)
def load_common_passwords(path: Path = COMMON_PASSWORDS) -> frozenset[str]:
    """The list's entries, checked: lower-case letters and digits, each once."""
    entries: list[str] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        if not (text.isascii() and text.isalnum() and text == text.lower()):
            raise CommonPasswordsError(f"{path.name}, line {n}: {text!r} is not lower-case letters and digits")
        entries.append(text)
    if len(set(entries)) != len(entries):
        dupes = sorted({e for e in entries if entries.count(e) > 1})
        raise CommonPasswordsError(f"{path.name}: listed twice: {', '.join(dupes)}")
    return frozenset(entries)


def _keys(password: str) -> set[str]:
    """The forms of ``password`` compared with the list: folded, un-leeted, digits stripped."""
    folded = unicodedata.normalize("NFKC", password).casefold()
    plain = "".join(ch for ch in folded if ch.isalnum())
    unleet = "".join(ch for ch in folded.translate(_UNLEET) if ch.isalnum())
    # Digits and punctuation added before or after a word ("P@ssw0rd2024!"), taken
    # off before the swaps are undone, so the word's own "0" still reads as an "o".
    core = folded.strip(_AFFIXES)
    core_unleet = "".join(ch for ch in core.translate(_UNLEET) if ch.isalnum())
    keys = {plain, unleet, plain.strip("0123456789"), unleet.strip("0123456789"), core_unleet}
    return {k for k in keys if k}


def check_password(password: str, username: str = "") -> None:
    """Raise ``ValueError`` saying why ``password`` may not be used; nothing if it may."""
    if len(password) < MIN_LENGTH:
        raise ValueError(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise ValueError(f"a password has at most {MAX_LENGTH} characters")
    if len(set(password)) < MIN_DISTINCT:
        raise ValueError("a password must not be one or two characters repeated")
    keys = _keys(password)
    name = unicodedata.normalize("NFKC", username).casefold().strip()
    if name:
        name_key = "".join(ch for ch in name if ch.isalnum())
        # A short name ("al") is inside many good passphrases: refuse it only whole.
        whole = name_key in keys or unicodedata.normalize("NFKC", password).casefold().strip() == name
        if whole or (len(name_key) >= 4 and any(name_key in k for k in keys)):
            raise ValueError("a password must not be or contain the user name")
    if keys & load_common_passwords():
        raise ValueError("that password is on the list of common passwords: choose a longer, less usual one")


def _script(ch: str) -> str | None:
    """The script of a letter, from its Unicode name ("LATIN SMALL LETTER A" -> LATIN); None otherwise."""
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else "UNKNOWN"


def normalise_username(username: str) -> str:
    """The stored form of a user name (NFKC, case-folded), or ``ValueError`` saying what is wrong."""
    text = unicodedata.normalize("NFKC", username.strip()).casefold()
    if not text or len(text) > MAX_USERNAME_LENGTH:
        raise ValueError(f"a user name is 1 to {MAX_USERNAME_LENGTH} characters")
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] in ("C", "Z") or category == "Mn":
            # Control, format (zero-width space, bidi marks), unassigned, spaces and
            # combining marks: invisible or easily hidden in a name.
            raise ValueError(f"a user name must not contain invisible characters or spaces (U+{ord(ch):04X})")
        if not (ch.isalnum() or ch in USERNAME_PUNCTUATION):
            raise ValueError(f"a user name holds letters, digits and {''.join(sorted(USERNAME_PUNCTUATION))} only")
    scripts = {s for s in map(_script, text) if s is not None}
    if len(scripts) > 1:
        raise ValueError(f"a user name must not mix scripts ({', '.join(sorted(scripts))})")
    return text

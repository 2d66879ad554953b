"""User names and passwords as NIST SP 800-63B asks: pure rules, table-driven."""

from __future__ import annotations

from pathlib import Path

import pytest

from metrics.passwords import (
    COMMON_PASSWORDS,
    CommonPasswordsError,
    check_password,
    load_common_passwords,
    normalise_username,
)


@pytest.mark.parametrize(
    ("password", "username", "refused_for"),
    [
        # 1-3: length
        ("short", "x", "at least 10"),
        ("a" * 257, "x", "at most 256"),
        ("correct horse battery", "sam", None),
        # 4-6: repetition
        ("aaaaaaaaaa", "x", "repeated"),
        (" " * 10, "x", "repeated"),
        ("abababababab", "x", "repeated"),
        # 7-12: common, dressed up or not
        ("password12", "x", "common"),
        ("Password2024!", "x", "common"),
        ("P@ssw0rd2024", "x", "common"),
        ("qwertyuiop", "x", "common"),
        ("1234567890", "x", "common"),
        ("Every Child Matters", "x", "common"),
        # 13-16: the user name
        ("adalovelace", "adalovelace", "user name"),
        ("Adalovelace99", "adalovelace", "user name"),
        ("ada is on the board", "ada", None),  # a short name is refused only whole
        ("my name is not here", "ian", None),
        # 17: a good passphrase
        ("tea kettle under the bridge", "ada", None),
    ],
)
def test_password_rules(password: str, username: str, refused_for: str | None) -> None:
    if refused_for is None:
        check_password(password, username)
    else:
        with pytest.raises(ValueError, match=refused_for):
            check_password(password, username)


@pytest.mark.parametrize(
    ("typed", "stored", "refused_for"),
    [
        ("ada", "ada", None),
        ("Ada", "ada", None),  # one account whatever the case
        ("ＡＤＡ", "ada", None),  # full-width letters fold (NFKC)
        ("  ada  ", "ada", None),
        ("Head@Council.gov.uk", "head@council.gov.uk", None),
        ("o'neil-smith_2", "o'neil-smith_2", None),
        ("Иван", "иван", None),  # one script, not Latin: allowed
        ("\u0430da", None, "mix scripts"),  # Cyrillic а among Latin letters
        ("ada\u200b", None, "invisible"),  # zero-width space
        ("a\u202eda", None, "invisible"),  # right-to-left override
        ("ad\u0301a", None, "invisible"),  # a combining accent NFKC cannot join to its letter
        ("ada lovelace", None, "spaces"),
        ("ada<script>", None, "letters, digits"),
        ("", None, "1 to 100"),
        ("x" * 101, None, "1 to 100"),
    ],
)
def test_user_names_are_normalised_or_refused(typed: str, stored: str | None, refused_for: str | None) -> None:
    if refused_for is None:
        assert normalise_username(typed) == stored
    else:
        with pytest.raises(ValueError, match=refused_for):
            normalise_username(typed)


def test_the_shipped_list_loads_and_is_sound() -> None:
    common = load_common_passwords()
    assert len(common) > 200 and "password" in common and "everychildmatters" in common


def test_a_malformed_list_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "list.txt"
    bad.write_text("# comment\npassword\nPassword\n", encoding="utf-8")
    with pytest.raises(CommonPasswordsError, match="line 3"):
        load_common_passwords(bad)
    bad.write_text("password\npassword\n", encoding="utf-8")
    with pytest.raises(CommonPasswordsError, match="twice"):
        load_common_passwords(bad)
    assert COMMON_PASSWORDS.is_file()

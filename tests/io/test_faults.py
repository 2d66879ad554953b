"""A fault names where it is (file, sheet, row, column), the cell and the rule, in one safe line.

Proves :mod:`metrics.io.faults`: ``printable`` escapes what could rewrite a terminal or
forge a line (control characters, bidirectional overrides) and leaves ordinary text,
accents included, alone; ``Fault`` reads ``file, sheet S, row N, Column: 'value': rule``,
dropping what it does not know and never quoting a value twice; ``ImportFailed`` says
nothing was written, counts every fault and lists at most ``MAX_REPORTED``.
"""

from __future__ import annotations

import pytest

from metrics.io.faults import MAX_REPORTED, Fault, ImportFailed, printable

# --- printable ----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Hartlepool.csv", "Sainte-Hélène données 2023–24.csv", "Ynys Môn", "", "a\\nb"])
def test_ordinary_text_is_returned_unchanged(text: str) -> None:
    assert printable(text) == text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a\x1b[2Jb", "a\\x1b[2Jb"),  # an ANSI "clear screen" would wipe the terminal
        ("one\ntwo", "one\\ntwo"),  # a line break would start a forged fault line
        ("one\rtwo", "one\\rtwo"),  # a carriage return would overwrite the line
        ("tab\there", "tab\\there"),
        ("nul\x00", "nul\\x00"),
        ("del\x7f", "del\\x7f"),
        ("next\x85line", "next\\x85line"),  # NEL, a C1 control
    ],
)
def test_control_characters_are_escaped(text: str, shown: str) -> None:
    assert printable(text) == shown


@pytest.mark.parametrize(
    "char", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
             "\u200e", "\u200f", "\u061c"],
)
def test_every_bidirectional_control_is_escaped(char: str) -> None:
    """Unicode's explicit bidi formatting characters (embeddings, overrides, isolates, marks)
    reorder what is shown, so each is written as its escape, never raw."""
    shown = printable(f"x{char}csv.exe")
    assert char not in shown
    assert shown == f"x\\u{ord(char):04x}csv.exe"


def test_a_reversed_file_name_cannot_pose_as_another() -> None:
    """The classic trick: ``x\\u202ecsv.exe`` displays as ``xexe.csv``."""
    assert printable("x\u202ecsv.exe") == "x\\u202ecsv.exe"


def test_printable_accepts_any_object() -> None:
    assert printable(37) == "37"
    assert printable(None) == "None"
    assert printable(OSError("bad\nname")) == "bad\\nname"


def test_printable_keeps_the_letters_around_an_escape() -> None:
    assert printable("é\n€") == "é\\n€"


@pytest.mark.parametrize("char", ["\u2028", "\u2029"])
def test_a_unicode_line_separator_cannot_forge_a_fault_line(char: str) -> None:
    fault = Fault(f"a{char}  - b.csv, row 1: forged", 2, None, None, "a rule")
    assert len(str(fault).splitlines()) == 1


# --- Fault ------------------------------------------------------------------------


def test_a_fault_names_file_sheet_row_column_value_and_rule() -> None:
    fault = Fault("ecm.xlsx", 12, "Value", "abc", "not a number", sheet="Data")
    assert str(fault) == "ecm.xlsx, sheet Data, row 12, Value: 'abc': not a number"


def test_a_fault_about_the_whole_file_names_only_the_file() -> None:
    assert str(Fault("a.csv", None, None, None, "no data rows")) == "a.csv: no data rows"


def test_a_row_number_is_grouped_in_thousands() -> None:
    assert str(Fault("big.csv", 1_234_567, None, None, "x")) == "big.csv, row 1,234,567: x"


def test_row_zero_is_still_named() -> None:
    """``row is not None``, not truthiness: a row number 0 must not vanish."""
    assert str(Fault("a.csv", 0, None, None, "x")) == "a.csv, row 0: x"


def test_an_empty_sheet_or_column_is_left_out() -> None:
    assert str(Fault("a.csv", 3, "", None, "x", sheet="")) == "a.csv, row 3: x"


def test_a_blank_value_is_not_quoted() -> None:
    """A blank cell has nothing to show; ``''`` would look like a typing error in the message."""
    assert str(Fault("a.csv", 3, "Count", "", "required")) == "a.csv, row 3, Count: required"


def test_a_zero_value_is_quoted() -> None:
    """Zero is a value, not a blank: the fault must still show it."""
    assert str(Fault("a.csv", 3, "Denominator", 0, "must be greater than zero")) == (
        "a.csv, row 3, Denominator: 0: must be greater than zero")


def test_a_whole_float_is_shown_as_the_integer_written() -> None:
    """A count parsed as 37.0 was written ``37`` in the file; a real fraction keeps its decimals."""
    assert str(Fault("a.csv", 2, "Count", 37.0, "x")) == "a.csv, row 2, Count: 37: x"
    assert str(Fault("a.csv", 2, "Value", 37.5, "x")) == "a.csv, row 2, Value: 37.5: x"


def test_a_text_value_is_quoted_so_its_spaces_show() -> None:
    assert str(Fault("a.csv", 2, "Sex", " Persons", "x")) == "a.csv, row 2, Sex: ' Persons': x"


def test_a_rule_that_starts_with_the_value_does_not_repeat_it() -> None:
    fault = Fault("a.csv", 5, "Count", 120, "120 exceeds Denominator 100")
    assert str(fault) == "a.csv, row 5, Count: 120 exceeds Denominator 100"


def test_a_rule_that_merely_contains_the_value_still_quotes_it() -> None:
    fault = Fault("a.csv", 5, "Count", 12, "120 exceeds Denominator 100")
    assert str(fault) == "a.csv, row 5, Count: 12: 120 exceeds Denominator 100"


def test_hostile_text_in_file_sheet_column_and_value_is_escaped() -> None:
    fault = Fault("a\nb.csv", 2, "Va\x1blue", "x\ny", "bad\rrule", sheet="S\u202eheet")
    text = str(fault)
    assert "\n" not in text and "\r" not in text and "\x1b" not in text and "\u202e" not in text
    assert text == "a\\nb.csv, sheet S\\u202eheet, row 2, Va\\x1blue: 'x\\ny': bad\\rrule"


def test_a_fault_is_an_immutable_value() -> None:
    fault = Fault("a.csv", 2, "Value", "x", "rule")
    assert fault == Fault("a.csv", 2, "Value", "x", "rule")
    assert fault.sheet is None
    with pytest.raises(AttributeError):
        fault.row = 3  # type: ignore[misc]


# --- ImportFailed -----------------------------------------------------------------


def faults(n: int) -> list[Fault]:
    return [Fault("a.csv", i + 2, "Value", "x", "not a number") for i in range(n)]


def test_one_fault_is_singular_and_says_nothing_was_written() -> None:
    exc = ImportFailed(faults(1))
    assert str(exc) == "import refused, nothing written (1 fault):\n  - a.csv, row 2, Value: 'x': not a number"
    assert exc.total == 1 and exc.faults == faults(1)


def test_several_faults_are_listed_one_a_line() -> None:
    lines = str(ImportFailed(faults(3))).splitlines()
    assert lines[0] == "import refused, nothing written (3 faults):"
    assert lines[1:] == ["  - a.csv, row 2, Value: 'x': not a number", "  - a.csv, row 3, Value: 'x': not a number",
                         "  - a.csv, row 4, Value: 'x': not a number"]


def test_at_most_max_reported_are_listed_and_the_rest_counted() -> None:
    exc = ImportFailed(faults(MAX_REPORTED + 50))
    lines = str(exc).splitlines()
    assert lines[0] == f"import refused, nothing written ({MAX_REPORTED + 50:,} faults):"
    assert len(lines) == 1 + MAX_REPORTED + 1
    assert lines[-1] == "  … and 50 more"
    assert len(exc.faults) == MAX_REPORTED + 50  # every fault stays available to the caller


def test_a_total_larger_than_the_list_is_reported_with_thousands_grouped() -> None:
    exc = ImportFailed(faults(MAX_REPORTED), total=1_000_000)
    assert exc.total == 1_000_000
    assert str(exc).startswith("import refused, nothing written (1,000,000 faults):")
    assert str(exc).endswith(f"… and {1_000_000 - MAX_REPORTED:,} more")


def test_exactly_max_reported_faults_has_no_more_line() -> None:
    assert "more" not in str(ImportFailed(faults(MAX_REPORTED))).splitlines()[-1]


def test_the_more_line_counts_the_faults_not_listed() -> None:
    """Five faults listed out of 300 leaves 295 unlisted."""
    assert str(ImportFailed(faults(5), total=300)).endswith("… and 295 more")


def test_import_failed_is_an_exception_carrying_its_faults() -> None:
    with pytest.raises(ImportFailed) as info:
        raise ImportFailed(faults(2))
    assert [f.row for f in info.value.faults] == [2, 3]
    assert isinstance(info.value, Exception)

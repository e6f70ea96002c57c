"""PIE's output rule, edge case by edge case."""

from __future__ import annotations

import pytest
from maxcode.sandbox.judges.cpp.output_rule import compare_outputs


@pytest.mark.parametrize(
    ("expected", "got"),
    [
        ("1\n2\n3\n", "1\n2\n3"),  # trailing newline
        ("1\n2\n", "1\n2\n\n\n"),  # trailing blank lines
        ("  1\n2  \n", "1\n2"),  # whitespace around the whole output and around lines
        ("1\r\n2\r\n", "1\n2\n"),  # CRLF
        ("0.333333\n", "0.3333333333\n"),  # within 1e-3
        ("0.5\n", "0.5009\n"),
        ("1.000\n", "1\n"),  # numeric equality across formats
        ("0.33 0.5\n", "0.3301 0.5000"),  # token-wise numbers on one line
        ("Yes\n", "Yes"),
        ("007\n", "7\n"),  # integers compare by value, as PIE's float() does
        ("a  b\n", "a b\n"),  # runs of spaces inside a line
        ("", "\n\n"),  # both empty
    ],
)
def test_matches(expected: str, got: str) -> None:
    assert compare_outputs("t", expected, got) is None


@pytest.mark.parametrize(
    ("expected", "got", "line"),
    [
        ("1\n2\n3\n", "1\n2\n", 3),  # missing line
        ("1\n2\n", "1\n2\n3\n", 3),  # extra line
        ("1\n2\n", "1\n5\n", 2),
        ("0.5\n", "0.502\n", 1),  # beyond 1e-3
        ("123456789012345678\n", "123456789012345679\n", 1),  # big integers exact
        ("Yes\n", "yes\n", 1),  # strings are case-sensitive
        ("1\n\n2\n", "1\n2\n", 2),  # inner blank lines count
        ("nan\n", "1\n", 1),
        ("1 2\n", "1 2 3\n", 1),  # token count differs
        ("1\n", "inf\n", 1),  # inf is not a number here
        ("1000\n", "1_000\n", 1),  # nor are underscores
    ],
)
def test_mismatches(expected: str, got: str, line: int) -> None:
    mismatch = compare_outputs("t", expected, got)
    assert mismatch is not None
    assert mismatch.line == line
    assert mismatch.test == "t"


def test_mismatch_reports_numbers_and_truncates() -> None:
    m = compare_outputs("3", b"0.5\n", b"0.75\n")
    assert m is not None and m.expected == "0.5" and m.got == "0.75"
    assert m.max_abs_error == pytest.approx(0.25)
    long = compare_outputs("3", "x" * 10_000, "y" * 10_000)
    assert long is not None and len(long.expected) < 300 and len(long.got) < 300


def test_missing_and_extra_lines_are_named() -> None:
    missing = compare_outputs("1", "1\n2\n", "1\n")
    assert missing is not None and missing.got == "<end of output>" and missing.expected == "2"
    extra = compare_outputs("1", "1\n", "1\n9\n")
    assert extra is not None and extra.expected == "<end of output>" and extra.got == "9"


def test_binary_garbage_does_not_crash() -> None:
    assert compare_outputs("1", b"1\n", b"\xff\xfe\x00") is not None
    huge = "9" * 5000  # beyond Python's int-parsing digit limit
    assert compare_outputs("1", huge, huge) is None
    assert compare_outputs("1", huge, huge[:-1] + "8") is not None

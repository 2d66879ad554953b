"""The checks on a whole file before any reader parses it: its size, and its SHA-256.

Proves :mod:`metrics.io.files`: ``check_size`` refuses a file of more than
``rules.MAX_FILE_BYTES`` with one fault naming the file and both sizes (and accepts
one of exactly the limit), judged from the file's size alone, without reading it;
``file_hash`` is the SHA-256 of the file's bytes (the FIPS 180-2 test vectors), the
same however the file is split into blocks.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from metrics.io.faults import ImportFailed
from metrics.io.files import check_size, file_hash
from metrics.io.rules import MAX_FILE_BYTES


def sparse(path: Path, size: int) -> Path:
    """A file of ``size`` bytes that takes no disk space (the size is all ``check_size`` reads)."""
    with path.open("wb") as fh:
        fh.truncate(size)
    return path


# --- check_size ---------------------------------------------------------------------


def test_a_small_file_passes(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("Indicator ID,Area Code\n", encoding="utf-8")
    check_size(path)  # no exception


def test_a_file_of_exactly_the_limit_passes(tmp_path: Path) -> None:
    """The limit is "more than": a file of exactly MAX_FILE_BYTES is still read."""
    check_size(sparse(tmp_path / "limit.csv", MAX_FILE_BYTES))


def test_a_file_one_byte_over_the_limit_is_refused_with_both_sizes(tmp_path: Path) -> None:
    path = sparse(tmp_path / "huge.csv", MAX_FILE_BYTES + 1)
    with pytest.raises(ImportFailed) as info:
        check_size(path)
    (fault,) = info.value.faults
    assert fault.file == "huge.csv" and fault.row is None and fault.column is None
    assert fault.rule == "2,147,483,649 bytes: more than the 2,147,483,648 an import reads"
    assert str(fault) == "huge.csv: 2,147,483,649 bytes: more than the 2,147,483,648 an import reads"


def test_the_limit_is_two_gibibytes() -> None:
    """Far above a real file: a national Fingertips download of one indicator is 10-400 MB."""
    assert MAX_FILE_BYTES == 2 * 1024**3


def test_a_missing_file_or_a_folder_is_left_to_the_caller(tmp_path: Path) -> None:
    """The size check refuses only what is too big; "no such file" and "a folder" are the
    opener's faults, with their own words (see metrics.io.formats.open_source)."""
    check_size(tmp_path / "absent.csv")
    check_size(tmp_path)


def test_an_empty_file_passes_the_size_check(tmp_path: Path) -> None:
    check_size(sparse(tmp_path / "empty.csv", 0))


# --- file_hash --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "digest"),
    [
        (b"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        (b"a" * 1_000_000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
    ],
    ids=["empty", "abc", "two-blocks", "a-million-a"],
)
def test_file_hash_is_sha256_of_the_bytes(tmp_path: Path, data: bytes, digest: str) -> None:
    """The published SHA-256 test vectors (FIPS 180-2, appendix B)."""
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    assert file_hash(path) == digest


@pytest.mark.parametrize("size", [(1 << 20) - 1, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) + 7])
def test_file_hash_is_the_same_across_its_read_blocks(tmp_path: Path, size: int) -> None:
    """Files around and beyond one 1 MiB block hash to the digest of all their bytes at once."""
    data = bytes(i % 251 for i in range(size))
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    assert file_hash(path) == hashlib.sha256(data).hexdigest()


def test_file_hash_reads_bytes_not_text(tmp_path: Path) -> None:
    """A CRLF file and its LF twin are different files: no newline translation."""
    crlf, lf = tmp_path / "crlf.csv", tmp_path / "lf.csv"
    crlf.write_bytes(b"a,b\r\n1,2\r\n")
    lf.write_bytes(b"a,b\n1,2\n")
    assert file_hash(crlf) != file_hash(lf)
    assert file_hash(crlf) == hashlib.sha256(b"a,b\r\n1,2\r\n").hexdigest()


def test_file_hash_of_a_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        file_hash(tmp_path / "absent.csv")


def test_file_hash_is_lowercase_hex_of_64_digits(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("x", encoding="utf-8")
    digest = file_hash(path)
    assert len(digest) == 64 and set(digest) <= set("0123456789abcdef")

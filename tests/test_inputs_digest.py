"""inputs.digest: a file's digest is computed once per process, and never kept for a file that may still change
within one tick of the file system's clock."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from citykg import inputs


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    calls: list[Path] = []
    real = hashlib.file_digest

    def file_digest(handle, name):
        calls.append(Path(handle.name))
        return real(handle, name)

    monkeypatch.setattr(inputs.hashlib, "file_digest", file_digest)
    monkeypatch.setattr(inputs, "_computed", {})
    return calls


def test_an_unchanged_file_is_hashed_once(tmp_path: Path, counted: list[Path], monkeypatch) -> None:
    monkeypatch.setattr(inputs, "RACY_NS", 0)
    source = tmp_path / "a.ttl"
    source.write_bytes(b"<urn:a> <urn:b> <urn:c> .\n")
    first = inputs.digest(source)
    assert inputs.digest(source) == first == hashlib.sha256(source.read_bytes()).hexdigest()
    assert counted == [source]


def test_a_rewritten_file_is_hashed_again(tmp_path: Path, counted: list[Path]) -> None:
    source = tmp_path / "a.ttl"
    source.write_bytes(b"<urn:a> <urn:b> <urn:c> .\n")
    before = inputs.digest(source)
    source.write_bytes(b"<urn:a> <urn:b> <urn:d> .\n")  # same size, within the same clock tick
    assert inputs.digest(source) != before
    assert inputs.digest(source) == hashlib.sha256(source.read_bytes()).hexdigest()
    assert len(counted) == 3  # a file changed just now is never taken from memory


def test_a_file_with_the_same_times_but_a_new_inode_is_hashed_again(
    tmp_path: Path, counted: list[Path], monkeypatch
) -> None:
    monkeypatch.setattr(inputs, "RACY_NS", 0)
    source = tmp_path / "a.ttl"
    source.write_bytes(b"<urn:a> <urn:b> <urn:c> .\n")
    inputs.digest(source)
    replacement = tmp_path / "b.ttl"
    replacement.write_bytes(b"<urn:a> <urn:b> <urn:d> .\n")
    replacement.replace(source)
    assert inputs.digest(source) == hashlib.sha256(b"<urn:a> <urn:b> <urn:d> .\n").hexdigest()
    assert len(counted) == 2

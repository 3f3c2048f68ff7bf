"""Uploads kept between the import page's steps: checked, under a token, cleaned up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assetmap.errors import NotFound, ValidationError
from assetmap.interop import uploads
from assetmap.interop.uploads import accept_upload, clean_uploads, upload_state
from assetmap.models import ImportFormat

COUNCIL = Path(__file__).parents[1] / "data" / "interop" / "council-groups.csv"


def test_an_upload_is_kept_under_a_token_with_the_suggested_mapping(tmp_path) -> None:
    state = accept_upload(tmp_path, "council-groups.csv", COUNCIL.read_bytes(), "camden", None)
    assert state.format is ImportFormat.CSV and state.size == COUNCIL.stat().st_size
    assert state.columns["Post Code"] == "venue.postcode" and "" not in state.columns
    assert upload_state(tmp_path, state.token) == state
    assert (tmp_path / f"{state.token}.data").read_bytes() == COUNCIL.read_bytes()


@pytest.mark.parametrize("token", ["../../etc/passwd", "", "A" * 31, None])
def test_a_token_that_is_not_one_finds_nothing(tmp_path, token) -> None:
    with pytest.raises(NotFound, match="upload has expired"):
        upload_state(tmp_path, token)


def test_too_large_and_unreadable_files_are_refused(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(uploads, "MAX_SOURCE_BYTES", 10)
    with pytest.raises(uploads.TooLarge) as large:
        accept_upload(tmp_path, "a.csv", b"Name\r\n" + b"x" * 10, "camden", None)
    assert large.value.http_status == 413
    monkeypatch.undo()
    with pytest.raises(ValidationError, match="no header row"):
        accept_upload(tmp_path, "a.csv", b"\r\n", "camden", None)
    assert list(tmp_path.iterdir()) == []


def test_old_uploads_are_cleaned_up(tmp_path) -> None:
    old = tmp_path / "old.data"
    old.write_bytes(b"x")
    os.utime(old, (0, 0))
    fresh = tmp_path / "fresh.data"
    fresh.write_bytes(b"x")
    assert clean_uploads(tmp_path) == 1
    assert not old.exists() and fresh.exists()

"""The shared folder is found beside the project's root, and its absence fails a test loudly."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.shared import PROJECT_ROOT, SHARED, shared_path


def test_the_shared_folder_is_the_projects_sibling() -> None:
    assert PROJECT_ROOT.parent / "shared" == SHARED
    assert (PROJECT_ROOT / "pyproject.toml").is_file()


def test_the_vendors_openapi_is_found_where_the_validation_test_reads_it() -> None:
    spec = shared_path("api", "dialnexa-openapi.json")
    assert spec.is_file()
    assert spec.read_text(encoding="utf-8").lstrip().startswith("{")


def test_a_missing_shared_folder_fails_the_test_and_names_the_path(tmp_path: Path) -> None:
    bogus = tmp_path / "no-shared-here"
    with pytest.raises(pytest.fail.Exception) as failed:
        shared_path("api", "dialnexa-openapi.json", shared=bogus)
    message = str(failed.value)
    assert str(bogus / "api" / "dialnexa-openapi.json") in message
    assert "../shared" in message
    assert not isinstance(failed.value, pytest.skip.Exception)

"""A missing quotebot.toml: the one public collection when there never was one, an error once rules came from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from quotebot.index import ConfigError, load_collections
from quotebot.index.collections import DEFAULT_COLLECTION, read_config_file

PRIVATE = '[collections.security]\npath = "docs/security"\nprivate = true\nchannels = [30]\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "docs" / "security").mkdir(parents=True)
    return tmp_path


def test_without_the_file_there_is_one_public_collection_as_before(project: Path) -> None:
    collections = load_collections(project / "quotebot.toml", project / "docs")
    assert collections.names() == [DEFAULT_COLLECTION] and collections.source is None
    assert not collections.items[0].private and collections.items[0].corpus_dir == (project / "docs").resolve()
    assert read_config_file(project / "quotebot.toml") is None


def test_a_required_file_that_is_missing_is_one_line_that_says_what_to_do(project: Path) -> None:
    config = project / "quotebot.toml"
    config.write_text(PRIVATE, encoding="utf-8")
    assert load_collections(config, project / "docs", required=True).names() == ["security"]
    config.unlink()  # moved aside to edit, `git stash`, an editor that deletes then writes
    with pytest.raises(ConfigError) as caught:
        load_collections(config, project / "docs", required=True)
    assert str(caught.value) == (f"{config} is missing: restore it; the collections and rules in force stay until then")
    with pytest.raises(ConfigError, match="is missing"):
        read_config_file(config, required=True)


def test_a_required_file_that_is_there_reads_as_without_the_flag(project: Path) -> None:
    config = project / "quotebot.toml"
    config.write_text(PRIVATE, encoding="utf-8")
    assert load_collections(config, project / "docs", required=True) == load_collections(config, project / "docs")

"""No layer of the image can hold the documents: no COPY or ADD of corpus/, and the build context leaves it out."""

from __future__ import annotations

import fnmatch
import shlex

import pytest

from tests.deploy.test_container import DEPLOY, _instructions

IGNORE = DEPLOY / "Containerfile.dockerignore"
DOCUMENTS = ["corpus", "corpus/report.pdf", "corpus/private/minutes.md", "corpus/discord/faq.json"]


def _sources(arguments: str) -> list[str]:
    """Return what a COPY or ADD takes from the build context: its arguments but the flags and the destination."""
    if arguments.lstrip().startswith("["):  # the JSON form: ["src", ..., "dest"]
        words = [w.strip(' "') for w in arguments.strip().strip("[]").split(",")]
    else:
        words = shlex.split(arguments)
    paths = [w for w in words if not w.startswith("--")]
    return paths[:-1]


def _reaches(source: str, path: str) -> bool:
    """Tell whether a COPY source (a path or a glob, relative to the context) takes `path` in."""
    source = source.removeprefix("./").rstrip("/") or "."
    if source in (".", "*"):
        return True
    parts = path.split("/")
    return any(fnmatch.fnmatch("/".join(parts[:i]), source) for i in range(1, len(parts) + 1))


def _excluded(path: str) -> bool:
    """Tell whether the ignore file keeps `path` out of the build context (the last matching line decides)."""
    lines = [line.strip() for line in IGNORE.read_text(encoding="utf-8").splitlines()]
    verdict = False
    for line in (line for line in lines if line and not line.startswith("#")):
        negated, pattern = line.startswith("!"), line.lstrip("!").strip("/")
        parts = path.split("/")
        prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
        if any(fnmatch.fnmatch(p, pattern) or fnmatch.fnmatch(p, pattern.removeprefix("**/")) for p in prefixes):
            verdict = not negated
    return verdict


def test_no_copy_or_add_takes_the_corpus_into_a_layer() -> None:
    copies = [(op, arg) for op, arg in _instructions() if op in ("COPY", "ADD")]
    assert copies, "the Containerfile copies the program in"
    for op, arg in copies:
        if "--from=" in arg:
            continue  # from another stage, never from the build context
        for source in _sources(arg):
            assert not any(_reaches(source, d) for d in DOCUMENTS), f"{op} {arg} brings the corpus into a layer"


@pytest.mark.parametrize("path", DOCUMENTS)
def test_the_ignore_file_keeps_the_corpus_out_of_the_build_context(path: str) -> None:
    assert _excluded(path), f"{path} reaches the build context: {IGNORE.name} must exclude corpus/"


@pytest.mark.parametrize("path", ["pyproject.toml", "README.md", "index/build.py", "bot/cli/program.py"])
def test_the_ignore_file_lets_the_program_in(path: str) -> None:
    assert not _excluded(path)


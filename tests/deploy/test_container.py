"""The container recipe keeps its promises (read from the files; building it is in deploy/README.md)."""

from __future__ import annotations

import re

from tests.fakes import ROOT

DEPLOY = ROOT / "deploy"


def _instructions() -> list[tuple[str, str]]:
    """The Containerfile's instructions, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Containerfile").read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def test_the_image_runs_as_a_user_checks_its_health_and_stops_on_sigterm() -> None:
    steps = _instructions()
    users = [arg for op, arg in steps if op == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert ("STOPSIGNAL", "SIGTERM") in steps
    [check] = [arg for op, arg in steps if op == "HEALTHCHECK"]
    assert check.endswith('CMD ["quotebot", "health"]')
    [volumes] = [arg for op, arg in steps if op == "VOLUME"]
    assert "/srv/quotebot/index" in volumes and "/srv/quotebot/data" in volumes


def test_the_model_export_is_baked_in_at_build_time() -> None:
    steps = _instructions()
    env = " ".join(arg for op, arg in steps if op == "ENV")
    assert "QUOTEBOT_MODEL_CACHE_DIR=/opt/quotebot/model" in env and "QUOTEBOT_BACKEND=onnx" in env
    runs = [arg for op, arg in steps if op == "RUN"]
    assert any("quotebot build" in run and "/opt/quotebot/model/onnx" in run for run in runs)
    assert [op for op, _ in steps].index("USER") > max(i for i, (op, _) in enumerate(steps) if op == "RUN")


def test_compose_reads_the_token_from_env_and_mounts_the_folders() -> None:
    compose = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    assert "env_file: .env" in compose and "init: true" in compose
    for mount in ("/srv/quotebot/corpus:ro", "/srv/quotebot/index", "/srv/quotebot/data"):
        assert mount in compose, mount
    example = (DEPLOY / ".env.example").read_text(encoding="utf-8")
    assert re.search(r"^DISCORD_TOKEN=\s*$", example, re.M)  # a placeholder, never a token

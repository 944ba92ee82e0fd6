"""Typed settings from QUOTEBOT_* environment variables and a .env file; CLI flags override them."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ...index import DEFAULT_MODEL, BuildOptions, QuotebotError

__all__ = ["Settings", "load_settings"]


class Settings(BaseSettings):
    """Everything configurable, with safe defaults; the Discord token has none."""

    model_config = SettingsConfigDict(env_prefix="QUOTEBOT_", env_file=".env", extra="ignore")

    corpus_dir: Path = Field(Path("corpus"), description="folder of documents (.txt .md .html .pdf)")
    config_file: Path = Field(
        Path("quotebot.toml"), description="collections and who may search them; without it, one collection: corpus_dir"
    )
    index_dir: Path = Field(Path(".quotebot/index"), description="where the built index lives (git-ignored)")
    model_cache_dir: Path | None = Field(
        None, description="where the ONNX export of the model is kept; default: the index folder"
    )
    data_dir: Path = Field(Path(".quotebot"), description="logs of feedback and unanswered questions")
    model: str = Field(DEFAULT_MODEL, description="sentence-transformers model name or folder")
    backend: Literal["auto", "onnx", "torch"] = Field(
        "auto", description="embedding backend: auto (ONNX when the model exports, else torch), onnx or torch"
    )
    device: Literal["cpu", "cuda"] = Field("cpu", description="embedding device: cpu or cuda")
    top_k: int = Field(3, ge=1, le=10, description="passages per answer")
    chunk_tokens: int = Field(BuildOptions().chunk_tokens, ge=32, le=512, description="longest chunk, in word-pieces")
    index_type: Literal["auto", "flat", "ivf", "hnsw"] = Field(
        "auto", description="FAISS index kind of a build: auto (exact up to 30k vectors, IVF above), flat, ivf, hnsw"
    )
    discord_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("DISCORD_TOKEN", "QUOTEBOT_DISCORD_TOKEN")
    )

    @field_validator("discord_token", "example_question", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """Read `DISCORD_TOKEN=` (an empty line in .env) as no token: the terminal Q&A, not a failing bot."""
        return None if isinstance(value, str) and not value.strip() else value

    dev_guild: int | None = Field(None, description="sync slash commands to this guild only (instant)")
    example_question: str | None = Field(
        None, max_length=200, description="a question your documents answer, offered to members who ask nothing"
    )
    cooldown_rate: int = Field(5, ge=1, le=100, description="questions one user may ask per cooldown window")
    cooldown_per: float = Field(30.0, gt=0, le=3600, description="the cooldown window, in seconds")
    global_rate: int = Field(60, ge=1, le=10_000, description="questions the whole bot takes per global window")
    global_per: float = Field(60.0, gt=0, le=3600, description="the global rate window, in seconds")
    workers: int = Field(2, ge=1, le=32, description="questions answered at once (embedding and search threads)")
    queue_size: int = Field(32, ge=0, le=10_000, description="questions waiting for a worker; beyond: 'busy'")
    max_file_mb: float = Field(50.0, gt=0, le=10_000, description="larger corpus files are skipped with a warning")
    replace_index: bool = Field(
        False, description="let the index folder's index, built from another corpus folder, be rebuilt from this one"
    )
    watch: bool = Field(True, description="re-index a collection when files in its folder change while the bot runs")
    watch_poll: bool = Field(False, description="poll the folders instead of file notifications (network shares)")
    watch_debounce: float = Field(
        0.5, ge=0.05, le=600, description="seconds the folders must be quiet before a burst of changes is re-indexed"
    )
    shutdown_grace: float = Field(
        30.0, ge=0, le=600, description="seconds a SIGTERM waits for the answers in flight before closing"
    )
    live_debounce: float = Field(
        1.0, ge=0, le=600, description="seconds to wait after a change in a Discord channel before re-indexing it"
    )
    gaps_log: bool = Field(True, description="keep unanswered questions and feedback in data_dir/gaps.jsonl")
    gaps_max_mb: float = Field(5.0, gt=0, le=1_000, description="the gaps log's size cap; the oldest half goes")
    log_format: Literal["text", "json"] = Field(
        "text", description="the bot's log lines: text, or json (one JSON object per line, for log collectors)"
    )
    log_questions: bool = Field(False, description="put the question's text in each answer's log line")


def load_settings(**overrides: object) -> Settings:
    """Read settings, applying non-None overrides; raise QuotebotError on an invalid value."""
    values = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**values)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        if field in values:  # a command-line flag gave it: blame the flag, not the environment
            flag = "--" + _FLAGS.get(field, field.replace("_", "-"))
            raise QuotebotError(f"invalid {flag} {values[field]}: {first['msg']}") from exc
        name = "QUOTEBOT_" + field.upper() if field else "a setting"
        raise QuotebotError(f"invalid setting {name}: {first['msg']}; fix it in the environment or .env") from exc


# The settings whose command-line flag is not their name with dashes.
_FLAGS = {"corpus_dir": "corpus", "index_dir": "index", "data_dir": "data", "config_file": "config"}

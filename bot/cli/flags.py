"""The command line's flags: one parser, each command's options, their choices the settings' own."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, get_args

from ..ops.settings import Settings

__all__ = ["parser"]

# The choices of the flags are the settings' own: one list each, checked again by the library.
BACKENDS = get_args(Settings.model_fields["backend"].annotation)
INDEX_TYPES = get_args(Settings.model_fields["index_type"].annotation)


def parser() -> argparse.ArgumentParser:
    """Describe the commands and their flags."""
    cli = argparse.ArgumentParser(prog="quotebot", description="Answer questions by quoting your documents.")
    commands = cli.add_subparsers(dest="command", required=True, metavar="COMMAND")
    build = _corpus_command(commands, "build", "build the index of the corpus")
    build.add_argument("--check", action="store_true", help="only report whether the index is up to date")
    build.add_argument(
        "--index-type",
        choices=INDEX_TYPES,
        help="FAISS index kind (default: QUOTEBOT_INDEX_TYPE or auto: exact up to 30k vectors, IVF above)",
    )
    _add_ask_flags(_corpus_command(commands, "ask", "answer a question with quotes from the corpus"))
    _corpus_command(commands, "chat", "answer questions typed in the terminal (or piped on stdin)")
    _corpus_command(commands, "serve", "run the Discord bot (needs DISCORD_TOKEN)")
    _corpus_command(commands, "run", "build if needed, then serve with DISCORD_TOKEN set, else chat")
    gaps_help = "list the questions the corpus could not answer, and the 👍 / 👎 feedback, with their server"
    gaps = commands.add_parser("gaps", help=gaps_help, description=gaps_help)
    gaps.add_argument("--data", type=Path, help="data folder (default: QUOTEBOT_DATA_DIR or .quotebot)")
    gaps.add_argument("--json", action="store_true", help="print the records as JSON lines")
    gaps.add_argument("--clear", action="store_true", help="empty the log (it holds what users typed)")
    health_help = "exit 0 when the running bot's heartbeat is fresh and all is well, else 1 with the reason"
    health = commands.add_parser("health", help=health_help, description=health_help)
    health.add_argument("--data", type=Path, help="data folder (default: QUOTEBOT_DATA_DIR or .quotebot)")
    health.add_argument(
        "--max-age", type=float, default=30.0, metavar="SECONDS", help="older heartbeats are stale (default 30)"
    )
    health.add_argument(
        "--max-lag", type=float, default=2.0, metavar="SECONDS", help="a longer event-loop lag fails (default 2)"
    )
    return cli


def _corpus_command(commands: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    """Add a command that works on a corpus and its index, with the flags they all share."""
    sub: argparse.ArgumentParser = commands.add_parser(name, help=help_text, description=help_text)
    sub.add_argument("--corpus", type=Path, help="corpus folder (default: QUOTEBOT_CORPUS_DIR or corpus/)")
    sub.add_argument("--index", type=Path, help="index folder (default: QUOTEBOT_INDEX_DIR or .quotebot/index)")
    data_help = "the bot's data folder, where its opt-out list is read (default: QUOTEBOT_DATA_DIR or .quotebot)"
    sub.add_argument("--data", type=Path, help=data_help)
    sub.add_argument("--quiet", action="store_true", help="no progress bar")
    sub.add_argument(
        "--backend", choices=BACKENDS, help="embedding backend (default: QUOTEBOT_BACKEND or auto: ONNX if it can)"
    )
    sub.add_argument("--device", choices=("cpu", "cuda"), help="embedding device (default: QUOTEBOT_DEVICE or cpu)")
    sub.add_argument(
        "--collection", metavar="NAME", help="only this collection of quotebot.toml (default: every collection)"
    )
    sub.add_argument("--config", type=Path, help="collections file (default: QUOTEBOT_CONFIG_FILE or quotebot.toml)")
    replace = "let --index's index, built from another corpus folder, be rebuilt from this one (default: refused)"
    sub.add_argument("--replace-index", action="store_true", help=replace)
    return sub


def _add_ask_flags(ask: argparse.ArgumentParser) -> None:
    """Add what `ask` takes besides the corpus flags: the question or claim, and how to print the answer."""
    ask.add_argument("question", nargs="?", help="the question (omit with --batch or --claim)")
    ask.add_argument(
        "--claim",
        nargs="?",
        const="",
        metavar="CLAIM",
        help="rank the passages that bear on CLAIM, a statement to check, instead of answering a question; "
        "bare with --batch: every line is a claim",
    )
    ask.add_argument(
        "--top-k",
        type=int,
        metavar="N",
        help="passages to show at most (1-10, default 3); a passage after the first is shown only when it answers "
        "on its own and scores at least 0.75 of the first's, so fewer are common",
    )
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--batch", metavar="FILE", help="with --json: one question per line of FILE ('-' for stdin)")
    ask.add_argument(
        "--format",
        choices=("text", "markdown", "discord"),
        default="text",
        help="markdown: quotes as Markdown; discord: the message payload the bot would post",
    )
    ask.add_argument(
        "--locale",
        help="with --format discord: the asker's language for the bot's own words (en, ar, zh, zh-TW, fr, ru, es, "
        "or a Discord locale such as es-419; others get English); quotes are never translated",
    )

"""The `quotebot` command line: build | ask | chat | serve | run | gaps | health."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO, get_args

from ...index import Answer, QuotebotError, build_library, check_library, preflight, validate_question
from ...index.text import displayable, printable
from ..ops.engines import Engine, EngineLoader
from ..ops.logs import one_line_logs, say_model_steps
from ..ops.settings import Settings, load_settings
from ..ops.watch import WatchedEngine
from ..reply.render import answer_to_json, answer_to_markdown, answer_to_text, json_line
from ..sources.forgotten import FORGOTTEN_FILE, Forgotten
from ..words.i18n import DEFAULT, Lang, accepted_locales, language

__all__ = ["main"]

log = logging.getLogger(__name__)

# The choices of the flags are the settings' own: one list each, checked again by the library.
BACKENDS = get_args(Settings.model_fields["backend"].annotation)
INDEX_TYPES = get_args(Settings.model_fields["index_type"].annotation)
MAX_QUESTION_CHARS = 2000  # the command line's limit (the bot takes 1,000)


def _parser() -> argparse.ArgumentParser:
    """Describe the commands and their flags."""
    parser = argparse.ArgumentParser(prog="quotebot", description="Answer questions by quoting your documents.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
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
    return parser


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


def _settings(args: argparse.Namespace) -> Settings:
    """Merge settings with the flags given."""
    return load_settings(
        corpus_dir=getattr(args, "corpus", None),
        index_dir=getattr(args, "index", None),
        data_dir=getattr(args, "data", None),
        top_k=getattr(args, "top_k", None),
        backend=getattr(args, "backend", None),
        device=getattr(args, "device", None),
        index_type=getattr(args, "index_type", None),
        config_file=getattr(args, "config", None),
        replace_index=getattr(args, "replace_index", False) or None,  # unset: QUOTEBOT_REPLACE_INDEX decides
    )


def _progress(quiet: bool) -> Callable[[int, int], None] | None:
    """Return a tqdm progress callback on stderr, or None when quiet or not a terminal."""
    if quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar: list[tqdm[None]] = []

    def update(done: int, total: int) -> None:
        if not bar:
            # delay: a build that finishes within a second (cached, small) shows no bar at all
            bar.append(tqdm(total=total, desc="embedding", unit="text", file=sys.stderr, leave=False, delay=1.0))
        bar[0].update(done - bar[0].n)
        if done >= total:
            bar[0].close()

    return update


def _engine(settings: Settings, args: argparse.Namespace, loader: EngineLoader | None = None) -> Engine:
    """Open the engines (of --collection, or all), rebuilding a missing or stale index with a note on stderr.

    The members who ran /forget-me are withheld from the first answer on, as the bot withholds them.
    """
    forgotten = _forgotten(settings)  # first: a damaged list stops the command before the model loads
    engine = (loader or EngineLoader(settings)).open(
        progress=_progress(args.quiet),
        on_rebuild=lambda reason: print(f"building the index ({reason})…", file=sys.stderr),
        collection=getattr(args, "collection", None),
    )
    engine.withhold(forgotten)
    return engine


def _forgotten(settings: Settings) -> frozenset[str]:
    """Return the ids of the members who asked the bot never to quote them (its data folder's list)."""
    return Forgotten(settings.data_dir / FORGOTTEN_FILE).ids


def _withholding(current: Callable[[], Engine], settings: Settings) -> Callable[[], Engine]:
    """Return `current`, the opt-out list read again and applied before each answer.

    A rebuilt engine starts with no one withheld, and a member may run /forget-me while the chat runs.
    """

    def engine() -> Engine:
        answering = current()
        answering.withhold(_forgotten(settings))
        return answering

    return engine


def cmd_build(args: argparse.Namespace) -> int:
    """Build the index of each collection, or with --check report whether each is current (exit 1 when stale)."""
    settings = _settings(args)
    loader = EngineLoader(settings)
    collections = loader.collections()
    names = None if args.collection is None else [args.collection]
    named = collections.source is not None  # name collections only when quotebot.toml defines them

    def where(name: str) -> str:
        return f"{name}: " if named else ""

    if args.check:
        reasons = check_library(
            collections, settings.index_dir, model=settings.model, names=names, options=loader.options()
        )
        for name, reason in reasons.items():
            folder = collections.index_dir(settings.index_dir, name)
            print(f"{where(name)}stale: {reason}" if reason else f"{where(name)}up to date: {folder}")
        return 1 if any(reasons.values()) else 0
    options = loader.options(_progress(args.quiet))
    preflight(collections, settings.index_dir, options)  # a wrong path fails before the model loads
    built = build_library(collections, settings.index_dir, embedder=loader.embedder(), names=names, options=options)
    for name, manifest in built.items():
        folder = collections.index_dir(settings.index_dir, name)
        reused = "" if manifest.embedded is None else f" ({manifest.embedded} texts embedded, the rest from the cache)"
        documents, skipped = len(manifest.documents), len(manifest.skipped)
        print(f"{where(name)}indexed {manifest.chunk_count} passages from {documents} documents into {folder}{reused}")
        if skipped:
            print(f"{where(name)}{skipped} file{'s' if skipped != 1 else ''} skipped: see the warnings above")
    return 0


def _lines(name: str) -> Iterator[str]:
    """Yield the lines of a file, or of stdin for '-'."""
    if name == "-":
        yield from (line.rstrip("\r\n") for line in sys.stdin)
        return
    try:
        with open(name, encoding="utf-8") as handle:
            yield from (line.rstrip("\r\n") for line in handle)
    except (OSError, UnicodeDecodeError) as exc:
        raise QuotebotError(f"cannot read batch file {name}: {exc}; pass a UTF-8 text file or '-'") from exc


def _discord_payload(
    engine: Engine, text: str, per_page: int, *, claim: bool = False, lang: Lang = DEFAULT
) -> dict[str, Any]:
    """Return the message the Discord bot would post for a question (or a claim) in `lang`, as sent to Discord."""
    from ..reply.replies import build_reply, fetch_count, reply_payload

    answer = engine.answer(text, fetch_count(per_page), claim=claim)
    return reply_payload(build_reply(answer, per_page=per_page, kind="claim" if claim else "question", lang=lang))


def _locale(args: argparse.Namespace) -> Lang:
    """Return the language --locale asks for (English without it); refuse a value no member could have."""
    if args.locale is None:
        return DEFAULT
    accepted = accepted_locales()
    if args.locale.strip().replace("_", "-").lower() not in {a.lower() for a in accepted}:
        raise QuotebotError(f"unknown --locale {args.locale!r}: use one of {', '.join(accepted)}")
    if args.format != "discord":  # the terminal, Markdown and JSON output is the corpus owner's, in English
        raise QuotebotError("--locale sets the language of the Discord preview: add --format discord")
    return language(args.locale)


def _asked(args: argparse.Namespace) -> tuple[str | None, bool]:
    """Return the text to answer (None with --batch) and whether it is a claim; refuse mixed or missing input."""
    claim = args.claim is not None
    if args.batch is not None:
        if not args.json or args.question:
            raise QuotebotError("--batch goes with --json and no QUESTION: quotebot ask --json --batch FILE")
        if args.claim:
            raise QuotebotError("--batch reads the claims from FILE: give --claim without text")
        return None, claim
    if claim and args.question is not None:
        raise QuotebotError('give a QUESTION or --claim "CLAIM", not both')
    if claim and not args.claim.strip():
        raise QuotebotError('no claim given: quotebot ask --claim "China voted against resolution 73/266."')
    if not claim and args.question is None:
        raise QuotebotError('no question given: quotebot ask "What should ICT providers not do?"')
    return (args.claim if claim else args.question), claim


def _batch(args: argparse.Namespace, settings: Settings, *, claim: bool, lang: Lang) -> int:
    """Answer each line of the batch file (each a claim with --claim) as one JSON line."""
    engine = _engine(settings, args)
    for line in _lines(args.batch):
        try:
            if args.format == "discord":
                record = _discord_payload(engine, line, settings.top_k, claim=claim, lang=lang)
            else:
                record = answer_to_json(engine.answer(line, settings.top_k, claim=claim))
        except QuotebotError as exc:
            record = {"question": line[:MAX_QUESTION_CHARS], "error": str(exc)}
        print(json_line(record), flush=True)
    return 0


def _render(answer: Answer, args: argparse.Namespace, *, claim: bool) -> str:
    """Render an answer the way the flags ask: JSON, Markdown, or text (the highlight bold on a terminal)."""
    if args.json:
        return json_line(answer_to_json(answer))
    if args.format == "markdown":
        return answer_to_markdown(answer, claim=claim)
    return answer_to_text(answer, bold=sys.stdout.isatty(), claim=claim)


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question or claim, or a batch of them as JSON lines."""
    lang = _locale(args)
    settings = _settings(args)
    text, claim = _asked(args)
    if text is None:
        return _batch(args, settings, claim=claim, lang=lang)
    validate_question(text, MAX_QUESTION_CHARS)  # fail fast, before loading the model
    engine = _engine(settings, args)
    if args.format == "discord":
        payload = _discord_payload(engine, text, settings.top_k, claim=claim, lang=lang)
        print(json_line(payload, indent=None if args.json else 2))
        return 0
    print(_render(engine.answer(text, settings.top_k, claim=claim), args, claim=claim))
    return 0


def _chat(current: Callable[[], Engine], settings: Settings, stdin: TextIO) -> int:
    """Answer questions line by line; interactive with a prompt on a terminal, else until end of input.

    `current()` is the engine that answers now: the corpus watcher swaps in a new one after a change.
    """
    interactive = stdin.isatty()
    if interactive:
        print("Ask a question about the corpus (Ctrl-D or 'quit' to leave).")
    while True:
        try:
            line = input("question> ") if interactive else stdin.readline()
        except EOFError:
            break
        if not interactive and not line:
            break
        line = line.strip()
        if not line:
            continue
        if interactive and line.lower() in ("quit", "exit"):
            break
        if not interactive:
            print(f"? {displayable(line)}")
        try:
            print(answer_to_text(current().answer(line, settings.top_k), bold=sys.stdout.isatty()), end="\n\n")
        except QuotebotError as exc:
            print(f"error: {exc}", end="\n\n")
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    """Run the terminal Q&A, the corpus watched (QUOTEBOT_WATCH) so that an edited file is quoted as it now is."""
    settings = _settings(args)
    loader = EngineLoader(settings)
    with WatchedEngine(loader, _engine(settings, args, loader), settings) as current:
        return _chat(_withholding(current, settings), settings, sys.stdin)


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the Discord bot."""
    settings = _settings(args)
    if settings.discord_token is None:
        raise QuotebotError("DISCORD_TOKEN is not set: put your bot token in the environment or .env")
    from .serve import run_bot  # imported here: the other commands don't need discord.py

    return run_bot(settings)


def cmd_run(args: argparse.Namespace) -> int:
    """Do what `make run` promises: the bot with a token, the terminal Q&A without."""
    settings = _settings(args)
    if settings.discord_token is not None:
        return cmd_serve(args)
    print("DISCORD_TOKEN is not set: starting the terminal Q&A instead of the Discord bot.", file=sys.stderr)
    return cmd_chat(args)


def cmd_gaps(args: argparse.Namespace) -> int:
    """Print the knowledge-gaps log, oldest first: unanswered questions, feedback and 👎 reasons, with their server."""
    from ..ops.gaps import GAPS_FILE, GapLog, format_gap

    log_file = GapLog(_settings(args).data_dir / GAPS_FILE)
    if args.clear:
        print(f"cleared {log_file.clear()} records from {log_file.path}")
        return 0
    records = list(log_file.records())
    for record in records:
        print(json_line(record) if args.json else format_gap(record))
    if not records and not args.json:
        print(f"no unanswered questions or feedback yet ({log_file.path})", file=sys.stderr)
    return 0


def cmd_health(args: argparse.Namespace) -> int:
    """Judge the running bot's heartbeat file: print one line; exit 0 when healthy, 1 otherwise (also on errors)."""
    from ..ops.health import HEARTBEAT_FILE, check

    try:
        data_dir = _settings(args).data_dir
    except QuotebotError as exc:  # a container HEALTHCHECK counts only 0 and 1
        print(f"unhealthy: {printable(str(exc))}")
        return 1
    healthy, line = check(data_dir / HEARTBEAT_FILE, max_age=args.max_age, max_lag=args.max_lag)
    print(printable(line))
    return 0 if healthy else 1


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "build": cmd_build,
    "ask": cmd_ask,
    "chat": cmd_chat,
    "serve": cmd_serve,
    "run": cmd_run,
    "gaps": cmd_gaps,
    "health": cmd_health,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; every error a user can cause becomes one line on stderr."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="warning: %(message)s", stream=sys.stderr)
    say_model_steps()
    one_line_logs(*logging.getLogger().handlers)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        return _COMMANDS[args.command](args)
    except QuotebotError as exc:
        print(f"quotebot: error: {printable(str(exc))}", file=sys.stderr)  # one line, whatever a path holds
        return 2
    except KeyboardInterrupt:
        print("quotebot: interrupted", file=sys.stderr)
        return 130

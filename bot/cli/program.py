"""The `quotebot` command line: build | ask | chat | serve | run | gaps | health."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO

from ...index import Answer, QuotebotError, build_library, check_library, validate_question
from ...index.text import displayable, printable
from ..ops.engines import Engine, EngineLoader
from ..ops.logs import one_line_logs, say_model_steps
from ..ops.settings import Settings, load_settings
from ..ops.watch import WatchedEngine
from ..reply.render import answer_to_json, answer_to_markdown, answer_to_text, json_line
from ..sources.forgotten import FORGOTTEN_FILE, Forgotten
from ..words.i18n import DEFAULT, Lang, accepted_locales, language
from .flags import parser

__all__ = ["main"]

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000  # the command line's limit (the bot takes 1,000)


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
    # The model is loaded once the library has checked the paths: a wrong one fails first.
    built = build_library(collections, settings.index_dir, embedder=loader.embedder, names=names, options=options)
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
    args = parser().parse_args(argv)
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

"""The `newsbrief` command line: run the bot, or run the news pipeline without Discord."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import sys
from collections.abc import Sequence
from concurrent.futures import Executor
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TextIO

from bot.settings import Settings, get_settings

if TYPE_CHECKING:
    from bot.news.models import Briefing
    from bot.news.pipeline import Pipeline

LOGGER = logging.getLogger("newsbrief")

EXIT_OK = 0
EXIT_INPUT_FAILED = 1
EXIT_USAGE = 2

PARALLEL_MIN_INPUTS = 8
"""Below this many local inputs, starting worker processes costs more than it saves."""

URL_CONCURRENCY = 8
"""Pages fetched at once by one command line run; the fetcher also limits each host."""

DEFAULT_DIGEST_SINCE = "24h"
"""A daily digest's window: what appeared since this time yesterday."""

DURATION_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
_DURATION = re.compile(r"^\s*(\d+)\s*([mhd])\s*$", re.IGNORECASE)

MISSING_TOKEN_MESSAGE = """\
newsbrief: DISCORD_TOKEN is not set, so the bot cannot log in.

  1. Open https://discord.com/developers/applications, create an application (or pick yours),
     then Bot > Reset Token, and copy the token.
  2. Put it in a file named .env in this folder (start from .env.example):
         DISCORD_TOKEN=your-token-here
     or export DISCORD_TOKEN in your shell.
  3. Invite the bot with the applications.commands and bot scopes, then run `newsbrief run` again.

To try the news pipeline without Discord: newsbrief summarize https://example.com/some-article
"""


def _configure_logging(settings: Settings, stream: TextIO = sys.stderr) -> logging.Handler:
    """Log to `stream` at the configured level, never showing a token (see bot.redaction)."""
    from bot.redaction import RedactSecrets

    handler = logging.StreamHandler(stream)
    member = f"[cluster {settings.cluster_index}] " if settings.cluster_index is not None else ""
    handler.setFormatter(logging.Formatter(f"%(asctime)s %(levelname)-8s {member}%(name)s: %(message)s"))
    token = settings.discord_token.get_secret_value() if settings.discord_token is not None else ""
    handler.addFilter(RedactSecrets([token]))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    if settings.log_level != "DEBUG":
        # trafilatura logs every page it finds no article in; newsbrief reports those itself.
        logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    return handler


def _positive_sentence_count(value: str) -> int:
    count = int(value)
    if not 1 <= count <= 20:
        raise argparse.ArgumentTypeError("must be between 1 and 20")
    return count


def _duration(value: str) -> timedelta:
    """'90m', '24h' or '2d' as a timedelta."""
    match = _DURATION.match(value)
    if match is None or int(match.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not an age like 90m, 24h or 2d")
    return int(match.group(1)) * DURATION_UNITS[match.group(2).lower()]


def _positive_process_count(value: str) -> int:
    count = int(value)
    if count < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return count


def _positive_story_count(value: str) -> int:
    count = int(value)
    if count < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return count


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsbrief", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("run", help="start the Discord bot (needs DISCORD_TOKEN)")
    commands.add_parser("sync", help="publish the slash commands to Discord globally, then exit")
    cluster = commands.add_parser(
        "cluster",
        help="run the bot as N local processes sharing its shards (needs DISCORD_TOKEN)",
        description="Start N `newsbrief run` processes, each with every N-th shard of SHARD_COUNT (or "
        "Discord's recommendation), start any that exits again, and stop them all on SIGINT or SIGTERM.",
    )
    cluster.add_argument("--processes", type=_positive_process_count, required=True, metavar="N")

    summarize = commands.add_parser(
        "summarize",
        help="summarize pages, saved .html files or plain-text files",
        description="Summarize each input: an http(s) URL, a saved page (.html/.htm), a plain-text "
        "file, or - for standard input.",
    )
    summarize.add_argument("inputs", nargs="+", metavar="URL|FILE")
    summarize.add_argument(
        "--sentences", type=_positive_sentence_count, default=None, help="summary length (default: 3 to 5)"
    )
    summarize.add_argument("--json", action="store_true", help="print one JSON object a line per input")

    digest = commands.add_parser(
        "digest",
        help="a digest of recent stories from news feeds",
        description="Read each feed (a feed URL, a site URL whose feed is discovered, or a local RSS/Atom "
        "file), group the recent items into stories across outlets, and summarize the top ones.",
    )
    digest.add_argument("feeds", nargs="+", metavar="FEED_URL|FILE")
    digest.add_argument(
        "--since",
        type=_duration,
        default=_duration(DEFAULT_DIGEST_SINCE),
        metavar="AGE",
        help=f"items published within this age: 90m, 24h, 2d... (default: {DEFAULT_DIGEST_SINCE}; undated items count)",
    )
    digest.add_argument("--max", type=_positive_story_count, default=None, metavar="N", help="stories (default: 10)")
    digest.add_argument(
        "--keyword",
        action="append",
        default=[],
        dest="keywords",
        metavar="WORD",
        help="rank stories that mention it first (repeatable)",
    )
    digest.add_argument("--json", action="store_true", help="print the digest as one JSON object")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = get_settings()
    _configure_logging(settings)
    if args.command in {"run", "sync"}:
        return run_bot(settings, sync_only=args.command == "sync")
    if args.command == "cluster":
        return run_cluster(settings, args.processes)
    if args.command == "digest":
        return asyncio.run(
            digest_feeds(args.feeds, since=args.since, max_stories=args.max, keywords=args.keywords, as_json=args.json)
        )
    return asyncio.run(summarize_inputs(args.inputs, sentences=args.sentences, as_json=args.json))


def run_bot(settings: Settings, *, sync_only: bool = False) -> int:
    """Start the bot (or only sync its commands), or explain how to get a token when there is none."""
    if settings.discord_token is None:
        sys.stderr.write(MISSING_TOKEN_MESSAGE)
        return EXIT_USAGE
    from bot import launcher

    return launcher.sync(settings) if sync_only else launcher.run(settings)


def run_cluster(settings: Settings, processes: int) -> int:
    """Start a cluster of `processes` bot processes, or explain how to get a token when there is none."""
    if settings.discord_token is None:
        sys.stderr.write(MISSING_TOKEN_MESSAGE)
        return EXIT_USAGE
    from bot import cluster

    return cluster.cluster(settings, processes)


# ----------------------------------------------------------------------------- summarize


class ProgressBar:
    """A one-line progress bar on a terminal; silent when the stream is not a terminal."""

    WIDTH = 30

    def __init__(self, total: int, stream: TextIO = sys.stderr) -> None:
        self.total = total
        self.done = 0
        self.stream = stream
        self.enabled = total > 1 and stream.isatty()

    def advance(self) -> None:
        self.done += 1
        if self.enabled:
            filled = self.WIDTH * self.done // self.total
            bar = "#" * filled + "." * (self.WIDTH - filled)
            self.stream.write(f"\r[{bar}] {self.done}/{self.total}")
            if self.done == self.total:
                self.stream.write("\n")
            self.stream.flush()


async def brief_source(
    pipeline: Pipeline, source: str, *, sentences: int | None, url_slots: asyncio.Semaphore
) -> Briefing:
    """Brief one command-line input: a URL, a file, or '-' for standard input."""
    from bot.news.pipeline import brief_file, brief_file_bytes, is_url

    if is_url(source):
        async with url_slots:
            return await pipeline.brief_url(source, sentences=sentences)
    if source == "-":
        data = await asyncio.to_thread(sys.stdin.buffer.read)
        return await pipeline.run_cpu(brief_file_bytes, data, name="stdin.txt", sentences=sentences)
    return await pipeline.run_cpu(brief_file, source, sentences=sentences)


def _worker_pool(local_inputs: int) -> Executor | None:
    """Processes for many local inputs: the work is CPU-bound and every core helps."""
    cores = os.cpu_count() or 1
    if local_inputs < PARALLEL_MIN_INPUTS or cores < 2:
        return None
    from bot.resources import make_executor

    return make_executor(cores)


async def summarize_inputs(
    sources: Sequence[str],
    *,
    sentences: int | None,
    as_json: bool,
    out: TextIO = sys.stdout,
    settings: Settings | None = None,
) -> int:
    """Brief every input in order, printing each as soon as it and those before it are done.

    Returns:
        0 when every input was briefed, 1 when any failed (its error is printed, the rest go on).
    """
    from bot.news.errors import InternalError, NewsError
    from bot.news.pipeline import Pipeline, is_url
    from bot.news.render import briefing_to_json, briefing_to_markdown, error_to_json
    from bot.resources import make_fetcher

    settings = settings or get_settings()
    executor = _worker_pool(sum(1 for source in sources if not is_url(source)))
    progress = ProgressBar(len(sources))
    failed = False
    url_slots = asyncio.Semaphore(URL_CONCURRENCY)
    try:
        async with make_fetcher(settings) as fetcher:
            pipeline = Pipeline(fetcher=fetcher, executor=executor)
            tasks = [
                asyncio.create_task(brief_source(pipeline, source, sentences=sentences, url_slots=url_slots))
                for source in sources
            ]
            for index, (source, task) in enumerate(zip(sources, tasks, strict=True)):
                record: dict[str, Any]
                try:
                    briefing = await task
                except NewsError as error:
                    failed = True
                    record = error_to_json(error, source=source)
                    text = f"{source}: {error.message}"
                except Exception as error:  # one broken input must not lose the others
                    LOGGER.exception("Unexpected failure on %s", source)
                    failed = True
                    unexpected = InternalError(f"Internal error: {type(error).__name__}: {error}")
                    record = error_to_json(unexpected, source=source)
                    text = f"{source}: {unexpected.message}"
                else:
                    record = briefing_to_json(briefing, source=source)
                    text = briefing_to_markdown(briefing)
                progress.advance()
                if as_json:
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
                else:
                    out.write(("\n\n" if index else "") + text + "\n")
                out.flush()
    finally:
        if executor is not None:
            executor.shutdown(cancel_futures=True)
    return EXIT_INPUT_FAILED if failed else EXIT_OK


# ----------------------------------------------------------------------------- digest


async def digest_feeds(
    sources: Sequence[str],
    *,
    since: timedelta,
    max_stories: int | None = None,
    keywords: Sequence[str] = (),
    as_json: bool,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    settings: Settings | None = None,
) -> int:
    """Read every feed at once, build one digest of their recent items, and print it.

    A feed that fails is reported on `err` and named in the digest's footer; the rest go on.

    Returns:
        0 when at least one feed was read, 1 when every feed failed.
    """
    from bot.news.digest import DEFAULT_MAX_STORIES, digest_feed_sources
    from bot.news.pipeline import Pipeline
    from bot.news.render import digest_to_json, digest_to_text
    from bot.resources import make_fetcher

    settings = settings or get_settings()
    async with make_fetcher(settings) as fetcher:
        result = await digest_feed_sources(
            sources,
            pipeline=Pipeline(fetcher=fetcher),
            max_age=since,
            concurrency=URL_CONCURRENCY,
            max_stories=max_stories or DEFAULT_MAX_STORIES,
            keywords=keywords,
        )
    for failure in result.failures:
        err.write(f"newsbrief: {failure.source}: {failure.error.message}\n")
    digest = result.digest
    out.write((json.dumps(digest_to_json(digest), ensure_ascii=False) if as_json else digest_to_text(digest)) + "\n")
    out.flush()
    return EXIT_INPUT_FAILED if len(result.failures) == len(sources) else EXIT_OK

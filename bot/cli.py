"""The `newsbrief` command line: run the bot, or run the news pipeline without Discord."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import re
import shutil
import sys
import time
from collections.abc import Sequence
from concurrent.futures import Executor
from datetime import timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO

from bot.settings import Settings, get_settings

if TYPE_CHECKING:
    from bot.news.filters import StoryFilter
    from bot.news.models import Briefing
    from bot.news.pipeline import Pipeline

LOGGER = logging.getLogger("newsbrief")

EXIT_OK = 0
EXIT_INPUT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
"""128 + SIGINT, as shells report a command stopped with Ctrl-C."""

EXIT_STATUSES = f"""\
exit status:
  {EXIT_OK}    success (digest: at least one feed was read)
  {EXIT_INPUT_FAILED}    an input failed (digest: every feed failed); each failure is on standard error
  {EXIT_USAGE}    the command line is wrong, or run/sync has no DISCORD_TOKEN
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C)

Results go to standard output; errors, diagnostics, logs (-v) and the progress line (on a terminal
only) go to standard error."""

QUIET_LOG_LEVEL = "WARNING"
"""summarize and digest log only warnings unless -v: their results and errors are their output."""
VERBOSE_LOG_LEVELS = ("INFO", "DEBUG")
"""The log level for -v and for -vv (and more)."""

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


def log_level(command: str, verbosity: int, settings: Settings) -> str:
    """The bot logs at its configured level; the pipeline commands keep quiet unless asked (-v, -vv)."""
    if verbosity > 0:
        return VERBOSE_LOG_LEVELS[min(verbosity, len(VERBOSE_LOG_LEVELS)) - 1]
    return settings.log_level if command in {"run", "sync", "cluster"} else QUIET_LOG_LEVEL


def _configure_logging(settings: Settings, stream: TextIO = sys.stderr, *, level: str | None = None) -> logging.Handler:
    """Log to `stream` at `level` (the configured one by default) in LOG_FORMAT, never showing a token (see
    bot.redaction)."""
    from bot.logs import log_formatter
    from bot.redaction import RedactSecrets

    level = level or settings.log_level
    handler = logging.StreamHandler(stream)
    handler.setFormatter(log_formatter(settings.log_format, cluster_index=settings.cluster_index))
    token = settings.discord_token.get_secret_value() if settings.discord_token is not None else ""
    handler.addFilter(RedactSecrets([token]))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    if level != "DEBUG":
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


def _outlet_cap(value: str) -> int:
    count = int(value)
    if count < 0:
        raise argparse.ArgumentTypeError("must be 0 (no cap) or more")
    return count


def _outlet_count(value: str) -> int:
    count = int(value)
    if count < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return count


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-v", "--verbose", action="count", default=0, help="log progress details to standard error (-vv: debug)"
    )
    shown: dict[str, Any] = {
        "epilog": EXIT_STATUSES,
        "formatter_class": argparse.RawDescriptionHelpFormatter,
        "parents": [common],
    }
    # -v belongs to each command: on the main parser too, a command's default would overwrite it.
    parser = argparse.ArgumentParser(
        prog="newsbrief",
        description=__doc__,
        epilog=EXIT_STATUSES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("run", help="start the Discord bot (needs DISCORD_TOKEN)", **shown)
    commands.add_parser("sync", help="publish the slash commands to Discord globally, then exit", **shown)
    cluster = commands.add_parser(
        "cluster",
        help="run the bot as N local processes sharing its shards (needs DISCORD_TOKEN)",
        description="Start N `newsbrief run` processes, each with every N-th shard of SHARD_COUNT (or "
        "Discord's recommendation), start any that exits again, and stop them all on SIGINT or SIGTERM.",
        **shown,
    )
    cluster.add_argument("--processes", type=_positive_process_count, required=True, metavar="N")

    summarize = commands.add_parser(
        "summarize",
        **shown,
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
        **shown,
        help="a digest of recent stories from news feeds",
        description="Read each feed (a feed URL, a site URL whose feed is discovered, or a local RSS, Atom "
        "or JSON Feed file), group the recent items into stories across outlets, and summarize the top ones.",
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
    digest.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="WORD",
        help="keep only stories that mention one of these words (repeatable; whole words, any case)",
    )
    digest.add_argument(
        "--exclude", action="append", default=[], metavar="WORD", help="leave out stories that mention it (repeatable)"
    )
    digest.add_argument(
        "--per-outlet",
        "--max-per-outlet",
        dest="max_per_outlet",
        type=_outlet_cap,
        default=None,
        metavar="N",
        help="stories one outlet reported alone, at most (default: half the digest; 0: no cap)",
    )
    digest.add_argument(
        "--min-outlets",
        type=_outlet_count,
        default=1,
        metavar="N",
        help="keep only stories covered by at least N outlets (default: 1)",
    )
    digest.add_argument("--json", action="store_true", help="print the digest as one JSON object")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = get_settings()
    _configure_logging(settings, level=log_level(args.command, args.verbose, settings))
    try:
        if args.command in {"run", "sync"}:
            return run_bot(settings, sync_only=args.command == "sync")
        if args.command == "cluster":
            return run_cluster(settings, args.processes)
        if args.command == "digest":
            from bot.news.filters import StoryFilter  # here, not at the top: --help stays fast

            return asyncio.run(
                digest_feeds(
                    args.feeds,
                    since=args.since,
                    max_stories=args.max,
                    keywords=args.keywords,
                    story_filter=StoryFilter(
                        include=tuple(args.include),
                        exclude=tuple(args.exclude),
                        max_per_outlet=args.max_per_outlet,
                        min_outlets=args.min_outlets,
                    ),
                    as_json=args.json,
                )
            )
        return asyncio.run(summarize_inputs(args.inputs, sentences=args.sentences, as_json=args.json))
    except KeyboardInterrupt:
        sys.stderr.write("newsbrief: interrupted\n")
        return EXIT_INTERRUPTED


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


class Progress:
    """One status line on standard error while work takes more than a second: what is being done, how
    far it is, and for how long. Drawn only on a terminal; piped or redirected, it writes nothing.

    Use `async with Progress() as progress`, then `progress.update(stage, done, total)`; call
    `progress.clear()` before writing anything else to the terminal.
    """

    DELAY_SECONDS = 1.0
    """Work done within a second needs no progress line: it would only flicker."""
    REDRAW_SECONDS = 0.1
    """Ten redraws a second move the spinner smoothly and cost nothing."""
    SPINNER = "|/-\\"

    def __init__(self, stream: TextIO = sys.stderr, *, enabled: bool | None = None) -> None:
        self.stream = stream
        self.enabled = _is_terminal(stream) if enabled is None else enabled
        self.stage = ""
        self.done = 0
        self.total = 0
        self._started = time.monotonic()
        self._drawn = False
        self._frame = 0
        self._ticker: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Progress:
        self._started = time.monotonic()
        if self.enabled:
            self._ticker = asyncio.create_task(self._tick())
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        self.clear()

    def update(self, stage: str, done: int, total: int) -> None:
        """Say what is being done: `done` of `total` (a `ProgressCallback` of bot.news.digest)."""
        self.stage, self.done, self.total = stage, done, total

    def advance(self) -> None:
        self.done += 1

    def clear(self) -> None:
        """Take the line off the terminal, so that what is written next starts on a clean line."""
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn = False

    async def _tick(self) -> None:
        await asyncio.sleep(self.DELAY_SECONDS)
        while True:
            self.draw()
            await asyncio.sleep(self.REDRAW_SECONDS)

    def draw(self) -> None:
        elapsed = time.monotonic() - self._started
        spinner = self.SPINNER[self._frame % len(self.SPINNER)]
        self._frame += 1
        line = f"{spinner} {self.stage} {self.done}/{self.total} · {elapsed:.0f} s"
        width = shutil.get_terminal_size().columns - 1
        self.stream.write("\r\x1b[K" + line[:width])
        self.stream.flush()
        self._drawn = True


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or fake stream
        return False


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
    err: TextIO = sys.stderr,
    settings: Settings | None = None,
) -> int:
    """Brief every input in order, printing each as soon as it and those before it are done.

    Briefings go to `out`, as Markdown or one JSON object a line (a failed input's object carries its
    error there too, so the lines match the inputs); every failure is also told on `err`.

    Returns:
        0 when every input was briefed, 1 when any failed (its error is printed, the rest go on).
    """
    from bot.news.errors import InternalError, NewsError
    from bot.news.pipeline import Pipeline, is_url
    from bot.news.render import briefing_to_json, briefing_to_markdown, error_to_json
    from bot.resources import make_fetcher

    settings = settings or get_settings()
    executor = _worker_pool(sum(1 for source in sources if not is_url(source)))
    failed = False
    printed = 0
    url_slots = asyncio.Semaphore(URL_CONCURRENCY)
    try:
        async with make_fetcher(settings) as fetcher, Progress(err) as progress:
            progress.update("Summarizing", 0, len(sources))
            pipeline = Pipeline(fetcher=fetcher, executor=executor)
            tasks = [
                asyncio.create_task(brief_source(pipeline, source, sentences=sentences, url_slots=url_slots))
                for source in sources
            ]
            for task in tasks:
                task.add_done_callback(lambda _: progress.advance())
            for source, task in zip(sources, tasks, strict=True):
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
                progress.clear()
                if record["error"] is not None:
                    err.write(f"newsbrief: {text}\n")
                    err.flush()
                if as_json:
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
                elif record["error"] is None:
                    out.write(("\n\n" if printed else "") + text + "\n")
                    printed += 1
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
    story_filter: StoryFilter | None = None,
    as_json: bool,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    settings: Settings | None = None,
) -> int:
    """Read every feed at once, build one digest of their recent items, and print it.

    A feed that fails is reported on `err` and named in the digest's footer; the rest go on. How
    many stories the rules held back is told on `err` too.

    Returns:
        0 when at least one feed was read, 1 when every feed failed.
    """
    from bot.news.digest import DEFAULT_MAX_STORIES, digest_feed_sources
    from bot.news.filters import DEFAULT_STORY_FILTER
    from bot.news.pipeline import Pipeline
    from bot.news.render import digest_to_json, digest_to_text, held_back_line
    from bot.resources import make_fetcher

    settings = settings or get_settings()
    async with make_fetcher(settings) as fetcher, Progress(err) as progress:
        result = await digest_feed_sources(
            sources,
            pipeline=Pipeline(fetcher=fetcher),
            max_age=since,
            concurrency=URL_CONCURRENCY,
            max_stories=max_stories or DEFAULT_MAX_STORIES,
            keywords=keywords,
            story_filter=story_filter or DEFAULT_STORY_FILTER,
            progress=progress.update,
        )
    for failure in result.failures:
        err.write(f"newsbrief: {failure.source}: {failure.error.message}\n")
    digest = result.digest
    if held := held_back_line(digest.held_back):
        err.write(f"newsbrief: {held}\n")
    out.write((json.dumps(digest_to_json(digest), ensure_ascii=False) if as_json else digest_to_text(digest)) + "\n")
    out.flush()
    return EXIT_INPUT_FAILED if len(result.failures) == len(sources) else EXIT_OK

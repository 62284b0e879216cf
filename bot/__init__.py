"""newsbrief: news pages and feeds into short briefings, on Discord and the command line.

What lives here, from the outside in:

- `cli` (and `__main__`): the `newsbrief` command: run or sync the bot, or summarize and digest
  without Discord. `settings`: the one reader of the environment.
- `launcher` (with `resources`): opens the store, worker processes, fetcher and pipeline, passes
  them into the bot and closes them after it. `client`: NewsBot, the Discord client; the cogs it
  loads live in the top-level `cogs` package.
- `services/`: what the commands do (follow feeds, subscribe digests, forget servers left),
  between the cogs and the store, scheduler and pipeline; typed results, no discord.
- `digests`, `scheduler`, `poster`: daily digests: feeds kept fresh, deliveries due at each
  subscriber's local time, and posted into channels.
- `embeds`, `replies`, `paginator`, `discord_limits`: what Discord shows: briefings and digests as
  embeds within Discord's limits (all of them in `discord_limits`), errors as messages, and long
  lists as pages turned with buttons.
- `redaction`: the log filter that keeps tokens out of every log line.
- `store/`: feeds, items, subscriptions, deliveries and history in SQLite or PostgreSQL.
- `news/`: the pure core (fetch, extract, summarize, quote, feeds, stories, digests); it never
  imports discord, and everything above builds on it.
"""

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/newsbrief/newsbrief"
README_URL = f"{PROJECT_URL}#readme"
"""Where /about sends people to learn the commands."""

"""newsbrief: news pages and feeds into short briefings, on Discord and the command line.

What lives here, from the outside in:

- `cli` (and `__main__`): the `newsbrief` command: run or sync the bot, or summarize and digest
  without Discord. `settings`: the one reader of the environment.
- `client`: NewsBot, the Discord client; the cogs it loads live in the top-level `cogs` package.
- `digests`, `scheduler`, `poster`: daily digests: feeds kept fresh, deliveries due at each
  subscriber's local time, and posted into channels.
- `embeds`, `replies`: what Discord shows: briefings and digests as embeds within Discord's
  limits, and errors as messages.
- `store/`: feeds, items, subscriptions, deliveries and history in SQLite or PostgreSQL.
- `news/`: the pure core (fetch, extract, summarize, quote, feeds, stories, digests); it never
  imports discord, and everything above builds on it.
"""

__version__ = "0.1.0"

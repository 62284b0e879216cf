"""The pure news core: from a URL, a file or a feed to a briefing or a digest. It never imports discord.

- `fetch`: the only network code (aiohttp, size and time limits, the address guard).
- `extract` (with `cleanup`, `byline`, `language`): HTML or text -> Article.
- `sentences`, `summarize` (with `rankers`), `quotes`: the summary and the key quotes.
- `pipeline`: the chain for one input (URL, saved page, text), its cache, CPU work off the loop.
- `feeds`: feed discovery, conditional GET and parsing; `stories`: the same story across outlets.
- `digest`: feed items -> a ranked Digest of summarized stories (and feed sources read on demand).
- `render`: briefings and digests as terminal text and JSON; `bot/embeds.py` does Discord.
- `models`, `errors`, `urls`: the values that flow through, the domain errors, link normalizing.
"""

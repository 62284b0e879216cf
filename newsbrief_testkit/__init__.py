"""Stand-ins for the outside world, shared by the tests and the benchmarks; the product never imports them.

- `local_site`: a news site on 127.0.0.1 (free port) serving the pages and feeds a caller adds, hits counted.
- `fake_discord`: Discord's REST API and gateway, enough for the real discord.py client to log in,
  receive commands and post, with Discord's limits and injectable faults.

A package of its own (not under tests/) so that `bench/` can import it without editing `sys.path`.
"""

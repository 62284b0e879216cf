"""The pure news core: fetch, extract, summarize, quote. It never imports discord."""

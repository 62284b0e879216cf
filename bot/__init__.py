"""newsbrief: news pages and feeds into short briefings, on Discord and the command line."""

__version__ = "0.1.0"

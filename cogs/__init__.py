"""discord.py extensions: thin layers that parse an interaction, call the core and render.

Every module here that does not start with an underscore is loaded as an extension at start.
"""

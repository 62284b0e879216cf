"""An extension whose setup fails, to show that one broken cog does not stop the others."""


async def setup(bot: object) -> None:
    raise RuntimeError("this extension is broken on purpose")

"""The cog extraction method finds every string discord.py sends the translator at sync."""

from __future__ import annotations

import io

from babel.messages.extract import DEFAULT_KEYWORDS

from bot.i18n.extract import DESCRIPTION, MENU, NAME, OPTION, command_strings, extract_cog

COG = '''
class FeedCommands(commands.GroupCog, group_name="feed", group_description="Change the feeds"):
    @app_commands.command(name="add")
    @app_commands.describe(url="A feed or a site")
    async def add(self, interaction, url: str, private: bool | None = None) -> None:
        """Follow a feed.

        Args: what the docstring says after its first paragraph is not sent.
        """
        raise UserError(N_("Give the full address."))

    def __init__(self) -> None:
        self.menu = app_commands.ContextMenu(name="Summarize", callback=self.summarize)

    async def helper(self, interaction, value: str) -> None:
        """Not a command: nothing of it is sent."""
'''


def test_command_strings_are_the_names_descriptions_and_options_a_sync_sends() -> None:
    assert sorted((text, kind) for _, text, kind in command_strings(COG)) == [
        ("A feed or a site", DESCRIPTION),
        ("Change the feeds", DESCRIPTION),
        ("Follow a feed.", DESCRIPTION),
        ("Summarize", MENU),
        ("add", NAME),
        ("feed", NAME),
        ("private", OPTION),
        ("url", OPTION),
    ]


def test_extracted_names_carry_their_context_and_marked_messages_follow() -> None:
    extracted = list(extract_cog(io.BytesIO(COG.encode()), DEFAULT_KEYWORDS, (), {}))
    assert (5, "pgettext", ("option", "url"), [OPTION]) in extracted
    assert (5, None, "Follow a feed.", [DESCRIPTION]) in extracted
    assert extracted[-1][1:3] == ("N_", "Give the full address.")

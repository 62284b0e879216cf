"""Page texts for long lists: entries never split, pages within their limits, every entry kept."""

from bot.paginator import ENTRIES_PER_PAGE, entry_pages, pack_entries


def test_entries_fill_pages_of_at_most_the_entries_per_page() -> None:
    pages = pack_entries([f"feed {number}" for number in range(25)])
    assert [len(page.splitlines()) for page in pages] == [ENTRIES_PER_PAGE, ENTRIES_PER_PAGE, 5]


def test_pages_keep_every_entry_in_order() -> None:
    entries = [f"feed {number}" for number in range(50)]
    assert "\n".join(pack_entries(entries)).splitlines() == entries


def test_a_page_ends_before_the_entry_that_would_pass_the_limit() -> None:
    pages = pack_entries(["a" * 40, "b" * 40, "c" * 40], limit=100)
    assert pages == ["a" * 40 + "\n" + "b" * 40, "c" * 40]


def test_an_entry_longer_than_a_page_is_shortened() -> None:
    assert len(pack_entries(["word " * 100], limit=100)[0]) <= 100


def test_pages_of_several_say_which_page_they_are() -> None:
    embeds = entry_pages(title="Feeds", entries=[f"feed {number}" for number in range(25)], footer="Rules.")
    assert [embed.footer.text for embed in embeds] == [f"Page {page} of 3 · Rules." for page in (1, 2, 3)]


def test_a_single_page_has_no_page_number() -> None:
    assert entry_pages(title="Feeds", entries=["one feed"])[0].footer.text is None

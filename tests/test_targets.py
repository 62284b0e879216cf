"""Which forum tags a post gets: the tag names its stories name as whole words, any case, at most five."""

from bot.targets import matching_tags


def test_a_tag_matches_a_whole_word_in_any_case() -> None:
    assert matching_tags(["Sport", "Politics"], ["SPORT: the derby ends level"]) == ["Sport"]


def test_a_tag_does_not_match_inside_a_longer_word() -> None:
    assert matching_tags(["Sport"], ["Sportswear sales rise"]) == []


def test_a_tag_matches_in_any_script() -> None:
    assert matching_tags(["Спорт"], ["Новини: спорт і політика"]) == ["Спорт"]


def test_at_most_five_tags_match_in_the_forums_order() -> None:
    names = ["a1", "b2", "c3", "d4", "e5", "f6"]

    assert matching_tags(names, [" ".join(reversed(names))]) == names[:5]

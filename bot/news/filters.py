"""What gets into a digest beyond ranking: the reader's rules, and how many stories each held back.

Four rules (a `StoryFilter`): include words (a story needs one), exclude words (a story with one
never gets in), a cap per outlet (by default half the digest, so one busy feed cannot fill it) and
a minimum of outlets covering a story ("big stories only"). Words are matched as `bot.news.words`
matches them: whole words, any case, any script, and inside longer runs of text in the scripts
written without spaces (Chinese, Japanese, Korean, Thai...), where there is no word boundary to find.

The word and outlet-count rules are decided here on what the feeds say (`sift_stories`, before
ranking); the cap when the digest takes its stories in rank order (`select_stories`). Exclude words
are also checked on a chosen story's page by `bot.news.digest`, which gives its place to the next.
Discord-free, like the rest of the core.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.news.stories import Story
from bot.news.words import WordSet, normalize_text


@dataclass(frozen=True, slots=True)
class StoryFilter:
    """The reader's rules for what gets into a digest, beyond ranking.

    A story's text is what its feeds say (headlines and summaries) and, once its page is briefed,
    the page's text: include words are decided on the feeds' text (pages are fetched only for
    stories that get in), exclude words on both, and a story whose page names an excluded word is
    replaced by the next one.
    """

    include: tuple[str, ...] = ()
    """A story needs at least one of these; none means every story may get in."""
    exclude: tuple[str, ...] = ()
    """A story with one of these never gets in."""
    max_per_outlet: int | None = None
    """Stories one outlet reported alone, at most, per digest. None: the default, half the digest's
    stories, lifted when one outlet has every story there is; 0: no cap."""
    min_outlets: int = 1
    """Outlets that must have covered a story ("big stories only" at 2 or more)."""

    def __post_init__(self) -> None:
        if self.max_per_outlet is not None and self.max_per_outlet < 0:
            raise ValueError("max_per_outlet must be 0 (no cap) or more")
        if self.min_outlets < 1:
            raise ValueError("min_outlets must be at least 1")


DEFAULT_STORY_FILTER = StoryFilter()
"""Every story may get in, at most half of a digest from one outlet."""


@dataclass(frozen=True, slots=True)
class HeldBack:
    """How many stories each rule of a StoryFilter kept out of one digest.

    A story that several rules would keep out is counted once, under the first of: excluded,
    not_included, too_few_outlets. `outlet_cap` counts the stories that would have been in the
    digest without the cap (its places then go to the next stories of other outlets).
    """

    excluded: int = 0
    not_included: int = 0
    too_few_outlets: int = 0
    outlet_cap: int = 0

    @property
    def total(self) -> int:
        return self.excluded + self.not_included + self.too_few_outlets + self.outlet_cap


@dataclass(frozen=True, slots=True)
class Sifted:
    """The stories the word and outlet-count rules let in, in the order given, and what they kept out."""

    stories: list[Story]
    held_back: HeldBack


def feed_text(story: Story) -> str:
    """What the feeds say about a story: every item's headline and summary."""
    return "\n".join(f"{item.title}\n{item.summary}" for item in story.items)


def sift_stories(stories: Iterable[Story], story_filter: StoryFilter) -> Sifted:
    """Keep out the stories that name an excluded word, name no included word, or were covered by
    fewer than `min_outlets` outlets, judged on what the feeds say; each is counted once, under the
    first of those rules it breaks."""
    include, exclude = WordSet(story_filter.include), WordSet(story_filter.exclude)
    excluded = not_included = too_few_outlets = 0
    kept: list[Story] = []
    for story in stories:
        text = feed_text(story)
        if exclude and exclude.any_in(text):
            excluded += 1
        elif include and not include.any_in(text):
            not_included += 1
        elif story.outlet_count < story_filter.min_outlets:
            too_few_outlets += 1
        else:
            kept.append(story)
    return Sifted(kept, HeldBack(excluded=excluded, not_included=not_included, too_few_outlets=too_few_outlets))


def default_outlet_cap(max_stories: int) -> int:
    """Half the digest's stories, rounded down, and at least one: no outlet fills most of a digest."""
    return max(1, max_stories // 2)


def _sole_outlet(story: Story) -> str | None:
    """The outlet that alone reported a story (its name normalized), None for a story several covered."""
    names = {normalize_text(outlet) for outlet in story.outlets}
    return names.pop() if len(names) == 1 else None


def outlet_cap(story_filter: StoryFilter, candidates: Sequence[Story], max_stories: int) -> int | None:
    """The cap that applies to these candidates (None: no cap): the filter's own, or the default
    unless one outlet alone has every candidate (then there is nothing to make room for)."""
    if story_filter.max_per_outlet is not None:
        return story_filter.max_per_outlet or None
    if len({_sole_outlet(story) for story in candidates}) <= 1 and all(map(_sole_outlet, candidates)):
        return None
    return default_outlet_cap(max_stories)


def select_stories(candidates: Sequence[Story], *, max_stories: int, cap: int | None, rejected: set[int]) -> list[int]:
    """Indexes of the stories a digest takes, in rank order: the first `max_stories` not rejected,
    skipping a story of an outlet that already has `cap` stories of its own (None: no cap). A story
    several outlets covered counts against no outlet's cap."""
    taken: list[int] = []
    per_outlet: dict[str, int] = {}
    for index, story in enumerate(candidates):
        if len(taken) == max_stories:
            break
        if index in rejected:
            continue
        outlet = _sole_outlet(story)
        if outlet is not None and cap is not None:
            if per_outlet.get(outlet, 0) >= cap:
                continue
            per_outlet[outlet] = per_outlet.get(outlet, 0) + 1
        taken.append(index)
    return taken


def capped_out(candidates: Sequence[Story], *, max_stories: int, chosen: Sequence[int], rejected: set[int]) -> int:
    """How many stories the per-outlet cap kept out: those a digest would have taken without it but
    did not take (`chosen`, as `select_stories` chose them with the cap)."""
    uncapped = select_stories(candidates, max_stories=max_stories, cap=None, rejected=rejected)
    return len(set(uncapped) - set(chosen))

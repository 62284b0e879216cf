"""The clean-up shared by pages and plain text: what it drops and what it must keep."""

from __future__ import annotations

import re
import sys
import time
from datetime import date

import pytest

from bot.news import cleanup
from bot.news.cleanup import clean_paragraphs, normalize_paragraph


@pytest.mark.parametrize(
    "label",
    [
        "Read also: Ferry fares to rise in April",
        "READ MORE: Ferry fares to rise in April",
        "Related: Ferry fares to rise in April",
        "[Related: Ferry fares to rise in April]",
        "Читайте також: Проїзд у метро подорожчає",
        "Читайте также: Проезд в метро подорожает",
        "Lesen Sie auch: Fährpreise steigen im April",
        "À lire aussi : Les tarifs du ferry augmentent",
        "Lee también: Suben las tarifas del ferry",
    ],
)
def test_clean_drops_read_also_line_in_several_languages(label: str) -> None:
    assert clean_paragraphs(["The council voted for the repair.", label]) == ["The council voted for the repair."]


def test_clean_drops_headlines_listed_under_related_label() -> None:
    paragraphs = [
        "The council voted for the repair on Monday.",
        "Related stories",
        "Ferry fares to rise in April",
        "New bakery opens on Quay Street",
        "Work starts in September and lasts eighteen months.",
    ]
    assert clean_paragraphs(paragraphs) == [paragraphs[0], paragraphs[4]]


def test_clean_keeps_subheading_without_related_label() -> None:
    paragraphs = ["The council voted for the repair on Monday.", "What happens next", "Work starts in September."]
    assert clean_paragraphs(paragraphs) == paragraphs


def test_clean_drops_tagged_tabloid_headline() -> None:
    paragraphs = ["The council voted for the repair.", "Bridge fears as cracks spread to second pier [PICTURES]"]
    assert clean_paragraphs(paragraphs) == ["The council voted for the repair."]


@pytest.mark.parametrize(
    "sentence",
    [
        "Residents can sign up for emergency alerts on the county website, officials said.",
        "The newsletter, which has 40,000 readers, first reported the corrosion in 2022.",
        "Getty Images declined to comment on the use of the photograph.",
        "He went on to become a member of parliament in 2010.",
        "Copyright lawyers say the ruling will change how newspapers license photos.",
    ],
)
def test_clean_keeps_reporting_that_mentions_boilerplate_words(sentence: str) -> None:
    assert clean_paragraphs([sentence]) == [sentence]


def test_clean_drops_reuters_reporting_credit() -> None:
    paragraphs = ["Shares fell 3%.", "(Reporting by Jane Okafor; Editing by Tom Reilly)"]
    assert clean_paragraphs(paragraphs) == ["Shares fell 3%."]


def test_clean_drops_appeal_box_with_its_heading() -> None:
    paragraphs = [
        "Work starts in September.",
        "Before you go",
        "If you value our journalism, please consider making a donation today.",
    ]
    assert clean_paragraphs(paragraphs) == ["Work starts in September."]


def test_clean_drops_headline_repeated_at_top() -> None:
    paragraphs = ["Council approves bridge repair", "The council voted on Monday night to repair the bridge."]
    assert clean_paragraphs(paragraphs, title="Council approves bridge repair") == [paragraphs[1]]


def test_clean_keeps_headline_like_first_line_unrelated_to_title() -> None:
    paragraphs = ["What the council decided", "The council voted on Monday night to repair the bridge."]
    assert clean_paragraphs(paragraphs, title="Council approves bridge repair") == paragraphs


def test_clean_drops_reworded_headline_at_top() -> None:
    paragraphs = [
        "Julian Assange: Sweden drops rape investigation",
        "Prosecutors said on Tuesday that they had dropped it.",
    ]
    cleaned = clean_paragraphs(paragraphs, title="Sweden drops Assange rape investigation")
    assert cleaned == [paragraphs[1]]


def test_clean_keeps_dates_that_are_not_the_publication_date() -> None:
    paragraphs = ["Round 1: 10 March – Interlagos", "Round 2: 8 April – Curitiba", "Round 3: 22 April – Velopark"]
    assert clean_paragraphs(paragraphs, published=date(2018, 1, 22)) == paragraphs


def test_clean_drops_publication_date_line_at_top() -> None:
    paragraphs = ["November 20, 2019 - 11:28 AMT", "Armenia's parliament approved the budget on Wednesday."]
    assert clean_paragraphs(paragraphs, published=date(2019, 11, 20)) == [paragraphs[1]]


def test_clean_keeps_repeated_short_lines_of_a_list() -> None:
    paragraphs = ["Meal 1", "Eat every 2-3 hours", "Meal 2", "Eat every 2-3 hours"]
    assert clean_paragraphs(paragraphs) == paragraphs


def test_clean_drops_paragraph_repeated_twice_in_a_row() -> None:
    sentence = "The council voted on Monday to spend £40m repairing the bridge."
    assert clean_paragraphs([sentence, sentence]) == [sentence]


def test_clean_removes_click_to_tweet_button_but_keeps_sentence() -> None:
    assert clean_paragraphs(["Every bridge tells a story.Click To Tweet"]) == ["Every bridge tells a story."]


def test_normalize_takes_linear_time_on_a_long_run_of_spaces_before_a_tweet_word() -> None:
    # Source indentation kept in a block's text: 100,000 spaces took about five minutes when the
    # button's leading \s* was retried at each of them.
    started = time.perf_counter()
    assert normalize_paragraph(f"Read the tweet{' ' * 100_000}here.") == "Read the tweet here."
    assert time.perf_counter() - started < 1.0


def test_clean_removes_soft_hyphens_and_extra_spaces() -> None:
    assert clean_paragraphs(["  Not\u00adfall\u00addaten   satz \n"]) == ["Notfalldaten satz"]


# A story paragraph long enough to end the header, so that the line after it meets the boilerplate rules.
STORY = (
    "The council voted on Monday night to spend forty million pounds repairing the old harbour bridge, officials said."
)


@pytest.mark.parametrize(
    "line",
    [
        # appeals
        "Become a patron and get early access to every episode.",
        "Become a premium member today.",
        "Support our independent journalism.",
        "Support us today with a small gift.",
        "Please consider making a donation so that we can keep reporting.",
        "Please give a contribution to our newsroom.",
        "If you value our journalism, tell your colleagues about us.",
        "Already a subscriber? Thank you for reading.",
        "Log in to keep reading this story.",
        "Subscribe to keep reading.",
        "Create a free account to read the rest of this story.",
        "This article is only available to members.",
        "Підпишіться на наш телеграм-канал.",
        "Підтримайте нас на Patreon.",
        "Подпишитесь на наш канал.",
        "Поддержите нашу редакцию.",
        "Newsletter bestellen und nichts verpassen.",
        "Abonnieren Sie unseren Kanal.",
        "Unterstützen Sie unseren Journalismus.",
        "Abonnez-vous à notre lettre.",
        "Inscrivez-vous gratuitement.",
        "Soutenez notre rédaction.",
        "Suscríbete a nuestro boletín.",
        "Apóyanos con tu aporte.",
        "Assine já e leia sem limites.",
        "Inscreva-se no nosso canal.",
        "Sign up for our weekly round-up of harbour news.",
        "Get our newsletter every Friday morning.",
        "Newsletter sign-up: the best of the week.",
        "The day's top stories, delivered to your inbox.",
        "Click here to subscribe.",
        "Donate today and double your impact.",
        # cookies and sharing
        "We use cookies to improve your experience.",
        "This website uses cookies.",
        "By continuing to use this site you agree to our terms.",
        "Wir verwenden Cookies.",
        "Nous utilisons des cookies.",
        "Utilizamos cookies propias.",
        "Мы используем файлы cookie.",
        "Ми використовуємо файли cookie.",
        "Share this article with your friends.",
        # captions and credits
        "The mayor at the opening (Photo: Jane Doe)",
        "Smoke over the harbour. Getty Images",
        "Smoke over the harbour. Shutterstock",
        "Smoke over the harbour. Alamy Stock Photo",
        "Smoke over the harbour. iStock",
        "Smoke over the harbour / Reuters",
        "Smoke over the harbour | AFP",
        "Smoke over the harbour. © Jane Doe",
        "All rights reserved.",
        "For your personal, non-commercial use only.",
        "This material may not be published, broadcast, rewritten or redistributed.",
        "ISSN 0261-3077",
        "Усі права захищені.",
        "Все права защищены.",
        "Alle Rechte vorbehalten.",
        "Tous droits réservés.",
        "Todos los derechos reservados.",
        "Jane Okafor contributed reporting from London.",
    ],
)
def test_clean_drops_short_paragraph_holding_a_boilerplate_phrase(line: str) -> None:
    assert clean_paragraphs([STORY, line]) == [STORY]


@pytest.mark.parametrize(
    "line",
    [
        "ſupport our journalism today.",  # long s
        "İf you value our journalism, tell your colleagues about us.",  # dotted capital I
        "Поᲁᲁержите нашу редакцию.",  # the old form of Cyrillic д
    ],
)
def test_clean_drops_phrase_spelled_with_letters_that_lowercase_differently(line: str) -> None:
    assert clean_paragraphs([STORY, line]) == [STORY]


def _case_blind_misses(letters: set[str]) -> set[str]:
    """Characters that re.IGNORECASE matches to one of `letters` but str.lower() does not turn into it."""
    any_letter = re.compile(f"[{re.escape(''.join(letters))}]", re.IGNORECASE)
    misses = set()
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if any_letter.fullmatch(char):
            matched = {letter for letter in letters if re.fullmatch(re.escape(letter), char, re.IGNORECASE)}
            if any(char.lower() != letter for letter in matched):
                misses.add(char)
    return misses


def test_case_special_letters_cover_every_case_blind_match_of_a_key_word() -> None:
    letters = {letter for rule in cleanup._RULES for word in rule.key_words for letter in word}
    unlisted = {char for char in _case_blind_misses(letters) if not cleanup._CASE_SPECIAL.fullmatch(char)}
    assert unlisted == set()


def test_tweet_button_letters_match_only_their_own_cases() -> None:
    assert _case_blind_misses(set("tweet")) == set()


def test_a_rule_phrase_without_any_of_its_key_words_is_refused() -> None:
    with pytest.raises(ValueError, match="no key word"):
        cleanup._rule("appeal", 40, contains=(r"\bjoin our supporters\b",), key_words=("donate",))


@pytest.mark.parametrize(
    "line",
    ["Jun 10, 2025 - 14:02", "10 June 2025", "Updated 10 June 2025, 09:15 BST", "2025-06-10", "10.06.2025"],
)
def test_written_date_reads_common_forms(line: str) -> None:
    assert cleanup.written_date(line) == date(2025, 6, 10)


def test_written_date_leaves_slashed_dates_alone() -> None:
    assert cleanup.written_date("06/10/2025") is None


def test_dateline_is_a_date_with_little_else() -> None:
    assert cleanup.is_dateline("Published: Tuesday 10 June 2025 at 2:02 pm")


def test_sentence_with_a_date_is_not_a_dateline() -> None:
    assert not cleanup.is_dateline("Council backs bridge repair on Jun 10, 2025")


_LONG_APPEAL = (
    "Before you go: the Eastport Courier is an independent, nonprofit newsroom. We do not put our journalism "
    "behind a paywall, because we believe everyone deserves to know what is happening in their town, whether or "
    "not they can pay for it. That model depends on readers like you. Every month thousands of people read our "
    "reporting on the council, the harbour and the schools, but only a small share of them give anything "
    "towards it. If you value our reporting, please consider making a donation today. A gift of any size, from "
    "one pound, helps pay for the reporters who sit through the council meetings so that you do not have to. It "
    "only takes a minute, and you can cancel a monthly gift at any time. Support our journalism today. Thank you."
)


def test_long_donation_appeal_at_the_end_is_dropped() -> None:
    story = "The council approved the harbour budget on Tuesday after a nine-hour debate, officials said."
    assert clean_paragraphs([story, _LONG_APPEAL]) == [story]


def test_long_paragraph_quoting_one_plea_is_kept() -> None:
    story = (
        "The food bank's director said the winter had been the hardest in its twenty years. Volunteers packed "
        "more than four thousand parcels in December alone, twice as many as the year before, and the shelves "
        "were empty by the second week of January. A leaflet handed out at the door asks visitors to please "
        "consider making a donation, but most of the people queueing outside have nothing to give, she said, "
        "and the charity now relies on two supermarkets and a handful of local farms for most of its stock."
    )
    assert clean_paragraphs([story]) == [story]


def test_other_stories_headlines_ending_the_text_are_dropped() -> None:
    story = "The council approved the harbour budget on Tuesday after a nine-hour debate, officials said."
    headlines = [
        "Eastport Harbour 2025 | Ferry fares to rise in April",
        "Eastport Harbour 2025 | New pier opens to fishing boats",
    ]
    assert clean_paragraphs([story, *headlines]) == [story]


def test_list_of_dated_items_ending_the_text_is_kept() -> None:
    story = "The union listed the reports on the strike at the depot that have appeared in the national press so far."
    items = ["- 8 June 2016 : Report on France 2", "- 6 June 2016 : Article in Le Monde"]
    assert clean_paragraphs([story, *items]) == [story, *items]


def test_one_labelled_line_ending_the_text_is_kept() -> None:
    story = "The council approved the harbour budget on Tuesday after a nine-hour debate, officials said."
    assert clean_paragraphs([story, "Harbour works | What happens next"]) == [
        story,
        "Harbour works | What happens next",
    ]


def test_headline_run_into_the_first_paragraph_is_taken_off() -> None:
    title = "Taylor Swift can perform her old songs at the AMAs after all"
    first = "A row with her former record label over the rights to her early songs has been settled."
    assert clean_paragraphs([f"{title} {first}"], title=title) == [first]


def test_paragraph_opening_with_a_short_title_is_kept() -> None:
    paragraph = "Eastport Harbour Trust Said on Monday that the pier would reopen in the spring."
    assert clean_paragraphs([paragraph], title="Eastport Harbour") == [paragraph]


@pytest.mark.parametrize(
    "advert",
    ["ANZEIGE - Heute mal ausgehen oder bestellen? Wie wäre es mit Pizza", "*Werbung. Dieser Beitrag enthält Werbung."],
)
def test_paragraph_marked_as_an_advertisement_is_dropped(advert: str) -> None:
    story = "The council approved the harbour budget on Tuesday after a nine-hour debate, officials said."
    assert clean_paragraphs([story, advert]) == [story]


def test_sentence_about_advertising_is_kept() -> None:
    story = "Advertising on the harbour buses will pay for the new timetable, the council said on Tuesday."
    assert clean_paragraphs([story]) == [story]


@pytest.mark.parametrize(
    "appeal",
    [
        "Subscribe now to our Courier e-edition for the full story.",
        "Sign up to get the best stories of the week in one e-mail.",
        "For the latest stories and breaking news updates download the Courier apps for iOS and Android.",
    ],
)
def test_paragraph_opening_with_a_sign_up_call_is_dropped(appeal: str) -> None:
    story = "The council approved the harbour budget on Tuesday after a nine-hour debate, officials said."
    assert clean_paragraphs([story, appeal]) == [story]


def test_sign_up_step_in_a_list_is_kept() -> None:
    steps = ["- Sign up for the bundle on the website of the streaming service", "- Pick the monthly plan"]
    assert clean_paragraphs(steps) == steps


@pytest.mark.parametrize(
    "label",
    ["Weitere Artikel zum Thema", "Zum Weiterlesen:", "VEA TAMBIÉN: Estrella de la educación", "Dowiedz się więcej"],
)
def test_read_also_labels_in_other_languages_are_dropped(label: str) -> None:
    story = "The council approved the harbour budget on Tuesday after a nine-hour debate, officials said."
    assert clean_paragraphs([story, label]) == [story]


@pytest.mark.parametrize(
    "caption", ["Abbildung 4: Eine klassische Schwachschicht im Schnee.", "Crédits photos : Bestimage", "Titelbild:"]
)
def test_figure_captions_and_picture_labels_are_dropped(caption: str) -> None:
    story = "The council approved the harbour budget on Tuesday after a nine-hour debate, officials said."
    assert clean_paragraphs([story, caption]) == [story]


def test_sentence_citing_a_figure_is_kept() -> None:
    story = "Figure 4 in the council's report shows the harbour traffic doubling since 2010, officials said."
    assert clean_paragraphs([story]) == [story]


@pytest.mark.parametrize(
    "disclosure",
    [
        "This post contains references to products from one or more of our advertisers.",
        "Bei den Verlinkungen handelt es sich um Affiliate-Links.",
        "If you buy through the links in this story, we may earn a commission.",
    ],
)
def test_affiliate_disclosure_is_dropped(disclosure: str) -> None:
    story = "The council approved the harbour budget on Tuesday after a nine-hour debate, officials said."
    assert clean_paragraphs([story, disclosure]) == [story]


def test_story_about_an_affiliate_scheme_is_kept() -> None:
    story = (
        "The retailer said its affiliate scheme, which pays bloggers for sales through their links, "
        "brought in a fifth of its online revenue last year."
    )
    assert clean_paragraphs([story]) == [story]


@pytest.mark.parametrize("label", ["Keine Kommentare", "Wird geladen …", "Teilen mit:"])
def test_widget_labels_are_dropped(label: str) -> None:
    story = "The council approved the harbour budget on Tuesday after a nine-hour debate, officials said."
    assert clean_paragraphs([story, label]) == [story]


@pytest.mark.parametrize(
    "promotion",
    ["¡Mira lo que tiene nuestro canal de YouTube!", "Auch auf eastport-courier.de", "Also on courier.example"],
)
def test_promotion_of_the_sites_own_channels_is_dropped(promotion: str) -> None:
    story = "The council approved the harbour budget on Tuesday after a nine-hour debate, officials said."
    assert clean_paragraphs([story, promotion]) == [story]


def test_story_about_a_youtube_channel_is_kept() -> None:
    story = "The council said its YouTube channel, which streams every meeting, drew ten thousand viewers last year."
    assert clean_paragraphs([story]) == [story]


def test_agency_credit_under_the_story_is_dropped() -> None:
    story = "The council approved the harbour budget on Tuesday after a nine-hour debate, officials said."
    assert clean_paragraphs([story, "aja/PAP"]) == [story]


def test_read_more_link_at_the_end_of_a_paragraph_is_taken_off() -> None:
    story = "The council approved the harbour budget on Tuesday after a nine-hour debate, officials said."
    assert clean_paragraphs([f"{story} [czytaj więcej]"]) == [story]

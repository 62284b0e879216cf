"""Direct quotations and their speakers, and the choice of key quotes, on small news-style texts."""

from __future__ import annotations

import pytest

from bot.news import quotes as quotes_module
from bot.news.models import Quote, RankedSentence
from bot.news.quotes import find_quotes, select_key_quotes


def _only(paragraphs: list[str]) -> Quote:
    quotes = find_quotes(paragraphs)
    assert len(quotes) == 1, quotes
    return quotes[0]


# ----------------------------------------------------------------------------- attribution
def test_said_after_quote_names_the_speaker() -> None:
    quote = _only(["“We will not accept any ultimatum from Washington,” Lavrov said on Tuesday."])
    assert quote == Quote("We will not accept any ultimatum from Washington", "Lavrov", 0)


def test_said_before_the_speaker_names_the_speaker() -> None:
    quote = _only(["“The talks were useful but nothing was settled,” said Ursula Brandt, the EU negotiator."])
    assert quote.speaker == "Ursula Brandt"


def test_said_before_quote_with_colon() -> None:
    quote = _only(["Mayor Dana Ortiz said at a news conference: “The bridge will reopen by Friday.”"])
    assert quote == Quote("The bridge will reopen by Friday.", "Dana Ortiz", 0)


def test_split_quote_is_one_quote() -> None:
    quote = _only(["“The first part of the plan is done,” she said, “and the second will start in May.”"])
    assert quote.text == "The first part of the plan is done, and the second will start in May."


def test_pronoun_resolves_to_named_person_of_matching_gender() -> None:
    paragraphs = [
        "Maria Keller, the finance minister, met Mr. Tomas Brenner on Monday to discuss the budget.",
        "“We cannot borrow our way out of this crisis,” she said after the meeting.",
    ]
    assert _only(paragraphs).speaker == "Maria Keller"


def test_pronoun_gender_is_learned_from_earlier_usage() -> None:
    paragraphs = [
        "Senator Hale arrived late. He apologized to the committee and took his seat.",
        "Senator Ward opened the session. She thanked the staff for the report.",
        "“I have read every page of this report,” he said.",
    ]
    assert _only(paragraphs).speaker == "Hale"


def test_pronoun_without_gender_clues_is_the_latest_person() -> None:
    paragraphs = [
        "Senator Hale arrived late and took a seat.",
        "Senator Ward opened the session and thanked the staff.",
        "“I have read every page of this report,” she said.",
    ]
    assert _only(paragraphs).speaker == "Ward"


def test_speaker_after_abbreviations_and_a_party_label() -> None:
    paragraphs = [
        "“We have to fund the border agents before the summer,” said Sen. Amy Klobuchar (D-Minn.) on Tuesday."
    ]
    assert _only(paragraphs).speaker == "Amy Klobuchar"


def test_standalone_quote_goes_on_with_the_speaker_reported_before_it() -> None:
    paragraphs = [
        "Sergei Lavrov said on Monday that the talks had failed.",
        "“We will not accept any ultimatum from Washington.”",
        "The talks resume in May.",
    ]
    assert _only(paragraphs) == Quote("We will not accept any ultimatum from Washington.", "Sergei Lavrov", 1)


def test_according_to_names_the_speaker() -> None:
    paragraphs = [
        "Prime Minister Ana Costa spoke to reporters in Lisbon.",
        "According to her, “the agreement protects every fishing family in the country.”",
    ]
    assert _only(paragraphs).speaker == "Ana Costa"


def test_role_noun_resolves_to_the_named_holder() -> None:
    paragraphs = [
        "Foreign Minister Sergei Lavrov arrived in Geneva on Monday.",
        "“There will be no agreement without guarantees,” the minister said.",
    ]
    assert _only(paragraphs).speaker == "Sergei Lavrov"


def test_role_noun_without_named_holder_stays_a_phrase() -> None:
    quote = _only(["“The president has full confidence in the team,” a White House spokesman said."])
    assert quote.speaker == "a White House spokesman"


def test_short_sentence_before_a_quote_names_its_speaker() -> None:
    paragraphs = ["Iowa State University's Dianne Bystrom agreed. “Mainstream Republicans are running out of time.”"]
    assert _only(paragraphs).speaker == "Dianne Bystrom"


def test_one_word_answer_next_to_a_speech_verb_is_a_quote() -> None:
    quote = _only(
        ["Asked whether he would stay in the race until the convention, Sanders nodded. “Absolutely,” he said."]
    )
    assert quote.text == "Absolutely"


def test_surname_resolves_to_full_name() -> None:
    paragraphs = [
        "Sergei Lavrov met his Turkish counterpart in Antalya.",
        "“We discussed grain, gas and the prisoners,” Lavrov said.",
    ]
    assert _only(paragraphs).speaker == "Sergei Lavrov"


def test_surname_resolves_to_the_namesake_named_most_often() -> None:
    paragraphs = [
        "Hillary Clinton campaigned in Ohio on Monday. Hillary Clinton then flew to Iowa.",
        "Former President Bill Clinton stayed in New York.",
        "“We are going to win this state,” Clinton said in Des Moines.",
    ]
    assert _only(paragraphs).speaker == "Hillary Clinton"


def test_quote_continued_after_its_attribution_reads_as_sentences() -> None:
    text = "“It is going well so far,” Ross said. “Police are out there doing their jobs.”"
    assert _only([text]).text == "It is going well so far. Police are out there doing their jobs."


def test_quote_records_its_paragraph() -> None:
    paragraphs = ["The council met on Tuesday.", "“We have heard the residents loud and clear,” Ms. Ruiz said."]
    assert _only(paragraphs).paragraph == 1


# ----------------------------------------------------------------------------- what is not a quote
def test_scare_quotes_are_not_quotes() -> None:
    text = "The so-called “reform” package, which critics call a “giveaway,” passed the Senate on Thursday."
    assert find_quotes([text]) == []


def test_titles_and_nicknames_are_not_quotes() -> None:
    paragraphs = [
        "The director of “Jaws” and “Close Encounters of the Third Kind” returned to the festival.",
        "Its new host, Dwayne “The Rock” Johnson, opened the evening.",
    ]
    assert find_quotes(paragraphs) == []


def test_lowercase_fragment_inside_narrative_is_not_a_quote() -> None:
    text = "Tester said he voted against the bill because “they put some unnecessary stuff in it” last year."
    assert find_quotes([text]) == []


def test_partial_quote_after_according_to_is_reported_with_its_speaker() -> None:
    paragraphs = [
        "Energy Minister Olga Petrenko presented the winter plan on Monday.",
        "According to her, the plan “would leave thousands of families without heating this winter.”",
    ]
    quote = _only(paragraphs)
    assert (quote.text, quote.speaker) == (
        "would leave thousands of families without heating this winter.",
        "Olga Petrenko",
    )


def test_partial_quote_right_after_says_is_reported_with_its_speaker() -> None:
    text = (
        "Governor Ray Tanner spoke in Eastport on Monday. Tanner says “the whole budget has become a mess of promises.”"
    )
    assert _only([text]).speaker == "Ray Tanner"


def test_partial_quote_named_by_called_is_reported_with_its_speaker() -> None:
    quote = _only(["Council leader Amir Haddad called the closure “a blow to every family that uses the bridge.”"])
    assert (quote.text, quote.speaker) == ("a blow to every family that uses the bridge.", "Amir Haddad")


def test_partial_quote_right_after_said_that_is_reported_with_its_speaker() -> None:
    paragraphs = [
        "Energy Minister Olga Petrenko presented the winter plan on Monday.",
        "Petrenko said on Tuesday that “the cuts would leave thousands of families without heating.”",
    ]
    quote = _only(paragraphs)
    assert (quote.text, quote.speaker) == (
        "the cuts would leave thousands of families without heating.",
        "Olga Petrenko",
    )


def test_scare_quoted_words_inside_reported_speech_are_not_a_quote() -> None:
    assert find_quotes(["Council leader Amir Haddad said that the plan was “reckless” and left the meeting."]) == []


def test_scare_quoted_word_after_called_is_not_a_quote() -> None:
    assert find_quotes(["Council leader Amir Haddad called the plan “reckless” and left the meeting."]) == []


def test_colon_after_a_named_subject_names_the_speaker() -> None:
    text = "When the bridge closed, Mayor Dana Ortiz released the following statement: “We will rebuild it in a year.”"
    assert _only([text]).speaker == "Dana Ortiz"


def test_name_right_before_a_colon_names_the_speaker() -> None:
    text = "The timing does not surprise transport analyst Priya Nair: “Bridges of that age fail without warning.”"
    assert _only([text]).speaker == "Priya Nair"


def test_participle_after_a_quote_takes_the_subject_of_its_sentence() -> None:
    text = "Ortiz told reporters the council “had no other choice,” adding, “We will rebuild it within two years.”"
    quotes = find_quotes([text])
    assert [quote.speaker for quote in quotes if quote.text.startswith("We will")] == ["Ortiz"]


def test_quote_paragraph_after_an_attributed_one_goes_on_with_it() -> None:
    paragraphs = [
        "“The bridge is safe for buses,” said council engineer Mark Jones.",
        "“We have checked every cable twice this year.”",
    ]
    quote = _only(paragraphs)
    assert (quote.text, quote.speaker) == (
        "The bridge is safe for buses. We have checked every cable twice this year.",
        "Mark Jones",
    )


def test_quote_paragraph_with_its_own_speaker_is_a_new_quote() -> None:
    paragraphs = [
        "“The bridge is safe for buses,” said council engineer Mark Jones.",
        "“We have checked every cable twice this year,” Mayor Dana Ortiz said.",
    ]
    assert [quote.speaker for quote in find_quotes(paragraphs)] == ["Mark Jones", "Dana Ortiz"]


# ----------------------------------------------------------------------------- marks
def test_multi_paragraph_quote_is_joined() -> None:
    paragraphs = [
        "The governor ended her speech with a warning.",
        "“We have cut every program we could cut. We have delayed every project we could delay.",
        "“Now the legislature has to decide what kind of state it wants,” Gov. Ruth Alvarez said.",
    ]
    quote = _only(paragraphs)
    assert quote.text.startswith("We have cut every program")
    assert quote.text.endswith("what kind of state it wants")
    assert (quote.speaker, quote.paragraph) == ("Ruth Alvarez", 1)


def test_straight_quotes_are_found() -> None:
    quote = _only(['"Prices will keep rising through the winter," said Omar Haddad, an economist.'])
    assert quote == Quote("Prices will keep rising through the winter", "Omar Haddad", 0)


def test_unbalanced_quote_does_not_hide_later_quotes() -> None:
    paragraphs = [
        "Residents called the plan “a disaster for the neighborhood and left the meeting early.",
        "“We were never asked what we wanted,” said Grace Obi, who has lived on the street for 30 years.",
    ]
    quote = _only(paragraphs)
    assert (quote.text, quote.speaker) == ("We were never asked what we wanted", "Grace Obi")


@pytest.mark.parametrize(
    "paragraphs",
    [
        ["", "”", "“"],
        ["» « » „ ” 」 「", "said he, said"],
        ['"""', "“Mr. ” Sen. (R-Ky.) said: “", "according to"],
        ["『 ‹ › 』 “a ”b” “c"],
    ],
)
def test_stray_marks_never_crash(paragraphs: list[str]) -> None:
    for quote in find_quotes(paragraphs):
        assert 0 <= quote.paragraph < len(paragraphs)


def test_no_paragraphs_have_no_quotes() -> None:
    assert find_quotes([]) == []


def test_french_guillemets_are_found_with_their_speaker() -> None:
    text = "« Nous ne céderons pas sur les retraites », a déclaré Élisabeth Borne mardi."
    assert _only([text]) == Quote("Nous ne céderons pas sur les retraites", "Élisabeth Borne", 0)


def test_ukrainian_marks_are_found_with_their_speaker() -> None:
    text = "Зеленський заявив: «Ми не віддамо жодного міста, і „перемир’я“ на таких умовах неможливе»."
    quote = _only([text])
    assert quote.text == "Ми не віддамо жодного міста, і „перемир’я“ на таких умовах неможливе"
    assert quote.speaker == "Зеленський"


def test_german_low_high_marks_are_found() -> None:
    text = "„Wir werden die Schulden nicht erhöhen“, sagte Finanzminister Lindner am Montag."
    assert _only([text]) == Quote("Wir werden die Schulden nicht erhöhen", "Lindner", 0)


def test_japanese_corner_brackets_are_found() -> None:
    text = "「これは日本経済にとって重要な一歩だ」と首相は述べた。"
    assert [q.text for q in find_quotes([text])] == ["これは日本経済にとって重要な一歩だ"]


def test_quotes_are_looked_for_in_the_first_characters_of_a_long_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(quotes_module, "MAX_QUOTED_CHARS", 1000)
    narrative = "The council met again on Thursday to discuss the harbour budget and the ferry timetable. " * 3
    early = "“We will keep the ferries running all winter,” Mayor Jane Ortiz said."
    late = "“The budget leaves the harbour short of money,” councillor Omar Haddad said."
    found = find_quotes([early, *[narrative] * 6, late])
    assert [quote.speaker for quote in found] == ["Jane Ortiz"]


# ----------------------------------------------------------------------------- key quotes
def _ranked(*rows: tuple[str, int, float]) -> list[RankedSentence]:
    return [RankedSentence(text, paragraph, position, score) for position, (text, paragraph, score) in enumerate(rows)]


def test_key_quotes_prefer_named_full_statement() -> None:
    named = Quote("We will rebuild the school before the winter comes.", "Ruth Alvarez", 2)
    unnamed = Quote("Nobody expected the water to rise that fast overnight.", None, 1)
    fragment = Quote("historic failure", "Ruth Alvarez", 3)
    ranking = _ranked(
        ("“Nobody expected the water to rise that fast overnight.”", 1, 0.9),
        ("“We will rebuild the school before the winter comes,” Alvarez said.", 2, 0.4),
        ("She called it a “historic failure.”", 3, 0.95),
    )
    assert select_key_quotes([unnamed, named, fragment], ranking)[0] == named


def test_key_quotes_respect_the_limit_and_rank_by_score() -> None:
    quotes = [
        Quote("The levee held because volunteers worked through the night.", "Ana Costa", 0),
        Quote("Insurance claims will take months to settle for most owners.", "Luis Prado", 1),
        Quote("Our schools reopen on Monday with buses on the usual routes.", "Grace Obi", 2),
        Quote("Federal money for the repairs has been promised but not paid.", "Omar Haddad", 3),
    ]
    scores = [0.2, 0.9, 0.5, 0.7]
    ranking = _ranked(*((f"“{q.text}” said {q.speaker}.", q.paragraph, s) for q, s in zip(quotes, scores, strict=True)))
    chosen = select_key_quotes(quotes, ranking, limit=2)
    assert [q.speaker for q in chosen] == ["Luis Prado", "Omar Haddad"]


@pytest.mark.parametrize(("distance", "rated"), [(3, True), (4, False)])
def test_key_quotes_are_rated_by_sentences_up_to_three_paragraphs_on(distance: int, rated: bool) -> None:
    early = Quote("The levee held because volunteers worked through the night.", "Ana Costa", 0)
    late = Quote("Insurance claims will take months to settle for most owners.", "Luis Prado", 6)
    ranking = _ranked((f"“{early.text}”", distance, 0.9), (f"“{late.text}”", 6, 0.5))
    assert select_key_quotes([late, early], ranking, limit=1) == ((early,) if rated else (late,))


def test_key_quotes_are_chosen_among_the_first_candidates_of_the_best_tiers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(quotes_module, "MAX_KEY_QUOTE_CANDIDATES", 2)
    found = [
        Quote("The levee held because volunteers worked through the night.", "Ana Costa", 0),
        Quote("Insurance claims will take months to settle for most owners.", "Luis Prado", 1),
        Quote("Federal money for the repairs has been promised but not paid.", "Omar Haddad", 2),
    ]
    ranking = _ranked(*((f"“{q.text}”", q.paragraph, score) for q, score in zip(found, [0.2, 0.3, 0.9], strict=True)))
    assert select_key_quotes(found, ranking, limit=1) == (found[1],)


def test_key_quotes_skip_near_duplicates() -> None:
    first = Quote("We will not raise taxes on working families this year.", "Ana Costa", 1)
    repeat = Quote("We will not raise taxes on working families this year or next.", "Ana Costa", 6)
    other = Quote("The deficit is smaller than anyone predicted in the spring.", "Luis Prado", 4)
    ranking = _ranked(
        (f"“{first.text}”", 1, 0.9),
        (f"“{other.text}”", 4, 0.5),
        (f"“{repeat.text}”", 6, 0.8),
    )
    assert select_key_quotes([first, other, repeat], ranking) == (first, other)


def test_key_quotes_leave_out_unattributed_fragments_when_better_exist() -> None:
    quotes = [
        Quote("We will rebuild the school before the winter comes.", "Ruth Alvarez", 0),
        Quote("historic failure", None, 1),
        Quote("The state will pay for the new roof and the heating.", "Luis Prado", 2),
    ]
    ranking = _ranked(("She called it a “historic failure.”", 1, 1.0))
    assert select_key_quotes(quotes, ranking) == (quotes[0], quotes[2])


def test_key_quotes_fall_back_to_the_best_quote_there_is() -> None:
    quote = Quote("historic failure", None, 1)
    assert select_key_quotes([quote], []) == (quote,)


def test_key_quotes_of_no_quotes_are_empty() -> None:
    assert select_key_quotes([], _ranked(("Nothing was said.", 0, 1.0))) == ()


def test_key_quotes_reject_a_limit_below_one() -> None:
    with pytest.raises(ValueError, match="limit"):
        select_key_quotes([Quote("We are ready for the storm season.", "Ana Costa", 0)], [], limit=0)


def test_partial_quote_named_by_called_it_is_reported_with_its_speaker() -> None:
    paragraphs = [
        "Energy Minister Olga Petrenko presented the winter plan on Monday.",
        "Petrenko called it “a plan that would leave thousands of families without heating this winter.”",
    ]
    assert _only(paragraphs).speaker == "Olga Petrenko"


def test_partial_quote_after_according_to_a_name_is_reported_with_its_speaker() -> None:
    text = "According to Energy Minister Olga Petrenko, the plan “would leave thousands of families without heating.”"
    assert _only([text]).speaker == "Olga Petrenko"

from __future__ import annotations

import os

import pytest

from search.query import normalise, osa_distance, query_parse, singular, synonyms_parse


def test_normalise_drops_case_accents_punctuation_and_syntax():
    assert normalise("  Red   T-Shirt! ") == "red t shirt"
    assert normalise("Café CRÈME") == "cafe creme"
    assert normalise('"dress" NEAR(boot* OR -coat:x)') == "dress near boot or coat x"
    assert normalise("100%\x00 cotton_tee") == "100 cotton tee"
    assert normalise("платье") == "платье"


def test_normalise_reads_at_most_ten_words_and_the_length_limit():
    assert normalise(" ".join(f"w{i}" for i in range(30))) == " ".join(f"w{i}" for i in range(10))
    assert normalise("a" * 5000) == "a" * 200


def test_singular_folds_english_plurals():
    assert [singular(w) for w in ["dresses", "trainers", "hoodies", "boxes", "dress", "bus", "shoes"]] == [
        "dress",
        "trainer",
        "hoody",
        "box",
        "dress",
        "bus",
        "shoe",
    ]


def test_osa_distance_counts_a_swap_as_one_edit():
    assert osa_distance("ankel", "ankle") == 1
    assert osa_distance("sneeker", "sneaker") == 1
    assert osa_distance("trouzers", "trousers") == 1
    assert osa_distance("pulover", "pullover") == 1
    assert osa_distance("abc", "abc") == 0
    assert osa_distance("kitten", "sitting") == 3


def test_synonyms_parse_reads_heads_terms_and_skips_comments():
    lines = synonyms_parse("# a comment\n\nSneaker: Trainers, running shoes ,, kicks\nno colon here\n")
    assert len(lines) == 1
    assert lines[0].head == ("sneaker",)
    assert lines[0].terms == (("sneaker",), ("trainers",), ("running", "shoes"), ("kicks",))


@pytest.mark.django_db
def test_parse_resolves_synonyms_to_their_category(demo_categories):
    parsed = query_parse("Trainers")
    assert len(parsed.concepts) == 1
    assert parsed.concepts[0].category_ids == {demo_categories["sneaker"].pk}
    assert parsed.corrected is None


@pytest.mark.django_db
def test_parse_takes_the_longest_phrase_and_colour_words(demo_categories):
    parsed = query_parse("dark blue running shoes")
    assert [c.source for c in parsed.concepts] == ["dark blue", "running shoes"]
    assert parsed.colours == {"Navy"}
    assert parsed.category_ids == {demo_categories["sneaker"].pk}


@pytest.mark.django_db
def test_parse_corrects_typos_and_completes_partial_words(demo_categories):
    typo = query_parse("ankel boot")
    assert typo.corrected == "ankle boot"
    assert typo.category_ids == {demo_categories["ankle-boot"].pk}
    partial = query_parse("sand")
    assert partial.corrected is None
    assert partial.category_ids == {demo_categories["sandal"].pk}
    assert any(t.prefix and t.words == ("sand",) for t in partial.concepts[0].terms)


@pytest.mark.django_db
def test_parse_drops_stop_words_and_syntax(demo_categories):
    assert query_parse('the "OR" * -').concepts == ()
    assert [c.source for c in query_parse("a dress for the evening").concepts] == ["dress", "evening"]


@pytest.mark.django_db
def test_synonyms_file_is_read_again_when_it_changes(demo_categories, settings, tmp_path):
    path = tmp_path / "synonyms.txt"
    path.write_text("dress: frock\n")
    settings.SEARCH_SYNONYMS_FILE = str(path)
    assert query_parse("gown").category_ids == frozenset()
    path.write_text("dress: frock, gown, robe longue\n")
    os.utime(path, (1, 1))  # a new modification time even within the same clock tick
    assert query_parse("gown").category_ids == {demo_categories["dress"].pk}

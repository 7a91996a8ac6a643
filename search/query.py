"""Query understanding, the same for both backends: from what a shopper typed to *concepts*.

1. **Normalise**: at most ``MAX_QUERY_CHARS`` characters, Unicode NFKD with accents dropped,
   lower case, words = runs of letters and digits (every other character, FTS syntax included —
   ``"``, ``*``, ``NEAR(``, ``-``, ``:`` — is a separator, so nothing the shopper types is ever
   query syntax), at most ``MAX_QUERY_WORDS`` words.
2. **Correct**: a word the shop does not know (the vocabulary: the synonyms file, category and
   colour names, the words of product names) is a *partial word* when a known word starts with
   it ("sand" -> sandals; 3 letters or more), else a *typo* corrected to the nearest known word by
   Damerau-Levenshtein (optimal string alignment) distance: 1 edit for 4-5 letters, 2 from 6
   ("sneeker" -> sneaker, "ankel" -> ankle), found through an index of deletions (SymSpell).
3. **Synonyms**: the longest run of words naming a group of ``search/data/synonyms.txt`` (plurals
   folded: "trainers" = "trainer") becomes one concept whose alternatives are all the group's
   terms; a group headed by a category or a palette colour carries it (ranking boost).
4. **Stop words** (PostgreSQL's English list, ``search/data/stopwords.txt``) and single letters
   are left out, so both backends see the same words.

A product matches a query when it matches every concept (any of a concept's alternatives, in any
field); the backends turn concepts into FTS5 and ``tsquery`` expressions (``search.backends``).
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from catalog.colours import COLOUR_NAMES
from catalog.models import Category, Product

MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 10
MAX_PHRASE_WORDS = 4
_WORD = re.compile(r"[^\W_]+")
_DATA = Path(__file__).resolve().parent / "data"


def normalise_words(text: str) -> list[str]:
    """The words of ``text``: accents dropped, lower case, letters and digits only."""
    text = unicodedata.normalize("NFKD", str(text)[: settings.SEARCH_MAX_QUERY_LENGTH])
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return _WORD.findall(text[: MAX_QUERY_CHARS * 4])[:MAX_QUERY_WORDS]


def normalise(text: str) -> str:
    """``text`` as searched: its words joined by single spaces ("  Red   T-Shirt! " -> "red t shirt")."""
    return " ".join(normalise_words(text))[:MAX_QUERY_CHARS]


def singular(word: str) -> str:
    """A light English plural folding, for matching words against the synonyms and vocabulary
    (both sides folded alike): "dresses" -> "dress", "trainers" -> "trainer", "hoodies" -> "hoody"."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _fold(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(singular(word) for word in words)


# --- Stop words and the synonyms file ---------------------------------------------------------


def _read_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]


STOP_WORDS: frozenset[str] = frozenset(
    line for line in _read_lines(_DATA / "stopwords.txt") if line and not line.startswith("#")
)


@dataclass(frozen=True)
class SynonymLine:
    head: tuple[str, ...]
    terms: tuple[tuple[str, ...], ...]  # normalised words of every term, the head first


def synonyms_parse(text: str) -> list[SynonymLine]:
    """The groups of a synonyms file (format: see the top of ``search/data/synonyms.txt``)."""
    lines = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or ":" not in line:
            continue
        head, _, rest = line.partition(":")
        head_words = tuple(normalise_words(head))
        if not head_words:
            continue
        terms = [head_words] + [tuple(normalise_words(term)) for term in rest.split(",")]
        lines.append(SynonymLine(head=head_words, terms=tuple(dict.fromkeys(t for t in terms if t))))
    return lines


class _SynonymsFile:
    """The parsed synonyms file, read again when its modification time or size changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[str, float, int] | None = None
        self._lines: list[SynonymLine] = []

    def lines(self) -> list[SynonymLine]:
        path = Path(settings.SEARCH_SYNONYMS_FILE)
        try:
            stat = path.stat()
            key = (str(path), stat.st_mtime, stat.st_size)
        except OSError:
            key = (str(path), 0.0, -1)
        if key != self._key:
            with self._lock:
                text = path.read_text(encoding="utf-8") if key[2] >= 0 else ""
                self._lines, self._key = synonyms_parse(text), key
        return self._lines


_synonyms_file = _SynonymsFile()


# --- Groups: synonyms + categories + colours --------------------------------------------------


@dataclass(frozen=True)
class Group:
    """Words that mean one thing: a category, a palette colour, or plain equivalents."""

    terms: tuple[tuple[str, ...], ...]
    category_id: int | None = None
    category_name: str | None = None
    category_slug: str | None = None
    colour: str | None = None


@dataclass
class Lexicon:
    """Everything query understanding knows: the groups, by each term's folded words, and the
    vocabulary for partial words and typos."""

    groups: list[Group]
    by_phrase: dict[tuple[str, ...], list[int]]
    vocabulary: dict[str, int]  # word -> how often it appears (group words weigh most)
    sorted_words: list[str] = field(default_factory=list)
    deletions: dict[str, set[str]] = field(default_factory=dict)

    def group_ids(self, words: tuple[str, ...]) -> list[int]:
        return self.by_phrase.get(_fold(words), [])

    def knows(self, word: str) -> bool:
        return word in self.vocabulary or singular(word) in self.vocabulary

    def completions(self, prefix: str, limit: int = 50) -> list[str]:
        """Known words starting with ``prefix`` (longer than it), most frequent first."""
        start = bisect_left(self.sorted_words, prefix)
        found = []
        for word in self.sorted_words[start:]:
            if not word.startswith(prefix):
                break
            if word != prefix:
                found.append(word)
        return sorted(found, key=lambda w: (-self.vocabulary[w], len(w), w))[:limit]

    def correction(self, word: str) -> str | None:
        """The nearest known word to ``word`` within its edit budget, or ``None``."""
        budget = _edit_budget(word)
        if budget == 0:
            return None
        candidates: set[str] = set()
        for variant in _deletion_variants(word, budget):
            candidates |= self.deletions.get(variant, set())
        best: tuple[int, int, int, str] | None = None
        for candidate in candidates:
            distance = osa_distance(word, candidate)
            if distance <= budget:
                key = (distance, -self.vocabulary[candidate], abs(len(candidate) - len(word)), candidate)
                best = key if best is None or key < best else best
        return best[3] if best else None


def _edit_budget(word: str) -> int:
    if len(word) < 4 or not word.isalpha():
        return 0
    return 1 if len(word) <= 5 else 2


def _deletion_variants(word: str, depth: int) -> set[str]:
    variants = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        variants |= frontier
    return variants


def osa_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
    adjacent letters ("ankel" -> "ankle" is 1)."""
    if a == b:
        return 0
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


class _NameWords:
    """The words of active products' names with their counts, read again after
    ``settings.SEARCH_VOCABULARY_TTL_SECONDS`` (a typo's correction may lag behind a new product
    by that long; the product itself is searchable at once)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._at = -1e18
        self._words: Counter[str] = Counter()

    def words(self) -> Counter[str]:
        if time.monotonic() - self._at > settings.SEARCH_VOCABULARY_TTL_SECONDS:
            with self._lock:
                counts: Counter[str] = Counter()
                for name in Product.objects.filter(is_active=True).values_list("name", flat=True).iterator(2000):
                    counts.update(set(normalise_words(name)))
                self._words, self._at = counts, time.monotonic()
        return self._words

    def clear(self) -> None:
        self._at = -1e18


_name_words = _NameWords()
_lexicon_cache: dict[tuple, Lexicon] = {}


def lexicon_clear() -> None:
    """Forget the cached vocabulary (tests; after a bulk import)."""
    _name_words.clear()
    _lexicon_cache.clear()


def lexicon() -> Lexicon:
    """The current lexicon: the synonyms file, the categories (read on every call: a handful of
    rows) and the palette, plus the product-name vocabulary."""
    lines = _synonyms_file.lines()
    categories = list(Category.objects.values_list("id", "name", "slug").order_by("id"))
    names = _name_words.words()
    key = (id(lines), tuple(categories), id(names))
    cached = _lexicon_cache.get(key)
    if cached is not None:
        return cached
    _lexicon_cache.clear()
    result = _lexicon_build(lines, categories, names)
    _lexicon_cache[key] = result
    return result


def _lexicon_build(lines: list[SynonymLine], categories: list[tuple[int, str, str]], names: Counter[str]) -> Lexicon:
    by_key: dict[tuple[str, ...], tuple[int, str, str]] = {}
    for category_id, name, slug in categories:
        by_key[_fold(normalise_words(name))] = (category_id, name, slug)
        by_key[_fold(normalise_words(slug))] = (category_id, name, slug)
    colours = {_fold(normalise_words(colour)): colour for colour in COLOUR_NAMES}

    groups: list[Group] = []
    seen_categories: dict[int, int] = {}
    seen_colours: dict[str, int] = {}

    def add(terms: Iterable[tuple[str, ...]], head: tuple[str, ...]) -> None:
        category = by_key.get(_fold(head))
        colour = colours.get(_fold(head))
        terms = tuple(dict.fromkeys(terms))
        if category is not None and category[0] in seen_categories:
            index = seen_categories[category[0]]
            old = groups[index]
            groups[index] = Group(tuple(dict.fromkeys(old.terms + terms)), *category)
            return
        if colour is not None and colour in seen_colours:
            index = seen_colours[colour]
            groups[index] = Group(tuple(dict.fromkeys(groups[index].terms + terms)), colour=colour)
            return
        if category is not None:
            seen_categories[category[0]] = len(groups)
            groups.append(Group(terms, *category))
        elif colour is not None:
            seen_colours[colour] = len(groups)
            groups.append(Group(terms, colour=colour))
        else:
            groups.append(Group(terms))

    for _, name, slug in categories:
        add([tuple(normalise_words(name)), tuple(normalise_words(slug))], tuple(normalise_words(name)))
    for colour in COLOUR_NAMES:
        add([tuple(normalise_words(colour))], tuple(normalise_words(colour)))
    for line in lines:
        add(line.terms, line.head)

    by_phrase: dict[tuple[str, ...], list[int]] = {}
    vocabulary: Counter[str] = Counter()
    for index, group in enumerate(groups):
        for term in group.terms:
            ids = by_phrase.setdefault(_fold(term), [])
            if index not in ids:
                ids.append(index)
            for word in term:
                if word not in STOP_WORDS and len(word) > 1:
                    vocabulary[word] += 1_000_000  # the shop's own words win ties
    for word, count in names.items():
        if word not in STOP_WORDS and len(word) > 1 and not word.isdigit():
            vocabulary[word] += count
    deletions: dict[str, set[str]] = {}
    for word in vocabulary:
        for variant in _deletion_variants(word, _edit_budget(word)):
            deletions.setdefault(variant, set()).add(word)
    return Lexicon(
        groups=groups,
        by_phrase=by_phrase,
        vocabulary=dict(vocabulary),
        sorted_words=sorted(vocabulary),
        deletions=deletions,
    )


# --- Parsing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One alternative of a concept: a word or a phrase (words in order), or a word prefix."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Concept:
    """What one word (or phrase) of the query means: any of ``terms``; products in one of
    ``category_ids`` or of one of ``colours`` are what it names (ranked first)."""

    source: str
    terms: tuple[Term, ...]
    category_ids: frozenset[int] = frozenset()
    colours: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ParsedQuery:
    normalised: str
    concepts: tuple[Concept, ...]
    corrected: str | None  # the query with mis-spelt words corrected, when any were

    @property
    def colours(self) -> frozenset[str]:
        return frozenset().union(*(c.colours for c in self.concepts))

    @property
    def category_ids(self) -> frozenset[int]:
        return frozenset().union(*(c.category_ids for c in self.concepts))


def _searchable(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(w for w in words if w not in STOP_WORDS and (len(w) > 1 or w.isdigit()))


def _group_concept(source: str, groups: list[Group], extra: Iterable[Term] = ()) -> Concept:
    terms: dict[Term, None] = dict.fromkeys(extra)
    for group in groups:
        for term in group.terms:
            words = _searchable(term)
            if words:
                terms[Term(words)] = None
    return Concept(
        source=source,
        terms=tuple(terms),
        category_ids=frozenset(g.category_id for g in groups if g.category_id is not None),
        colours=frozenset(g.colour for g in groups if g.colour is not None),
    )


def query_parse(text: str, *, partial_last: bool = False) -> ParsedQuery:
    """Understand ``text`` (see the module's docstring). ``partial_last``: the last word is
    still being typed (suggestions), so it is a prefix whenever a known word starts with it."""
    words = normalise_words(text)
    normalised = " ".join(words)
    if not words:
        return ParsedQuery(normalised="", concepts=(), corrected=None)
    lex = lexicon()

    # 1. Each word: known, partial (a known word starts with it) or a typo.
    resolved: list[str] = []
    partial: list[bool] = []
    corrected_any = False
    for position, word in enumerate(words):
        last = position == len(words) - 1
        is_partial = False
        if word in STOP_WORDS or word.isdigit() or len(word) < 2:
            pass
        elif partial_last and last and lex.completions(word, 1):
            is_partial = not lex.knows(word)
        elif not lex.knows(word):
            if len(word) >= 3 and lex.completions(word, 1):
                is_partial = True
            else:
                fixed = lex.correction(word)
                if fixed is not None:
                    word, corrected_any = fixed, True
        resolved.append(word)
        partial.append(is_partial)

    # 2. Longest runs naming a group; the rest word by word.
    concepts: list[Concept] = []
    i = 0
    while i < len(resolved):
        for size in range(min(MAX_PHRASE_WORDS, len(resolved) - i), 0, -1):
            run = tuple(resolved[i : i + size])
            if any(partial[i : i + size]):
                continue
            ids = lex.group_ids(run)
            if ids:
                own = _searchable(run)
                groups = [lex.groups[g] for g in ids]
                concepts.append(_group_concept(" ".join(run), groups, [Term(own)] if own else []))
                i += size
                break
        else:
            word = resolved[i]
            i += 1
            if not _searchable((word,)):
                continue
            if partial[i - 1]:
                completions = lex.completions(word)
                group_ids = list(dict.fromkeys(g for w in completions for g in lex.group_ids((w,))))[:3]
                concepts.append(_group_concept(word, [lex.groups[g] for g in group_ids], [Term((word,), prefix=True)]))
            else:
                concepts.append(Concept(source=word, terms=(Term((word,)),)))
    concepts = [c for c in concepts if c.terms]
    corrected = " ".join(resolved) if corrected_any else None
    return ParsedQuery(normalised=normalised, concepts=tuple(concepts[:MAX_QUERY_WORDS]), corrected=corrected)

"""The two full-text backends behind ``search.selectors``: the same concepts (``search.query``)
become an FTS5 ``MATCH`` expression on SQLite and a ``tsquery`` on PostgreSQL, and the same SQL
skeleton around them matches, scores, filters, sorts and counts.

Scoring is the same integer formula on both backends, so both rank alike: for each concept, 4
when it matches the product's name, else 2 when it matches its colour or category name, else 1
(the description or SKU); plus 3 when the product is in the category the concept names or has
the colour it names (``Product.colour``, computed from the photo). Ties: newest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from catalog.models import seller_sellable_sql

from .query import Concept, Term
from .schema import DOCUMENT_TABLE, FTS_TABLE

NAME_WEIGHT = 4
TAGS_WEIGHT = 2
DESCRIPTION_WEIGHT = 1
NAMED_BOOST = 3  # the product is in the named category or of the named colour


@dataclass(frozen=True)
class Sql:
    text: str
    params: tuple[Any, ...] = ()

    def __add__(self, other: Sql) -> Sql:
        return Sql(self.text + other.text, self.params + other.params)


def _join(parts: Sequence[Sql], separator: str) -> Sql:
    return Sql(separator.join(p.text for p in parts), tuple(x for p in parts for x in p.params))


class _Backend:
    # The table a search reads (alias ``p``) and its columns: the product's id and in-stock test.
    table = "catalog_product p"
    pk = "p.id"
    in_stock = "p.stock > 0"
    # The sorts (``SearchSort`` values) whose first rows an index reads in order: a search looks
    # for its page among them (a bounded read) before ordering every match. SQLite's product
    # table has an index on the creation date, none on the price.
    windowed_sorts = frozenset({"relevance", "newest"})

    def active(self) -> Sql:
        """A condition: the product is listed (``catalog.models.sellable_q``): active, and the
        shop's own or an approved seller's (a suspended seller's products leave search at once;
        the documents keep no seller column, so the few non-approved sellers' ids are excluded)."""
        seller_sql, params = seller_sellable_sql(self.pk)
        return Sql(f"p.is_active = %s AND {seller_sql}", (True, *params))

    def match(self, concepts: Sequence[Concept], *, any_concept: bool) -> Sql:  # pragma: no cover
        raise NotImplementedError

    def hit(self, concept: Concept, column: str | None) -> Sql:  # pragma: no cover
        raise NotImplementedError

    @staticmethod
    def named(concept: Concept) -> Sql | None:
        """Whether the product is in the category or of the colour ``concept`` names (``None``:
        it names neither)."""
        named = []
        if concept.category_ids:
            ids = sorted(concept.category_ids)
            named.append(Sql(f"p.category_id IN ({', '.join(['%s'] * len(ids))})", tuple(ids)))
        if concept.colours:
            colours = sorted(concept.colours)
            named.append(Sql(f"p.colour IN ({', '.join(['%s'] * len(colours))})", tuple(colours)))
        return _join(named, " OR ") if named else None

    def score(self, concepts: Sequence[Concept], *, any_concept: bool) -> Sql:
        parts = []
        for concept in concepts:
            fallback = self.hit(concept, None) if any_concept else None
            case = (
                Sql("(CASE WHEN ")
                + self.hit(concept, "name")
                + Sql(f" THEN {NAME_WEIGHT} WHEN ")
                + self.hit(concept, "tags")
                + Sql(f" THEN {TAGS_WEIGHT} ")
            )
            if fallback is not None:
                case += Sql("WHEN ") + fallback + Sql(f" THEN {DESCRIPTION_WEIGHT} ELSE 0 END)")
            else:
                case += Sql(f"ELSE {DESCRIPTION_WEIGHT} END)")
            parts.append(case)
            named = self.named(concept)
            if named is not None:
                parts.append(Sql("(CASE WHEN ") + named + Sql(f" THEN {NAMED_BOOST} ELSE 0 END)"))
        return _join(parts, " + ") if parts else Sql("0")

    @staticmethod
    def best_score(concepts: Sequence[Concept]) -> int:
        """The highest score ``score`` can give: every concept in the name, every boost."""
        return sum(NAME_WEIGHT + (NAMED_BOOST if c.category_ids or c.colours else 0) for c in concepts)

    def best(self, concepts: Sequence[Concept]) -> Sql:
        """A condition: the product scores ``best_score`` (every concept in its name, in the
        category or of the colour each concept names). Such products rank first, newest first,
        so a page of them needs no score computed for every match."""
        parts = [self.hit_all_names(concepts)]
        parts += [Sql("(") + named + Sql(")") for c in concepts if (named := self.named(c)) is not None]
        return _join(parts, " AND ")

    def hit_all_names(self, concepts: Sequence[Concept]) -> Sql:
        """A condition: every concept matches the product's name."""
        return _join([self.hit(c, "name") for c in concepts], " AND ")

    def name_matches(self, concepts: Sequence[Concept], *, limit: int) -> Sql:
        """A subquery: ids of at most ``limit`` active products whose name matches every concept."""
        return (
            Sql(f"SELECT {self.pk} FROM {self.table} WHERE ")
            + self.active()
            + Sql(" AND ")
            + self.hit_all_names(concepts)
            + Sql(" LIMIT %s", (limit,))
        )


class SqliteBackend(_Backend):
    """FTS5: a term is a quoted string ("running shoe"), a prefix ``"sand"*``; a concept an
    ``OR`` of them; column filters ``name : (...)`` say where it matched."""

    @staticmethod
    def _term(term: Term) -> str:
        # Words are letters and digits only (search.query), so quoting cannot be escaped from.
        return '"' + " ".join(term.words) + '"' + ("*" if term.prefix else "")

    def _concept(self, concept: Concept) -> str:
        return "(" + " OR ".join(self._term(t) for t in concept.terms) + ")"

    def _in(self, expression: str) -> Sql:
        return Sql(f"{self.pk} IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)", (expression,))

    def match(self, concepts: Sequence[Concept], *, any_concept: bool) -> Sql:
        return self._in((" OR " if any_concept else " AND ").join(self._concept(c) for c in concepts))

    def hit(self, concept: Concept, column: str | None) -> Sql:
        expression = self._concept(concept)
        return self._in(f"{column} : {expression}" if column else expression)


class PostgresBackend(_Backend):
    """``to_tsquery('english', ...)``: a term is ``'running' <-> 'shoe'``, a prefix ``'sand':*``;
    a concept an ``|`` of them; weight labels (``:A``, ``:B``) say where it matched."""

    # The document table alone: it has the product's filter, facet and sort columns (search.schema).
    table = f"{DOCUMENT_TABLE} p"
    pk = "p.product_id"
    in_stock = "p.in_stock"
    windowed_sorts = frozenset({"relevance", "newest", "price", "-price"})  # search.schema's btrees
    _LABELS = {None: "", "name": "A", "tags": "B"}

    @staticmethod
    def _term(term: Term, label: str) -> str:
        suffix = (":*" if term.prefix else ":") + label if (term.prefix or label) else ""
        return "(" + " <-> ".join(f"'{word}'{suffix}" for word in term.words) + ")"

    def _concept(self, concept: Concept, label: str = "") -> str:
        return "(" + " | ".join(self._term(t, label) for t in _distinct_terms(concept.terms)) + ")"

    def match(self, concepts: Sequence[Concept], *, any_concept: bool) -> Sql:
        expression = (" | " if any_concept else " & ").join(self._concept(c) for c in concepts)
        return Sql("p.vector @@ to_tsquery('english', %s)", (expression,))

    def name_matches(self, concepts: Sequence[Concept], *, limit: int) -> Sql:
        # Planned apart from its LIMIT (a materialised CTE, still read lazily): with the LIMIT in
        # view the planner takes a sequential scan for a rare word (it expects to find ``limit``
        # rows soon) and reads the whole table when none has it; this way the name's GIN index
        # finds them (or none) at once.
        return (
            Sql(f"WITH h AS MATERIALIZED (SELECT {self.pk} AS id FROM {self.table} ")
            + Sql("WHERE ")
            + self.active()
            + Sql(" AND ")
            + self.hit_all_names(concepts)
            + Sql(") SELECT id FROM h LIMIT %s", (limit,))
        )

    def hit_all_names(self, concepts: Sequence[Concept]) -> Sql:
        # One tsquery: the name's GIN index is read once, each row's name tested once.
        expression = " & ".join(self._concept(c) for c in concepts)
        return Sql("p.name_vector @@ to_tsquery('english', %s)", (expression,))

    def hit(self, concept: Concept, column: str | None) -> Sql:
        if column == "name":  # the same matches as the A label, without rechecking labels
            return Sql("p.name_vector @@ to_tsquery('english', %s)", (self._concept(concept),))
        return Sql("p.vector @@ to_tsquery('english', %s)", (self._concept(concept, self._LABELS[column]),))


# word -> its English lexeme ("dresses" -> "dress"); "" for a stop word or a word the parser
# splits. Stemming is immutable, so the cache never goes stale; it is bounded all the same.
_STEMS: dict[str, str] = {}
_STEMS_MAX = 100_000


def _stems(words: set[str]) -> dict[str, str]:
    missing = sorted(words - _STEMS.keys())
    if missing:
        if len(_STEMS) + len(missing) > _STEMS_MAX:
            _STEMS.clear()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT w, array_to_string(tsvector_to_array(to_tsvector('english', w)), ' ') "
                "FROM unnest(%s::text[]) AS w",
                [missing],
            )
            for word, lexemes in cursor.fetchall():
                _STEMS[word] = lexemes if lexemes and " " not in lexemes else ""
    return {w: _STEMS.get(w, "") for w in words}


def _distinct_terms(terms: Sequence[Term]) -> list[Term]:
    """``terms`` less those that add no match to their OR: the same lexemes as an earlier term
    ("dresses" after "dress") and exact phrases with a word that is itself a term ("maxi dress"
    beside "dress"). The same matches, fewer lexemes to test per document (no phrase, no recheck)."""
    stems = _stems({w for t in terms for w in t.words})
    keyed = [(t, tuple(stems[w] for w in t.words)) for t in terms]
    singles = {key[0] for t, key in keyed if len(key) == 1 and key[0] and not t.prefix}
    seen: set[tuple[tuple[str, ...], bool]] = set()
    kept = []
    for term, key in keyed:
        if all(key):  # every word a single lexeme: comparable
            if (key, term.prefix) in seen or (len(key) > 1 and not term.prefix and singles & set(key)):
                continue
            seen.add((key, term.prefix))
        kept.append(term)
    return kept


def backend() -> _Backend:
    """The backend for the default database's vendor."""
    return PostgresBackend() if connection.vendor == "postgresql" else SqliteBackend()

"""Search over titles and cell text (athena_nb.store._search, schema version 5's FTS5)."""

from __future__ import annotations

import pytest

from athena_nb.store._search import ftsQuery


def found(db, text, **kw):
    return [(w.title, snippet) for w, snippet in db.run(db.store.search_worksheets(text, **kw))]


def test_words_are_found_in_titles_and_cells_and_kept_up_to_date(db):
    algebra, (a, b) = db.worksheet("Linear algebra", ["M = matrix(QQ, 2)", "M.eigenvalues()"])
    calculus, (c,) = db.worksheet("Calculus", ["integrate(sin(x), x)"])
    assert [t for t, _ in found(db, "eigen")] == ["Linear algebra"], "the last word is a prefix"
    assert found(db, "algebra") == [("Linear algebra", "Linear «algebra»")]
    assert [t for t, _ in found(db, "integrate sin")] == ["Calculus"]
    assert found(db, "integrate eigenvalues") == [], "every word, in one cell or the title"
    db.run(db.store.set_cell_text(c, "diff(cos(x), x)", 1))
    assert found(db, "integrate") == [] and [t for t, _ in found(db, "diff")] == ["Calculus"]
    db.run(db.store.rename_worksheet(calculus, "Analysis"))
    assert [t for t, _ in found(db, "analysis")] == ["Analysis"]
    db.run(db.store.delete_cell(a))
    assert found(db, "matrix") == []
    db.run(db.store.trash_worksheet(algebra))
    assert found(db, "eigenvalues") == []
    assert [t for t, _ in found(db, "eigenvalues", include_trashed=True)] == ["Linear algebra"]
    db.run(db.store.delete_worksheet_forever(algebra))
    assert found(db, "eigenvalues linear", include_trashed=True) == []
    conn = db.writer._conn  # every trigger told its index the values the table had
    for index in ("cell_search", "title_search"):
        conn.execute(f"INSERT INTO {index} ({index}, rank) VALUES ('integrity-check', 1)")


def test_accents_and_case_do_not_matter_and_query_syntax_is_only_words(db):
    db.worksheet("Théorie des groupes", ["G = SymmetricGroup(5)  # l'ordre"])
    assert [t for t, _ in found(db, "theorie")] == ["Théorie des groupes"]
    assert [t for t, _ in found(db, "SYMMETRICGROUP")] == ["Théorie des groupes"]
    for hostile in ('"', "NEAR(", "a OR", "*", "col:x", ") AND (", "-x", "'"):
        found(db, hostile)  # never an FTS5 syntax error
    assert found(db, "   ") == []


@pytest.mark.parametrize("text, query", [
    ("eigen", '"eigen"*'), ("two words", '"two" "words"*'), ('a"b OR c', '"a" "b" "OR" "c"*'),
    ("!!", None),
])
def test_what_is_typed_becomes_quoted_words(text, query):
    assert ftsQuery(text) == query


def test_older_files_are_indexed_when_they_upgrade(tmp_path):
    from athena_nb.store._schema import open_database
    from tests.unit.test_store_open import make_v1

    path = str(tmp_path / "nb.sqlite")
    make_v1(path)
    conn = open_database(path)
    assert conn.execute("SELECT rowid FROM cell_search WHERE cell_search MATCH 'x'").fetchall()
    assert conn.execute(
        "SELECT rowid FROM title_search WHERE title_search MATCH 'old'").fetchall()
    conn.close()

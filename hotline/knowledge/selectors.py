"""Searching the knowledge base in Chinese.

Articles are indexed as TF-IDF vectors of character unigrams and bigrams (title and keywords
weigh more than the body), and a query is ranked by cosine similarity. No word segmenter and no
database extension is needed, so the search is the same on SQLite and PostgreSQL; the index is
rebuilt in this process when articles change and at least every minute.
"""

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from django.db.models import QuerySet
from sklearn.feature_extraction.text import TfidfVectorizer

from hotline.core import clock
from hotline.core.cache import cached
from hotline.triage.classifier import normalise

from .models import Article


@dataclass(frozen=True)
class _Index:
    ids: list[int]
    titles: list[str]
    vectorizer: TfidfVectorizer | None
    matrix: object


def _document(article: Article) -> str:
    return " ".join([article.title] * 3 + [article.keywords] * 3 + [article.body])


def _index() -> _Index:
    def build() -> _Index:
        articles = list(
            Article.objects.valid_on(clock.now().date()).only("id", "title", "keywords", "body")
        )
        if not articles:
            return _Index([], [], None, None)
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True)
        matrix = vectorizer.fit_transform([normalise(_document(a)) for a in articles])
        return _Index([a.pk for a in articles], [a.title for a in articles], vectorizer, matrix)

    return cached("knowledge.index", build)


class Match(NamedTuple):
    id: int
    title: str
    score: float


def best_matches(query: str, *, limit: int = 5, min_score: float = 0.08) -> list[Match]:
    """The articles in force that best answer ``query``, best first, with their scores in [0, 1],
    from the index alone (no query: this runs at every registration)."""
    return best_matches_each([query], limit=limit, min_score=min_score)[0]


def best_matches_each(
    queries: list[str], *, limit: int = 5, min_score: float = 0.08
) -> list[list[Match]]:
    """``best_matches`` of several queries in one pass over the index."""
    index = _index()
    asked = [i for i, q in enumerate(queries) if q.strip()]
    found: list[list[Match]] = [[] for _ in queries]
    if index.vectorizer is None or not asked:
        return found
    scores = (
        index.matrix @ index.vectorizer.transform([normalise(queries[i]) for i in asked]).T
    ).toarray()
    for column, i in enumerate(asked):
        these = scores[:, column]
        found[i] = [
            Match(index.ids[j], index.titles[j], round(float(these[j]), 4))
            for j in these.argsort()[::-1][:limit]
            if these[j] >= min_score
        ]
    return found


def search_articles(
    query: str, *, limit: int = 5, min_score: float = 0.08
) -> list[tuple[Article, float]]:
    """``best_matches`` as the articles themselves (those still there)."""
    found = best_matches(query, limit=limit, min_score=min_score)
    articles = Article.objects.in_bulk([m.id for m in found])
    return [(articles[m.id], m.score) for m in found if m.id in articles]


def articles_due_for_review(day: date | None = None) -> QuerySet[Article]:
    """Articles whose review date has come (复核到期)."""
    return Article.objects.filter(active=True, review_by__lte=day or clock.now().date()).order_by(
        "review_by"
    )

"""Hot issues (pure): many people reporting the same problem at the same place.

The problem is read from the words: messages are segmented with jieba, weighted by TF-IDF (the title
counts several times over the body, because it names the problem and the place while the body mostly
tells the story) and compared by cosine similarity. The place, when the caller knows it (an order's
community or address), is a gate: two messages naming places that are not alike are never linked,
however alike their words (the same complaint about two estates is two issues).

Pairs at least ``link`` alike are found with a sparse radius search and joined into connected
groups; each group is then cut by average linkage at ``cohesion``, so a chain of pairwise-alike
messages (A like B like C ... like Z) cannot glue two problems into one issue: the messages of an
issue are alike with each other on average, not just with a neighbour.

An issue's size is the number of different people behind it: a person repeating a complaint is heard
once. Without senders, identical texts count once. Issues are ranked by size, then by messages, then
by how short a time they span: as many voices in a week are hotter than in a year.
"""

import logging
import re
import unicodedata
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jieba
import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_distances
from sklearn.neighbors import NearestNeighbors

jieba.setLogLevel(logging.WARNING)

# Words every request uses whatever its problem: they would make unrelated messages look alike.
STOPWORDS = frozenset(
    """
    我们 你们 他们 她们 它们 我家 自己 大家 这个 那个 这些 那些 这样 那样 这里 那里 哪里 什么 怎么
    怎么办 为什么 如何 是否 可以 能否 能不能 还是 或者 而且 并且 但是 可是 因为 所以 如果 虽然 已经
    一直 现在 目前 今年 去年 每天 时候 一个 一些 没有 不是 就是 还有 以及 其他 其中 由于 对于 关于
    进行 希望 要求 请求 恳请 恳求 请问 咨询 反映 反应 投诉 举报 建议 问题 情况 相关 有关 部门 领导
    政府 市民 群众 居民 您好 你好 谢谢 感谢 麻烦 尽快 及时 解决 处理 答复 回复 给予 得到 严重 非常
    很多 特别 不能 不会 需要 应该 知道 觉得 认为 表示 出现 发现 造成 导致 影响 存在 以来 之后 之前
    以后 以前 期间 当时 同时 然后 根本 完全 甚至 只是 还要 多次 一下 一样 这种 任何 本人 业主 网友
    """.split()
)

# The anonymised data writes "A市", "A3区", "A7县"; left to jieba the 市 is glued to the next name
# ("市丽发"), so one estate would be spelled differently from one message to the next.
_ADMIN = re.compile(r"[A-Za-z]\d*[省市区县]")
_WORDLIKE = re.compile(r"[\u4e00-\u9fffA-Za-z]")


@dataclass(frozen=True)
class Message:
    id: Hashable
    text: str
    title: str = ""
    place: str = ""  # the most specific place known: community, or address without door number
    at: datetime | None = None
    user: Hashable | None = None  # the sender (phone, account), when known


@dataclass(frozen=True)
class HotIssue:
    ids: tuple[Hashable, ...]  # oldest first when every message has a time, else input order
    size: int  # different senders (see the module docstring)
    messages: int
    label: str  # the top terms joined with "、"
    terms: tuple[str, ...]  # the words carrying most TF-IDF weight over the issue's messages
    first: datetime | None
    last: datetime | None

    @property
    def span(self) -> timedelta | None:
        return self.last - self.first if self.first and self.last else None


def words(text: str) -> list[str]:
    """The words of a text worth comparing: jieba words of two or more characters, without
    punctuation, bare numbers or ``STOPWORDS``; anonymised district names ("A3区") stay whole."""
    out: list[str] = []
    position = 0
    for match in _ADMIN.finditer(text):
        out.extend(_segment(text[position : match.start()]))
        out.append(match.group())
        position = match.end()
    out.extend(_segment(text[position:]))
    return out


def _segment(text: str) -> list[str]:
    return [
        w
        for w in jieba.lcut(text)
        if len(w) >= 2 and w not in STOPWORDS and _WORDLIKE.search(w) and not w.isdigit()
    ]


def place_likeness(a: str, b: str) -> float:
    """Dice coefficient of the character bigrams of two places, ignoring width, case, spaces and
    punctuation: 1 for the same place written alike, 0 when nothing is shared or either is empty."""
    return _dice(_place_bigrams(a), _place_bigrams(b))


def _dice(x: frozenset[str], y: frozenset[str]) -> float:
    return 2 * len(x & y) / (len(x) + len(y)) if x and y else 0.0


def _place_bigrams(place: str) -> frozenset[str]:
    chars = [
        c
        for c in unicodedata.normalize("NFKC", place).lower()
        if not c.isspace() and not unicodedata.category(c).startswith(("P", "S"))
    ]
    if len(chars) == 1:
        return frozenset(chars)
    return frozenset(a + b for a, b in zip(chars, chars[1:], strict=False))


def discover_hot_issues(
    messages: Sequence[Message],
    *,
    link: float = 0.4,
    cohesion: float = 0.25,
    same_place: float = 0.5,
    min_size: int = 2,
    title_weight: int = 3,
    body_chars: int = 300,
    terms: int = 4,
    top: int | None = None,
) -> list[HotIssue]:
    """Group messages reporting the same problem at the same place; the hottest issue first.

    Two messages are linked when the cosine similarity of their TF-IDF word vectors is at least
    ``link`` and, if both name a place, their ``place_likeness`` is at least ``same_place``. Each
    connected group is split by average linkage so that an issue's messages are on average at least
    ``cohesion`` alike (pairs at different places counting as not alike at all). Only issues with
    ``min_size`` different senders are returned: one person repeating a complaint is not a hot
    issue. Only the first ``body_chars`` characters of a body are read: requests state the problem
    and the place first, and a long story would otherwise drown the title. Fewer than two messages,
    or none alike, give an empty list.
    """
    if len(messages) < 2:
        return []
    documents = [words(m.title) * title_weight + words(m.text[:body_chars]) for m in messages]
    vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True)
    try:
        vectors = vectorizer.fit_transform(documents)
    except ValueError:  # not one comparable word in any message
        return []
    places = [_place_bigrams(m.place) for m in messages]

    groups = _alike_groups(vectors, places, link=link, cohesion=cohesion, same_place=same_place)
    vocabulary = vectorizer.get_feature_names_out()
    issues = [_issue(messages, group, vectors, vocabulary, terms) for group in groups]
    issues = [issue for issue in issues if issue.size >= min_size]
    issues.sort(key=_heat)
    return issues[:top] if top is not None else issues


def _identity(document: list[str]) -> list[str]:
    return document


def _apart(a: frozenset[str], b: frozenset[str], same_place: float) -> bool:
    """Both places are known and not alike: the messages cannot be about one problem."""
    return bool(a and b) and _dice(a, b) < same_place


def _alike_groups(
    vectors: Any,
    places: Sequence[frozenset[str]],
    *,
    link: float,
    cohesion: float,
    same_place: float,
) -> list[list[int]]:
    n = vectors.shape[0]
    search = NearestNeighbors(metric="cosine", algorithm="brute").fit(vectors)
    _, neighbours = search.radius_neighbors(vectors, radius=1 - link)
    edges = [
        (i, j)
        for i, found in enumerate(neighbours)
        for j in found
        if i < j and not _apart(places[i], places[j], same_place)
    ]
    rows = np.array([i for i, _ in edges], dtype=int)
    cols = np.array([j for _, j in edges], dtype=int)
    graph = coo_matrix((np.ones(len(edges)), (rows, cols)), shape=(n, n))
    _, component = connected_components(graph, directed=False)

    members: dict[int, list[int]] = {}
    for index, label in enumerate(component):
        members.setdefault(label, []).append(index)
    groups: list[list[int]] = []
    for indices in members.values():
        if len(indices) <= 2:  # one message, or one pair that passed both tests
            groups.append(indices)
            continue
        distances = cosine_distances(vectors[indices])
        located = [a for a, i in enumerate(indices) if places[i]]
        for x, a in enumerate(located):
            for b in located[x + 1 :]:
                if _apart(places[indices[a]], places[indices[b]], same_place):
                    distances[a, b] = distances[b, a] = 1.0
        condensed = np.clip(distances[np.triu_indices(len(indices), k=1)], 0.0, 1.0)
        labels = fcluster(
            linkage(condensed, method="average"), t=1 - cohesion, criterion="distance"
        )
        split: dict[int, list[int]] = {}
        for index, label in zip(indices, labels, strict=True):
            split.setdefault(label, []).append(index)
        groups.extend(split.values())
    return groups


def _issue(
    messages: Sequence[Message], group: list[int], vectors: Any, vocabulary: Any, terms: int
) -> HotIssue:
    chosen = [messages[i] for i in group]
    times = [m.at for m in chosen if m.at is not None]
    if len(times) == len(chosen):
        chosen = [m for _, m in sorted(zip(times, chosen, strict=True), key=lambda t: t[0])]
    senders = {
        ("user", m.user) if m.user is not None else ("text", m.title.strip(), m.text.strip())
        for m in chosen
    }
    weights = np.asarray(vectors[group].sum(axis=0)).ravel()
    best = [
        str(vocabulary[i]) for i in np.argsort(-weights, kind="stable")[:terms] if weights[i] > 0
    ]
    return HotIssue(
        ids=tuple(m.id for m in chosen),
        size=len(senders),
        messages=len(chosen),
        label="、".join(best),
        terms=tuple(best),
        first=min(times) if times else None,
        last=max(times) if times else None,
    )


def _heat(issue: HotIssue) -> tuple[int, int, timedelta, str]:
    span = issue.span if issue.span is not None else timedelta.max
    return (-issue.size, -issue.messages, span, str(issue.ids[0]))

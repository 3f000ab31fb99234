"""Cutting Chinese text into words, for the index and for queries.

Chinese has no spaces, so neither SQLite nor PostgreSQL can find 撤桶并点 in a sentence on their
own. Both backends are given text already cut into words here (rjieba, a Rust port of jieba),
joined by spaces:

- index text: jieba's search cut (every word plus the dictionary words inside long words) and,
  inside every word of three or more Chinese characters, each pair of neighbouring characters, so
  that 厨余 is found inside 厨余垃圾 and 并点 inside 撤桶并点; lower-cased; punctuation dropped.
- queries: jieba's precise cut; every word must be found (AND). A word of a synonym group may be
  found as any word of its group; a long word may also be found as its parts (垃圾分类 in a text
  cut as 生活垃圾 / 分类). If nothing is found, `ParsedQuery.relaxed()` asks for any word (OR).

The dictionary is the live `DictionaryWord` rows plus the words of the live synonym groups. It is
cached in this process and reloaded when the rows change (a cheap version check at most once per
search or indexing run, see `ensure_current`).
"""

import re
import threading
from dataclasses import dataclass, field
from typing import Any

import rjieba
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from twinning.core.errors import Invalid

MAX_QUERY_CHARS = 100
# How often a dictionary word counts in jieba's frequency table: high enough that the word is
# kept whole next to common words (湿垃圾 before 垃圾处理), as jieba's own suggest_freq would.
WORD_FREQ = 200_000

_WORD = re.compile(r"[^\W_]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_ONLY = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{3,}")

# Query words that say nothing about the subject; dropped unless the query is only these.
STOP_WORDS = frozenset(
    "的了和与及或是在有吗呢啊吧把被为对从向等中将这那之其就也都而我你他要能会"
) | {
    *("如何", "怎么", "怎样", "什么", "哪些", "哪个", "为什么", "关于", "进行", "可以"),
    *("一个", "一些", "我们"),
}


@dataclass
class _Vocabulary:
    version: tuple[Any, ...] | None = None
    jieba: Any = None
    # Each synonym word (lower-cased) → all words of its groups, itself first.
    synonyms: dict[str, list[str]] = field(default_factory=dict)
    # The dictionary's words (lower-cased, word characters only), longest first.
    words: tuple[str, ...] = ()


_state = _Vocabulary()
_lock = threading.Lock()


def _version() -> tuple[Any, ...]:
    from twinning.search.models import DictionaryWord, SynonymGroup

    words = DictionaryWord.objects.aggregate(n=Count("id"), m=Max("id"), a=Max("archived_at"))
    groups = SynonymGroup.objects.aggregate(n=Count("id"), m=Max("id"), a=Max("archived_at"))
    return (words["n"], words["m"], words["a"], groups["n"], groups["m"], groups["a"])


def _build(version: tuple[Any, ...]) -> None:
    from twinning.search.models import DictionaryWord, SynonymGroup

    jieba = rjieba.Jieba()
    words = set(
        DictionaryWord.objects.filter(archived_at__isnull=True).values_list("word", flat=True)
    )
    synonyms: dict[str, list[str]] = {}
    for group in SynonymGroup.objects.filter(archived_at__isnull=True).order_by("id"):
        members = [_normal(w) for w in group.word_list]
        members = list(dict.fromkeys(m for m in members if _WORD.fullmatch(m)))
        if len(members) < 2:
            continue
        words.update(members)
        for member in members:
            known = synonyms.setdefault(member, [member])
            known.extend(m for m in members if m not in known)
    for word in sorted(words):
        jieba.add_word(word, WORD_FREQ, None)
        lowered = _normal(word)
        if lowered != word:
            jieba.add_word(lowered, WORD_FREQ, None)
    _state.jieba = jieba
    _state.synonyms = synonyms
    normal = {_normal(w) for w in words}
    _state.words = tuple(
        sorted((w for w in normal if len(w) >= 2 and _WORD.fullmatch(w)), key=len, reverse=True)
    )
    _state.version = version


def reload_vocabulary() -> None:
    """Read the dictionary and the synonym groups again (after a change to either)."""
    with _lock:
        _build(_version())


def ensure_current() -> None:
    """Reload the vocabulary if its rows changed since it was read (two small queries)."""
    version = _version()
    if version != _state.version:
        with _lock:
            if version != _state.version:
                _build(version)


def _jieba() -> Any:
    if _state.jieba is None:
        ensure_current()
    return _state.jieba


# Full-width letters, digits and signs (ＡＢＣ１２３) read as plain ones; the ideographic space as
# a space. (Full NFKC would do more, at ten times the cost on a long text.)
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def _normal(text: str) -> str:
    return text.translate(_FULL_WIDTH).lower()


_WRAPPED = re.compile(
    r"(?<=[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])[ \t]*\r?\n[ \t]*"
    r"(?=[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])"
)


def join_wrapped_lines(text: str) -> str:
    """Undo line wraps inside Chinese text (a PDF's lines break anywhere, even inside a word):
    a single line break between two Chinese characters is dropped."""
    return _WRAPPED.sub("", text)


def _clean(token: str) -> list[str]:
    """A token's word characters: "35%" → ["35"], "world-2" → ["world", "2"]."""
    return _WORD.findall(token)


def _bigrams(word: str) -> list[str]:
    if _CJK_ONLY.fullmatch(word):
        return [word[i : i + 2] for i in range(len(word) - 1)]
    grams: list[str] = []
    for run in _CJK_RUN.findall(word):
        grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def index_token_list(text: str) -> list[str]:
    """The words `text` is found by, in order (see the module's description)."""
    if not text:
        return []
    tokens: list[str] = []
    append = tokens.append
    extend = tokens.extend
    normal = _normal(join_wrapped_lines(text))
    for raw in _jieba().cut_for_search(normal, True):
        # Most words are letters or digits only ("_" is not, and is cut like punctuation).
        parts = [raw] if raw.isalnum() else _WORD.findall(raw)
        for part in parts:
            append(part)
            if len(part) >= 3 and not part.isascii():
                extend(_bigrams(part))
    # A dictionary word is found wherever it is written, even where jieba cut the sentence
    # another way (生活垃圾 / 分类 in 生活垃圾分类 still holds 垃圾分类).
    for word in _state.words:
        written = normal.count(word)
        if written:
            missing = written - tokens.count(word)
            if missing > 0:
                extend([word] * missing)
    return tokens


def index_tokens(text: str) -> str:
    """The index text of `text`: its words joined by spaces."""
    return " ".join(index_token_list(text))


def query_tokens(text: str) -> list[str]:
    """`text` cut as a query is (precise cut, cleaned), stop words kept."""
    tokens: list[str] = []
    for raw in _jieba().cut(_normal(text), True):
        tokens.extend(_clean(raw))
    return tokens


def _parts(word: str) -> list[str]:
    """The dictionary words a long word is made of, left to right, longest first (回收利用率 →
    回收 利用率; 湿垃圾 → 湿 垃圾); empty when the word has no smaller parts."""
    if len(word) < 3 or len(_CJK.findall(word)) < 3:
        return []
    pieces = {p for p in _jieba().cut_for_search(word, False) if p != word and len(p) >= 2}
    spans = sorted(
        {(m.start(), m.start() + len(p)) for p in pieces for m in re.finditer(re.escape(p), word)},
        key=lambda s: (s[0], -(s[1] - s[0])),
    )
    chosen: list[str] = []
    position = 0
    for begin, end in spans:
        if begin < position:
            continue
        # Characters no piece covers stand for themselves (厨余 in 厨余垃圾).
        if begin > position:
            chosen.append(word[position:begin])
        chosen.append(word[begin:end])
        position = end
    if position < len(word):
        chosen.append(word[position:])
    if not any(len(p) >= 2 for p in chosen) or chosen == [word]:
        return []
    return chosen


def _alternatives(word: str) -> list[str]:
    """How one query word may be found: the word itself, or its parts all together."""
    tokens = query_tokens(word)
    if not tokens:
        return []
    found = [" ".join(tokens)]
    # A dictionary word is indexed wherever it is written: its parts are not needed.
    if len(tokens) == 1 and tokens[0] not in _state.words:
        parts = _parts(tokens[0])
        if parts:
            found.append(" ".join(parts))
    return found


@dataclass(frozen=True)
class ParsedQuery:
    """A query ready for a backend.

    `groups`: every group must be found (AND); a group is found when any of its alternatives is
    (OR); an alternative is a space-joined list of words that must all be found.
    `highlight`: the words to mark in snippets (the query's words and their synonyms).
    `text`: the query as typed (trimmed); `is_relaxed`: any group is enough (OR)."""

    text: str
    groups: list[list[str]]
    highlight: list[str]
    is_relaxed: bool = False

    def relaxed(self) -> "ParsedQuery":
        """The same words, any of them enough: tried when the full query finds nothing."""
        alternatives = list(dict.fromkeys(a for group in self.groups for a in group))
        return ParsedQuery(self.text, [alternatives], self.highlight, is_relaxed=True)

    @property
    def words(self) -> list[str]:
        """Every distinct word of the query and its alternatives."""
        return list(dict.fromkeys(t for g in self.groups for a in g for t in a.split()))


def _split_synonyms(text: str) -> list[tuple[str, bool]]:
    """The query's pieces in order, each flagged whether it is a synonym word (longest first)."""
    synonyms = _state.synonyms
    if not synonyms:
        return [(text, False)]
    pattern = "|".join(re.escape(w) for w in sorted(synonyms, key=len, reverse=True))
    pieces: list[tuple[str, bool]] = []
    position = 0
    for match in re.finditer(pattern, text):
        if match.start() > position:
            pieces.append((text[position : match.start()], False))
        pieces.append((match.group(0), True))
        position = match.end()
    if position < len(text):
        pieces.append((text[position:], False))
    return pieces


def parse_query(q: str, *, check_vocabulary: bool = True) -> ParsedQuery:
    """Turn what a user typed into a `ParsedQuery`.

    Raises Invalid "query_too_long" over MAX_QUERY_CHARS characters and "empty_query" when
    nothing searchable is left (empty, punctuation only)."""
    text = (q or "").strip()
    if len(text) > MAX_QUERY_CHARS:
        raise Invalid(
            _("检索词过长：最多 %(max)d 个字。") % {"max": MAX_QUERY_CHARS},
            code="query_too_long",
            fields={"q": [_("检索词过长：最多 %(max)d 个字。") % {"max": MAX_QUERY_CHARS}]},
        )
    if check_vocabulary:
        ensure_current()
    else:
        _jieba()
    normal = _normal(text)
    groups: list[list[str]] = []
    highlight: list[str] = []
    plain: list[list[str]] = []
    for piece, is_synonym in _split_synonyms(normal):
        if is_synonym:
            alternatives: list[str] = []
            for word in _state.synonyms[piece]:
                alternatives.extend(_alternatives(word))
                highlight.append(word)
            groups.append(list(dict.fromkeys(alternatives)))
            continue
        for token in query_tokens(piece):
            plain.append(_alternatives(token))
            highlight.append(token)
    meaningful = [alts for alts in plain if alts and alts[0] not in STOP_WORDS]
    if meaningful or groups:
        plain = meaningful
    groups.extend(alts for alts in plain if alts)
    # The same group twice adds nothing.
    unique: list[list[str]] = []
    for group in groups:
        if group not in unique:
            unique.append(group)
    if not unique:
        message = _("请输入要查找的词语。")
        raise Invalid(message, code="empty_query", fields={"q": [message]})
    highlight = [w for w in dict.fromkeys(highlight) if w not in STOP_WORDS or not unique]
    return ParsedQuery(text=text, groups=unique, highlight=highlight)

"""Cutting text and queries into words: domain words kept whole, parts findable, bad queries
refused with a clear message."""

import pytest

from twinning.core.errors import Invalid
from twinning.search import segment
from twinning.search.models import DictionaryWord, SynonymGroup
from twinning.search.segment import MAX_QUERY_CHARS, index_token_list, index_tokens, parse_query
from twinning.search.vocabulary import DEFAULT_SYNONYMS, DEFAULT_WORDS, load_vocabulary

pytestmark = pytest.mark.django_db


def test_domain_words_are_kept_whole() -> None:
    tokens = index_token_list("各区推进撤桶并点和定时定点投放，蒲公英计划覆盖全市，实行1对1帮扶。")
    for word in ("撤桶并点", "定时定点", "蒲公英计划", "1对1"):
        assert word in tokens
    # A query keeps them whole too.
    assert parse_query("撤桶并点").groups == [["撤桶并点"]]
    assert parse_query("蒲公英计划").groups[0][0] == "蒲公英计划"


def test_pairs_of_characters_inside_long_words_are_indexed() -> None:
    tokens = index_token_list("本市推行撤桶并点，厨余垃圾单独收运。")
    assert {"撤桶", "桶并", "并点", "厨余", "余垃"} <= set(tokens)
    # jieba's own search cut adds the dictionary words inside: 垃圾 in 厨余垃圾.
    assert "垃圾" in tokens


def test_punctuation_is_dropped_and_text_is_lower_cased() -> None:
    tokens = index_token_list("《条例》第三条：回收率达到35%！ＡＢＣ Hello, World-2…")
    assert all(t.isalnum() for t in tokens)
    assert "35" in tokens
    assert "abc" in tokens  # full-width letters are read as plain ones
    assert "hello" in tokens
    assert {"world", "2"} <= set(tokens)
    assert index_tokens("") == ""
    assert index_tokens("，。！？……") == ""


def test_a_line_break_inside_a_word_is_undone() -> None:
    # A PDF wraps its lines anywhere, even inside a word.
    tokens = index_token_list("推进居\n民小区撤桶\n并点工作")
    assert "撤桶并点" in tokens
    assert "小区" in tokens
    # Paragraphs (blank lines) stay apart.
    assert segment.join_wrapped_lines("第一段。\n\n第二段") == "第一段。\n\n第二段"


def test_query_words_must_all_be_found_and_stop_words_are_dropped() -> None:
    parsed = parse_query("如何开展撤桶并点的宣传")
    assert [g[0] for g in parsed.groups] == ["开展", "撤桶并点", "宣传"]
    assert "的" not in parsed.words
    # A query of stop words only is still searched.
    assert parse_query("如何").groups == [["如何"]]


def test_a_long_word_may_also_be_found_as_its_parts() -> None:
    # jieba may cut a text around a general word another way: its parts also find it.
    assert parse_query("垃圾处理").groups == [["垃圾处理", "垃圾 处理"]]
    # A dictionary word needs no parts: it is indexed wherever it is written.
    assert parse_query("回收利用率").groups == [["回收利用率"]]


def test_a_dictionary_word_is_indexed_wherever_it_is_written() -> None:
    # jieba cuts 生活垃圾分类 one way only; both dictionary words inside are indexed.
    tokens = index_token_list("推进生活垃圾分类")
    assert {"生活垃圾", "垃圾分类"} <= set(tokens)
    assert tokens.count("垃圾分类") == 1


def test_synonyms_expand_the_query() -> None:
    parsed = parse_query("湿垃圾")
    assert len(parsed.groups) == 1
    alternatives = parsed.groups[0]
    assert {"湿垃圾", "厨余垃圾", "易腐垃圾"} <= set(alternatives)
    assert {"湿垃圾", "厨余垃圾", "易腐垃圾"} <= set(parsed.highlight)
    # Found inside a longer query too, the rest cut as usual.
    parsed = parse_query("湿垃圾末端处理")
    assert "厨余垃圾" in parsed.groups[0]
    assert len(parsed.groups) >= 2
    # 餐厨垃圾 (restaurant waste) is not a synonym of 厨余垃圾.
    assert "餐厨垃圾" not in parse_query("厨余垃圾").groups[0]


def test_relaxed_query_asks_for_any_word() -> None:
    parsed = parse_query("撤桶并点 火星基地")
    relaxed = parsed.relaxed()
    assert relaxed.is_relaxed and not parsed.is_relaxed
    assert len(relaxed.groups) == 1
    assert set(relaxed.groups[0]) >= {"撤桶并点"}
    assert relaxed.highlight == parsed.highlight


@pytest.mark.parametrize("text", ["", "   ", "，。！？……", "《》“”", "\" ' * ( ) : ^ -"])
def test_empty_queries_are_refused(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_query(text)
    assert caught.value.code == "empty_query"
    assert caught.value.message == "请输入要查找的词语。"
    assert caught.value.fields == {"q": ["请输入要查找的词语。"]}


def test_too_long_queries_are_refused() -> None:
    assert parse_query("垃" * MAX_QUERY_CHARS).groups
    with pytest.raises(Invalid) as caught:
        parse_query("垃圾分类" * 250)
    assert caught.value.code == "query_too_long"
    assert caught.value.message == "检索词过长：最多 100 个字。"


def test_query_syntax_cannot_be_typed_in() -> None:
    parsed = parse_query("厨余\" OR * NEAR(a b) & | ! : title:垃圾 \\ '")
    for word in parsed.words:
        assert word.isalnum(), word
    assert "or" in parsed.words  # a plain word now, not an operator


def test_vocabulary_is_seeded_once() -> None:
    # The session fixture has loaded it already.
    assert set(DEFAULT_WORDS) <= set(DictionaryWord.objects.values_list("word", flat=True))
    assert SynonymGroup.objects.count() >= len(DEFAULT_SYNONYMS)
    assert load_vocabulary() == (0, 0)


def test_a_new_or_archived_word_is_noticed_without_a_restart() -> None:
    assert "渗滤液收集" not in index_token_list("渗滤液收集池")
    word = DictionaryWord.objects.create(word="渗滤液收集")
    assert parse_query("渗滤液收集").groups[0][0] == "渗滤液收集"  # noticed at the next query
    assert "渗滤液收集" in index_token_list("渗滤液收集池")
    word.archived_at = word.created_at
    word.save()
    parse_query("渗滤液")
    assert "渗滤液收集" not in index_token_list("渗滤液收集池")

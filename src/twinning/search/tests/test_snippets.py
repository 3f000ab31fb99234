"""Snippets: cut from the original text around the first word found, escaped, words marked."""

from twinning.search.snippets import mark, snippet


def test_the_passage_around_the_first_word_is_marked() -> None:
    text = "甲" * 300 + "推行撤桶并点之后，撤桶并点的小区误投率下降。" + "乙" * 300
    result = snippet(text, ["撤桶并点"], width=60)
    assert result.startswith("…") and result.endswith("…")
    assert result.count("<mark>撤桶并点</mark>") == 2
    plain = result.replace("<mark>", "").replace("</mark>", "")
    assert len(plain) <= 62


def test_the_text_is_escaped() -> None:
    result = snippet("<script>alert(1)</script> 厨余垃圾 & 其他", ["厨余垃圾", "script"])
    assert "<script>" not in result
    assert "&lt;<mark>script</mark>&gt;" in result
    assert "<mark>厨余垃圾</mark> &amp; 其他" in result


def test_words_are_found_whatever_their_case_and_longest_first() -> None:
    result = snippet("The PDF and the Pdf reader 厨余垃圾", ["pdf", "厨余", "厨余垃圾"])
    assert result.count("<mark>") == 3
    assert "<mark>PDF</mark>" in result and "<mark>Pdf</mark>" in result
    assert "<mark>厨余垃圾</mark>" in result


def test_without_a_word_the_beginning_is_shown() -> None:
    text = "开头的一句话。" + "中间" * 200
    result = snippet(text, ["不存在"], width=20)
    assert result.startswith("开头的一句话")
    assert result.endswith("…")
    assert snippet("", ["厨余"]) == ""
    assert snippet("短文", []) == "短文"


def test_white_space_and_wrapped_lines_are_tidied() -> None:
    result = snippet("第一行\n\n   第二行  撤桶\n并点", ["撤桶并点"])
    assert result == "第一行 第二行 <mark>撤桶并点</mark>"


def test_titles_are_marked_and_escaped() -> None:
    assert mark("<b>湿垃圾</b>管理", ["湿垃圾"]) == "&lt;b&gt;<mark>湿垃圾</mark>&lt;/b&gt;管理"
    assert mark("a&b", []) == "a&amp;b"

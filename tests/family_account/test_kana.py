"""Readings: whatever a phone keyboard produces becomes full-width katakana, small kana kept."""

from hypothesis import given, settings, strategies as st

from enrollment.kana import is_katakana, to_katakana


def test_it_converts_hiragana_to_katakana():
    assert to_katakana("とまえ はなこ") == "トマエ\u3000ハナコ"


def test_it_converts_half_width_katakana_with_voiced_marks():
    assert to_katakana("ｼﾞｮｳﾀﾛｳ") == "ジョウタロウ"
    assert to_katakana("ﾊﾟｰﾙ") == "パール"


def test_it_keeps_small_kana_and_the_long_vowel_mark():
    assert to_katakana("きょうこ") == "キョウコ"
    assert to_katakana("ぁぃぅぇぉっゃゅょゎ") == "ァィゥェォッャュョヮ"
    assert to_katakana("ゆーこ") == "ユーコ"


def test_it_reads_a_dash_after_kana_as_the_long_vowel_mark():
    assert to_katakana("ゆ-こ") == "ユーコ"
    assert to_katakana("ユ－コ") == "ユーコ"


def test_it_composes_combining_voiced_marks():
    assert to_katakana("か\u3099") == "ガ"
    assert to_katakana("ゔぁ") == "ヴァ"


def test_it_refuses_latin_letters_kanji_and_a_leading_long_vowel_mark():
    assert not is_katakana(to_katakana("Hanako"))
    assert not is_katakana(to_katakana("花子"))
    assert not is_katakana(to_katakana("ーア"))
    assert not is_katakana("")


HIRAGANA = st.text(alphabet=st.characters(min_codepoint=0x3041, max_codepoint=0x3096), min_size=1, max_size=20)


@settings(max_examples=50, deadline=None)
@given(HIRAGANA)
def test_it_turns_any_hiragana_into_valid_katakana_of_the_same_length(text):
    converted = to_katakana(text)
    assert is_katakana(converted) or converted[0] in "ー"
    assert len(converted) == len(text)


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=30))
def test_it_is_idempotent_on_anything(text):
    once = to_katakana(text)
    assert to_katakana(once) == once

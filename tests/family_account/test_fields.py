"""The shared form fields: what families type on a phone in, one canonical form out."""

import datetime

import pytest
from django import forms
from django.utils import translation

from enrollment.forms.fields import JapaneseDateField, KanaField, PhoneField, PostalCodeField, SafeTextFormMixin


class SampleForm(SafeTextFormMixin, forms.Form):
    kana = KanaField(label="フリガナ")
    postal = PostalCodeField(label="郵便番号", required=False)
    phone = PhoneField(label="電話", required=False)
    day = JapaneseDateField(label="生年月日", required=False, min_year=2000)
    name = forms.CharField(label="氏名", required=False, max_length=50)


def clean(**data):
    base = {"kana": "トマエ"}
    base.update(data)
    form = SampleForm(base)
    form.is_valid()
    return form


@pytest.fixture(autouse=True)
def japanese():
    with translation.override("ja"):
        yield


def test_it_stores_readings_in_full_width_katakana():
    assert clean(kana="ｔｏ").errors["kana"]
    assert clean(kana="とまえ").cleaned_data["kana"] == "トマエ"
    assert clean(kana="ﾄﾏｴ").cleaned_data["kana"] == "トマエ"


def test_it_explains_a_wrong_reading_in_japanese():
    assert "カタカナ" in clean(kana="Tomae").errors["kana"][0]


def test_it_accepts_postal_codes_with_full_width_digits_and_no_hyphen():
    assert clean(postal="２０１０００１").cleaned_data["postal"] == "201-0001"
    assert clean(postal="201ー0001").cleaned_data["postal"] == "201-0001"
    assert clean(postal="201-000").errors["postal"] == ["郵便番号は7桁の数字で入力してください（例：201-0001）。"]


def test_it_accepts_phone_numbers_with_full_width_digits():
    assert clean(phone="０３－１２３４－５６７８").cleaned_data["phone"] == "03-1234-5678"
    assert clean(phone="09012345678").cleaned_data["phone"] == "09012345678"
    assert "phone" in clean(phone="12345").errors
    assert "phone" in clean(phone="03-1234-5678 内線").errors


def test_it_reads_a_date_from_three_inputs_with_full_width_digits():
    form = clean(day_0="２０２０", day_1="４", day_2="０１")
    assert form.cleaned_data["day"] == datetime.date(2020, 4, 1)


def test_it_refuses_an_impossible_date_with_a_clear_message():
    form = clean(day_0="2021", day_1="2", day_2="29")
    assert form.errors["day"] == ["この日付は存在しません。月と日を確認してください（2021年2月は28日までです）。"]


def test_it_asks_for_the_missing_part_of_a_date():
    assert clean(day_0="2020", day_1="4").errors["day"] == ["年・月・日をすべて入力してください。"]
    assert "day" in clean(day_0="20", day_1="4", day_2="1").errors
    assert "day" in clean(day_0="2020", day_1="13", day_2="1").errors
    assert "day" in clean(day_0="2020", day_1="x", day_2="1").errors


def test_it_renders_three_labelled_inputs_with_a_western_year_example():
    html = str(SampleForm()["day"])
    assert html.count("<label") == 3 and html.count("<input") == 3
    assert "例：2020" in html
    assert 'inputmode="numeric"' in html


@pytest.mark.parametrize("bad", ["a\x00b", "a\ud800b", "a\x1bb"])
def test_it_refuses_characters_that_cannot_be_saved(bad):
    assert clean(name=bad).errors["name"]
    assert clean(kana="ト" + bad).errors["kana"]


def test_it_names_the_missing_field_in_the_required_message():
    assert SampleForm({}).errors["kana"] == ["「フリガナ」を入力してください。"]

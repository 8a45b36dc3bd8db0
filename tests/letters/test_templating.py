import dataclasses
import datetime
import json
import pathlib

import pytest

from enrollment.letters.content import LetterKind
from enrollment.letters.templating import (
    DEFAULT_TEMPLATES_PATH,
    Block,
    LetterTemplate,
    Line,
    Row,
    TemplateError,
    available_fields,
    check_template,
    field_values,
    fill,
    load_default_templates,
)
from .letter_samples import content

LETTERS_DIR = pathlib.Path(__file__).resolve().parents[2] / "enrollment" / "letters"


HEADER = load_default_templates()[LetterKind.OFFER].header


def offer_template(*blocks: Block) -> LetterTemplate:
    return LetterTemplate(kind=LetterKind.OFFER, fiscal_year=2027, title="{fiscal_year_label}　通知書",
                          blocks=blocks or (Block("paragraph", lines=(Line("{child_full_name}"),)),),
                          header=HEADER)


def test_it_ships_a_valid_template_for_every_kind_for_fiscal_2027():
    templates = load_default_templates()
    assert set(templates) == set(LetterKind)
    for template in templates.values():
        assert template.fiscal_year == 2027
        assert check_template(template) == []


def test_it_titles_each_kind_as_the_city_does():
    templates = load_default_templates()
    titles = {kind: fill(templates[kind], content(kind)).title for kind in LetterKind}
    assert titles[LetterKind.OFFER] == "令和9年度　学童クラブ入所承諾通知書"
    assert titles[LetterKind.DECISION] == "令和9年度　学童クラブ入所決定通知書"
    assert titles[LetterKind.WAITLIST] == "令和9年度　学童クラブ入所保留通知書"
    assert titles[LetterKind.REFUSAL] == "令和9年度　学童クラブ入所不承認通知書"
    assert titles[LetterKind.KOKOA] == "令和9年度　放課後子ども教室（KoKoA）登録確認書"


@pytest.mark.parametrize("kind", [LetterKind.WAITLIST, LetterKind.REFUSAL])
def test_it_carries_the_statutory_appeal_notice_on_holds_and_refusals(kind):
    template = load_default_templates()[kind]
    appeal = [block for block in template.blocks if block.type == "appeal"]
    assert len(appeal) == 1
    text = "".join(line.text for line in appeal[0].lines)
    for phrase in ("知った日の翌日から起算して3か月以内", "泊江市長に対して審査請求", "6か月以内",
                   "泊江市を被告として", "処分の取消しの訴え", "1年を経過", "正当な理由"):
        assert phrase in text


@pytest.mark.parametrize("kind", [LetterKind.OFFER, LetterKind.DECISION, LetterKind.KOKOA])
def test_it_gives_no_appeal_notice_on_favourable_letters(kind):
    assert not [b for b in load_default_templates()[kind].blocks if b.type == "appeal"]


def test_it_keeps_letter_sentences_out_of_the_code():
    sources = "\n".join(path.read_text(encoding="utf-8") for path in LETTERS_DIR.glob("*.py"))
    data = json.loads(DEFAULT_TEMPLATES_PATH.read_text(encoding="utf-8"))
    sentences = []
    for raw in data["templates"]:
        template = LetterTemplate.from_dict({"fiscal_year": data["fiscal_year"], **raw})
        sentences.extend(text for _where, text in template.texts() if len(text) > 12)
    assert sentences
    assert [s for s in sentences if s in sources] == []


def test_it_reports_unknown_fields_in_japanese():
    template = offer_template(Block("paragraph", lines=(Line("{foo}さん"),)))
    assert any(error.startswith("不明な差し込み項目 {foo}") for error in check_template(template))


def test_it_reports_fields_of_another_kind_as_unknown():
    template = offer_template(Block("paragraph", lines=(Line("{reason}"),)))
    assert any("{reason}" in error for error in check_template(template))
    waitlist = dataclasses.replace(load_default_templates()[LetterKind.WAITLIST])
    assert check_template(waitlist) == []


@pytest.mark.parametrize("text", ["{child_full_name", "child_full_name}", "{{child_full_name}", "{ {x} }"])
def test_it_reports_malformed_braces(text):
    errors = check_template(offer_template(Block("paragraph", lines=(Line(text),))))
    assert errors
    assert any("括弧" in e or "不明" in e for e in errors)


@pytest.mark.parametrize("text", ["{child_full_name!r}", "{child_full_name:>20}", "{child_full_name.upper}",
                                  "{child_full_name[0]}", "{}"])
def test_it_refuses_format_specs_attributes_and_empty_fields(text):
    assert check_template(offer_template(Block("paragraph", lines=(Line(text),))))


def test_it_accepts_doubled_braces_as_literal_braces():
    template = offer_template(Block("paragraph", lines=(Line("{{注}} {child_full_name}"),)))
    assert check_template(template) == []
    assert fill(template, content("offer")).blocks[0].lines[0].text == "{注} 山田　太郎"


def test_it_refuses_a_hold_letter_without_an_appeal_notice():
    template = load_default_templates()[LetterKind.REFUSAL]
    stripped = dataclasses.replace(template, blocks=tuple(b for b in template.blocks if b.type != "appeal"))
    assert "保留・不承認の通知書には教示（appeal ブロック）が必要です" in check_template(stripped)


def test_it_refuses_unknown_block_types_conditions_and_empty_titles():
    template = LetterTemplate(
        kind=LetterKind.OFFER, fiscal_year=2027, title=" ", header=HEADER,
        blocks=(Block("image", lines=(Line("x"),)), Block("paragraph", lines=(Line("x", when="nope"),))),
    )
    errors = check_template(template)
    assert "表題が空です" in errors
    assert any("image" in e for e in errors)
    assert any("nope" in e for e in errors)


def test_it_refuses_a_template_without_addressee_or_sender():
    template = dataclasses.replace(offer_template(), header=dataclasses.replace(HEADER, addressee=" ", sender=()))
    errors = check_template(template)
    assert "ヘッダーの「宛名」が空です" in errors
    assert "ヘッダーの「差出人」が空です" in errors
    assert check_template(offer_template()) == []


def test_it_refuses_to_fill_a_bad_template():
    with pytest.raises(TemplateError) as excinfo:
        fill(offer_template(Block("paragraph", lines=(Line("{foo}"),))), content("offer"))
    assert "不明な差し込み項目 {foo}" in str(excinfo.value)


def test_it_allows_declared_extra_fields():
    template = offer_template(Block("paragraph", lines=(Line("面談日：{interview_date}"),)))
    assert check_template(template)
    assert check_template(template, extra_fields=["interview_date"]) == []
    letter = fill(template, content("offer", fields={"interview_date": "令和9年3月10日"}))
    assert letter.blocks[0].lines[0].text == "面談日：令和9年3月10日"


def test_it_lists_the_fields_staff_may_use_per_kind():
    offer = {f.name: f.label for f in available_fields(LetterKind.OFFER)}
    kokoa = {f.name for f in available_fields("kokoa")}
    assert offer["child_full_name"] == "児童氏名"
    assert "monthly_fee" in offer and "reason" not in offer
    assert "kokoa_weekdays" in kokoa and "monthly_fee" not in kokoa
    assert "{child_full_name}" in [f.placeholder for f in available_fields(LetterKind.OFFER)]


def test_every_listed_field_has_a_value():
    for kind in LetterKind:
        values = field_values(content(kind))
        assert {f.name for f in available_fields(kind)} <= set(values)


def test_it_fills_dates_in_wareki_and_money_in_yen():
    values = field_values(content("offer"))
    assert values["issue_date"] == "令和9年2月5日"
    assert values["start_date"] == "令和9年4月1日"
    assert values["child_birth_date"] == "令和2年6月15日"
    assert values["monthly_fee"] == "2,250円"
    assert values["postal_code"] == "201-0013"
    assert values["child_full_name"] == "山田　太郎"
    assert values["child_full_kana"] == "やまだ　たろう"
    full = field_values(content("offer"), digits="full")
    assert full["issue_date"] == "令和９年２月５日"
    assert full["monthly_fee"] == "２,２５０円"


def test_it_drops_rows_and_lines_whose_condition_is_empty():
    template = load_default_templates()[LetterKind.OFFER]
    with_reduction = fill(template, content("offer"))
    without = fill(template, content("offer", fee_reduction_label="", acceptance_deadline=None))
    labels = lambda letter: [r.label for b in letter.blocks for r in b.rows]  # noqa: E731
    assert "減免" in labels(with_reduction)
    assert "減免" not in labels(without)
    assert "入所承諾書兼誓約書" in with_reduction.all_text()
    assert "入所承諾書兼誓約書" not in without.all_text()


def test_it_round_trips_through_its_json_form():
    for template in load_default_templates().values():
        assert LetterTemplate.from_dict(json.loads(json.dumps(template.to_dict()))) == template


def test_it_refuses_a_template_of_another_kind():
    with pytest.raises(TemplateError):
        fill(load_default_templates()[LetterKind.OFFER], content("refusal"))


def test_it_keeps_the_kokoa_sessions_on_separate_lines():
    letter = fill(load_default_templates()[LetterKind.KOKOA], content("kokoa"))
    rows = {r.label: r.value for b in letter.blocks for r in b.rows}
    assert rows["参加できる回"] == "令和9年7月26日（月）夏休み工作教室\n令和9年8月2日（月）科学あそび"
    assert rows["登録曜日"] == "月・水・金"
    assert content("kokoa").issue_date == datetime.date(2027, 2, 5)


def test_it_flags_row_values_it_cannot_know():
    template = offer_template(Block("details", rows=(Row("x", "{club_name}", when="club_name"),)))
    assert check_template(template) == []
    assert fill(template, content("offer", club=None)).blocks == ()

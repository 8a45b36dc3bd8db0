import dataclasses
import hashlib
import io

import pypdfium2
import pytest

from enrollment.letters import (
    AddressOverflowError,
    LetterKind,
    LetterLayout,
    MissingGlyphsError,
    letter_missing_glyphs,
    load_default_templates,
    missing_glyphs,
    render_letter,
    render_mailing,
)
from enrollment.letters.fonts import FONT_DIR
from .letter_samples import content

from . import pdfcheck

TEMPLATES = load_default_templates()
A4 = (210.0, 297.0)
NO_LINE_START = set("。、，．」』）】〕”’ゝゞ々ー・：；？！ぁぃぅぇぉっゃゅょァィゥェォッャュョ")


def render(kind, layout=None, **overrides) -> bytes:
    return render_letter(content(kind, **overrides), TEMPLATES[LetterKind(kind)], layout)


def with_child(kind, **child_fields):
    base = content(kind)
    return render(kind, child=dataclasses.replace(base.child, **child_fields))


@pytest.fixture(scope="module")
def letters() -> dict[LetterKind, bytes]:
    return {kind: render(kind) for kind in LetterKind}


def test_it_prints_each_letter_on_one_a4_page(letters):
    for kind, pdf in letters.items():
        assert pdfcheck.page_count(pdf) == 1, kind
        page = pypdfium2.PdfDocument(pdf)[0]
        width, height = page.get_size()
        assert (round(width / pdfcheck.MM), round(height / pdfcheck.MM)) == A4


@pytest.mark.parametrize("kind", list(LetterKind))
def test_it_says_what_the_city_decided_in_japanese(letters, kind):
    text = pdfcheck.compact(letters[kind])
    for expected in ("9泊児育第0", "〒201-0013", "泊江市元和泉二丁目35番地1", "山田花子様", "泊江市長泊江一郎",
                     "山田太郎（やまだたろう）", "泊江市立第一小学校", "子ども家庭部児童青少年課放課後対策係"):
        assert expected in text, (kind, expected)
    assert "令和9年2月5日" in text or "令和9年3月15日" in text


def test_it_states_club_start_date_and_fee_on_an_offer(letters):
    text = pdfcheck.compact(letters[LetterKind.OFFER])
    for expected in ("学童クラブ入所承諾通知書", "令和9年度", "第一学童クラブ", "泊江市和泉本町三丁目2番1号",
                     "令和9年4月1日", "2,250円", "ひとり親世帯（半額）", "令和2年6月15日", "1年生",
                     "令和9年2月19日までに"):
        assert expected in text, expected
    assert "審査請求" not in text


def test_it_states_reason_position_hold_period_and_appeal_on_a_waitlist_letter(letters):
    text = pdfcheck.compact(letters[LetterKind.WAITLIST])
    for expected in ("入所保留通知書", "利用調整指数21点以上", "4番", "令和10年3月31日まで", "教示",
                     "3か月以内に、泊江市長に対して審査請求", "泊江市を被告として", "6か月以内", "正当な理由"):
        assert expected in text, expected


def test_it_states_the_rule_not_met_on_a_refusal(letters):
    text = pdfcheck.compact(letters[LetterKind.REFUSAL])
    assert "入所不承認通知書" in text
    assert "月12日未満のため、入所の要件" in text
    assert "審査請求" in text and "取消しの訴え" in text


def test_it_lists_weekdays_and_sessions_on_a_kokoa_confirmation(letters):
    text = pdfcheck.compact(letters[LetterKind.KOKOA])
    for expected in ("KoKoA）登録確認書", "月・水・金", "夏休み工作教室", "科学あそび",
                     "プログラミング体験（定員超過・抽選）", "令和9年4月12日"):
        assert expected in text, expected


def test_it_embeds_every_font_and_uses_no_builtin_ones(letters):
    for kind, pdf in letters.items():
        fonts = pdfcheck.fonts(pdf)
        assert fonts, kind
        assert all(font.embedded for font in fonts), (kind, fonts)
        assert all(font.subtype == "/TrueType" for font in fonts), (kind, fonts)
        names = {font.base_font.split("+", 1)[1] for font in fonts}
        assert names <= {"BIZUDMincho-Regular", "BIZUDGothic-Bold", "AfterschoolFallbackMinchoA",
                         "AfterschoolFallbackMinchoB"}, names


HOSTILE = [
    "<b>太郎",
    '<a href="https://evil.example/">花子</a>',
    '<img src="/etc/passwd"/>',
    "&amp;&lt;&",
    "<font name=\"Helvetica\">次郎</font>",
    "]]>\"'</para>",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_it_prints_hostile_names_literally(name):
    pdf = with_child("offer", given_name=name)
    assert name.replace(" ", "") in pdfcheck.compact(pdf)
    assert pdfcheck.annotations_and_images(pdf) == (0, 0)
    drawn = [c for c in pdfcheck.chars(pdf) if c.text in set(name) - set(" ")]
    assert drawn and all("Mincho" in c.font for c in drawn)
    assert all(not font.base_font.endswith("Helvetica") for font in pdfcheck.fonts(pdf))


def test_it_prints_hostile_addresses_and_reasons_literally():
    pdf = render("refusal", reason="<b>就労</b>要件 & <br/>改行なし")
    assert "<b>就労</b>要件&<br/>改行なし" in pdfcheck.compact(pdf)


def test_it_draws_rare_kanji_from_the_fallback_font():
    pdf = with_child("offer", family_name="𠮷田", given_name="𩸽子")
    text = pdfcheck.compact(pdf)
    assert "𠮷田𩸽子" in text
    by_char = {c.text: c.font for c in pdfcheck.chars(pdf)}
    assert "AfterschoolFallbackMincho" in by_char["𠮷"]
    assert "BIZUDMincho" in by_char["田"]
    assert "BIZUDMincho" in by_char["𩸽"]  # JIS X 0213: the main font has it


def test_it_drops_variation_selectors_for_drawing_only():
    name = "葛\U000E0100城"
    child = dataclasses.replace(content("offer").child, family_name=name)
    letter = content("offer", child=child)
    assert letter.child.family_name == name
    assert missing_glyphs(name) == set()
    pdf = render_letter(letter, TEMPLATES[LetterKind.OFFER])
    text = pdfcheck.compact(pdf)
    assert "葛城　太郎" in pdfcheck.text(pdf) or "葛城太郎" in text
    assert "\U000E0100" not in text


def test_it_refuses_to_print_characters_no_font_has():
    unknown = "\U0010FFFD"  # private use: no font can have a meaning for it
    letter = content("offer", child=dataclasses.replace(content("offer").child, given_name=f"太{unknown}"))
    assert letter_missing_glyphs(letter, TEMPLATES[LetterKind.OFFER]) == {unknown}
    with pytest.raises(MissingGlyphsError) as excinfo:
        render_letter(letter, TEMPLATES[LetterKind.OFFER])
    assert "U+10FFFD" in str(excinfo.value)
    assert pdfcheck.page_count(render_letter(letter, TEMPLATES[LetterKind.OFFER], allow_missing=True)) == 1


def test_it_reports_missing_glyphs_for_staff():
    assert missing_glyphs("山田 𠮷田\n") == set()
    assert missing_glyphs("\U0010FFFD") == {"\U0010FFFD"}


def test_it_keeps_closing_punctuation_off_line_starts(letters):
    for kind, pdf in letters.items():
        for line in pdfcheck.lines(pdf):
            stripped = line.strip()
            assert not stripped or stripped[0] not in NO_LINE_START, (kind, line)


def test_it_keeps_text_inside_the_margins(letters):
    layout = LetterLayout()
    for kind, pdf in letters.items():
        for char in pdfcheck.chars(pdf):
            if not char.text.strip():
                continue
            assert char.left_mm >= layout.margin_left - 0.5, (kind, char)
            assert char.right_mm <= A4[0] - layout.margin_right + 0.5, (kind, char)
            assert char.bottom_mm <= A4[1] - layout.margin_bottom, (kind, char)


def address_chars(pdf: bytes) -> list:
    wanted = set("〒201-0013泊江市元和泉二丁目35番地1ハイツ号室山田花子様")
    return [c for c in pdfcheck.chars(pdf) if c.top_mm < 60 and c.left_mm < 115 and c.text in wanted]


def test_it_puts_the_address_inside_the_envelope_window(letters):
    layout = LetterLayout()
    drawn = address_chars(letters[LetterKind.OFFER])
    assert "".join(c.text for c in drawn).startswith("〒201-0013")
    for char in drawn:
        assert layout.window_x <= char.left_mm and char.right_mm <= layout.window_x + layout.window_width
        assert layout.window_y <= char.top_mm and char.bottom_mm <= layout.window_y + layout.window_height


def test_it_moves_the_address_with_the_calibrated_window():
    moved = LetterLayout(window_x=25.0, window_y=20.0)
    original = min(c.left_mm for c in address_chars(render("offer")))
    shifted = min(c.left_mm for c in address_chars(render("offer", layout=moved)))
    assert shifted - original == pytest.approx(5.0, abs=0.2)


def test_it_shrinks_a_long_address_to_fit_the_window_or_refuses():
    long_lines = ("泊江市元和泉二丁目35番地1", "泊江ハイツ203号室", "山田様方", "別棟")
    addressee = dataclasses.replace(content("offer").addressee, address_lines=long_lines)
    pdf = render("offer", addressee=addressee)
    assert "別棟" in pdfcheck.compact(pdf)
    absurd = dataclasses.replace(addressee, address_lines=("泊江市元和泉二丁目35番地1",) * 12)
    with pytest.raises(AddressOverflowError):
        render("offer", addressee=absurd)


def test_it_continues_on_a_second_page_when_the_content_needs_it():
    reason = "理由の説明です。" * 180
    pdf = render("waitlist", reason=reason)
    assert pdfcheck.page_count(pdf) >= 2
    second_page = [c for c in pdfcheck.chars(pdf) if c.page == 2]
    assert "9泊児育第0123号" in "".join(c.text for c in second_page)
    assert pdfcheck.compact(pdf).count("理由の説明です。") == 180


def test_it_gives_the_same_bytes_for_the_same_letter():
    assert render("waitlist") == render("waitlist")


def test_it_writes_one_mailing_with_per_letter_pages_and_hashes():
    kinds = [LetterKind.OFFER, LetterKind.WAITLIST, LetterKind.OFFER, LetterKind.KOKOA]
    stored: list[tuple[int, bytes]] = []
    progress: list[int] = []
    out = io.BytesIO()
    infos = render_mailing(
        ((content(kind), TEMPLATES[kind]) for kind in kinds),
        out=out,
        progress=progress.append,
        on_letter=lambda info, data: stored.append((info.index, data)),
    )
    mailing = out.getvalue()
    assert pdfcheck.page_count(mailing) == sum(info.page_count for info in infos) == 4
    assert [info.first_page for info in infos] == [1, 2, 3, 4]
    assert progress == [1, 2, 3, 4]
    for info, (index, data) in zip(infos, stored):
        assert info.index == index
        assert info.sha256 == hashlib.sha256(data).hexdigest()
        assert data == render_letter(content(kinds[index]), TEMPLATES[kinds[index]])


def test_it_leaves_hashes_out_unless_asked():
    infos = render_mailing([(content("offer"), TEMPLATES[LetterKind.OFFER])], out=io.BytesIO())
    assert infos[0].sha256 is None


def _page_image(pdf: bytes, index: int):
    return pypdfium2.PdfDocument(pdf)[index].render(scale=1).to_pil().convert("L")


def test_a_repeated_letter_in_a_mailing_looks_exactly_like_a_fresh_one():
    # The second copy is drawn from recorded operators; it must match the first
    # copy and the letter rendered on its own, pixel for pixel.
    out = io.BytesIO()
    item = (content("waitlist"), TEMPLATES[LetterKind.WAITLIST])
    render_mailing([item, (content("offer"), TEMPLATES[LetterKind.OFFER]), item], out=out)
    mailing = out.getvalue()
    alone = render("waitlist")
    assert _page_image(mailing, 0).tobytes() == _page_image(alone, 0).tobytes()
    assert _page_image(mailing, 2).tobytes() == _page_image(alone, 0).tobytes()
    pages = pdfcheck.text(mailing).split("\f")
    assert pages[0] == pages[2]


def test_it_refuses_a_mailing_with_a_missing_glyph_unless_allowed():
    bad = content("offer", child=dataclasses.replace(content("offer").child, given_name="\U0010FFFD"))
    with pytest.raises(MissingGlyphsError):
        render_mailing([(bad, TEMPLATES[LetterKind.OFFER])], out=io.BytesIO())
    infos = render_mailing([(bad, TEMPLATES[LetterKind.OFFER])], out=io.BytesIO(), allow_missing=True)
    assert infos[0].missing_glyphs == frozenset({"\U0010FFFD"})


def test_the_shipped_fonts_stay_small_and_licensed():
    sizes = {path.name: path.stat().st_size for path in FONT_DIR.glob("*.ttf")}
    assert set(sizes) == {"BIZUDMincho-Regular.ttf", "BIZUDGothic-Bold.ttf", "FallbackMinchoA.ttf",
                          "FallbackMinchoB.ttf"}
    assert sum(sizes.values()) < 40 * 1024 * 1024
    assert "SIL OPEN FONT LICENSE Version 1.1" in (FONT_DIR / "OFL-BIZUD.txt").read_text()
    assert "Hanazono Font License" in (FONT_DIR / "LICENSE-Hanazono.txt").read_text()

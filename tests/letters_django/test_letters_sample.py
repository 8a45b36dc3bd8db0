"""manage.py letters_sample: one PDF of each kind, on an empty database too."""

import pytest
from django.core.management import call_command

from enrollment.models import DocumentNumberSeries, Letter
from tests import builders as b
from tests.letters import pdfcheck
from tests.letters_django import builders as lb

TITLES = {"offer": "入所承諾通知書", "decision": "入所決定通知書", "waitlist": "入所保留通知書",
          "refusal": "入所不承認通知書", "kokoa": "登録確認書"}


@pytest.mark.django_db
def test_it_writes_one_pdf_of_each_kind_on_an_empty_database(tmp_path):
    call_command("letters_sample", out=str(tmp_path / "letters"))
    for kind, title in TITLES.items():
        pdf = (tmp_path / "letters" / f"{kind}.pdf").read_bytes()
        assert title in pdfcheck.compact(pdf)
        assert all(font.embedded for font in pdfcheck.fonts(pdf))


@pytest.mark.django_db(transaction=True)
def test_it_uses_real_rows_when_a_city_is_loaded_and_numbers_nothing(tmp_path):
    fy = b.fiscal_year(2027)
    rnd = lb.closed_round(fy)
    lb.accepted(rnd, [b.club(floor_area_m2=200)], given_name="実太郎")
    lb.commit(rnd, b.staff_user())
    serials = DocumentNumberSeries.objects.get(fiscal_year=fy).last_serial
    call_command("letters_sample", out=str(tmp_path))
    assert "泊江実太郎" in pdfcheck.compact((tmp_path / "offer.pdf").read_bytes())
    assert DocumentNumberSeries.objects.get(fiscal_year=fy).last_serial == serials
    assert Letter.objects.count() == 1

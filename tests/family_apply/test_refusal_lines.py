"""The family's result page says why each preferred club was refused, in her language."""

import pytest
from django.utils import translation

from enrollment.views.family import _why_not_text


@pytest.mark.parametrize("reason, japanese, english", [
    ("sibling_unit", "きょうだいそろって入所できず", "could not take all the siblings together"),
    ("unit_holds_place", "お子さんより優先順位の低い児童が", "holds a child with a lower priority than yours"),
    ("unit_unavoidable", "きょうだいそろって入所できる枠がありました", "could have taken all the siblings together"),
    ("unavoidable", "お子さんが入所できる枠がありました", "could have taken your child"),
])
def test_each_sibling_reason_has_its_own_sentence_in_both_languages(reason, japanese, english):
    entry = {"club": "C01", "reason": reason, "yours": [-1, 0, "20", 3]}

    with translation.override("ja"):
        in_japanese = _why_not_text(entry, "泊江第一学童クラブ")
    with translation.override("en"):
        in_english = _why_not_text(entry, "Tomae No. 1 Club")

    assert in_japanese.startswith("泊江第一学童クラブ") and japanese in in_japanese
    assert in_english.startswith("Tomae No. 1 Club") and english in in_english
    assert "was full" not in in_english

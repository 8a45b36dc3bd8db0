"""A hold's reason in plain words, from each kind of entry in the run's explanation."""

import pytest

from enrollment.services.letters import _reason_line

CLUBS = {"C01": "泊江第一学童クラブ"}


@pytest.mark.parametrize("entry, expected", [
    ({"club": "C01", "reason": "full", "yours": [-1, 0, "19.0", 3], "cutoff": [-1, 0, "21", 2]},
     "泊江第一学童クラブは、利用調整指数21点以上の児童で定員に達しました（お子さんの指数は19点です）。"),
    ({"club": "C01", "reason": "full", "yours": [-2, 0, "25", 0], "cutoff": [-1, 0, "17.5", 3]},
     "泊江第一学童クラブは、1～3年生と配慮を要する児童で定員に達しました（4～6年生は、その後に残った枠で調整します）。"),
    ({"club": "C01", "reason": "full", "yours": [-1, -1, "22", 0], "cutoff": [-1, 0, "18", 3]},
     "泊江第一学童クラブは、通学区域内の児童で定員に達しました（通学区域外からの申込みは、区域内の児童の後に調整します）。"),
    ({"club": "C01", "reason": "full", "yours": [-1, 0, "21", 2], "cutoff": [-1, 0, "21.0", 3]},
     "泊江第一学童クラブは、お子さんと同じ指数（21点）の児童の間で、同点の場合の優先順位（学年など）により定員に達しました。"),
    ({"club": "C01", "reason": "tie", "yours": [-1, 0, "20.5", 3]},
     "泊江第一学童クラブは、最後に入所が決まった児童とお子さんが同じ指数（20.5点）・同じ優先順位で並び、抽選により入所できませんでした。"),
    ({"club": "C01", "reason": "support_full", "limit": 2},
     "泊江第一学童クラブは、配慮を要する児童の受入枠（2人）がすでに埋まっています。"),
    ({"club": "C01", "reason": "grade_band_full", "band": "4-6", "limit": 5},
     "泊江第一学童クラブは、4-6年生の受入枠（5人）がすでに埋まっています。"),
    ({"club": "C01", "reason": "full", "yours": [-1, 0, "20", 3]},
     "泊江第一学童クラブには、入所できる空きがありませんでした。"),
    ({"club": "C01", "reason": "unit_holds_place", "yours": [-1, 0, "20", 3]},
     "泊江第一学童クラブでは、お子さんより優先順位の低い児童が、きょうだいそろっての入所の希望により入所しています"
     "（きょうだいの希望と優先順位の両方を満たす割り当てがなく、その影響を受ける児童が最も少なくなる結果を選びました）。"),
    ({"club": "C01", "reason": "sibling_unit", "yours": [-1, 0, "20", 3]},
     "きょうだいそろっての入所を希望されたため、泊江第一学童クラブにきょうだいそろって入所することができませんでした。"),
    ({"club": "C01", "reason": "unit_unavoidable", "yours": [-1, 0, "20", 3]},
     "泊江第一学童クラブには、きょうだいそろって入所できる枠がありましたが、きょうだいの希望と優先順位の両方を満たす"
     "割り当てがなく、その影響を受ける児童が最も少なくなる結果を選んだため、入所となりませんでした。"),
    ({"club": "C01", "reason": "unavoidable", "yours": [-1, 0, "20", 3]},
     "泊江第一学童クラブには、お子さんが入所できる枠がありましたが、きょうだいそろっての入所の希望と優先順位の両方を"
     "満たす割り当てがなく、その影響を受ける児童が最も少なくなる結果を選んだため、入所となりませんでした。"),
])
def test_it_says_which_rule_kept_the_child_out_in_plain_words(entry, expected):
    assert _reason_line(entry, CLUBS) == expected


def test_it_falls_back_to_the_engines_sentence_with_the_club_name_for_a_reason_it_does_not_know():
    entry = {"club": "C01", "reason": "something_new", "text_ja": "C01は新しい理由で入所できませんでした。"}
    assert _reason_line(entry, CLUBS) == "泊江第一学童クラブは新しい理由で入所できませんでした。"


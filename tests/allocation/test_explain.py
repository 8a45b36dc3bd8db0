"""Every child's explanation: priority, outcome, why not each preferred club, waitlist."""

from decimal import Decimal

from allocation import solve
from allocation_builders import child, club, problem


def city():
    return problem(
        [club("A", 1), club("B", 2, support_limit=0)],
        [
            child("K1", 21, ["A", "B"]),
            child("K2", 19, ["A", "B"], support=True),
            child("K3", 18, ["B"]),
        ],
    )


def test_it_explains_a_refusal_with_the_cutoff_and_her_own_priority():
    result = solve(city())

    refused = {r["club"]: r for r in result.explanations["K2"]["refused"]}
    assert refused["A"]["reason"] == "full"
    assert refused["A"]["cutoff"] == [-1, 0, Decimal("21")]
    assert refused["A"]["yours"] == [-1, 0, Decimal("19")]
    assert "(-1, 0, 21) 以上" in refused["A"]["text_ja"]
    assert "(-1, 0, 19)" in refused["A"]["text_ja"]


def test_it_names_a_side_limit_when_seats_are_free_but_not_for_her():
    result = solve(city())

    refused = {r["club"]: r for r in result.explanations["K2"]["refused"]}
    assert refused["B"]["reason"] == "support_full"
    assert result.assignments["K2"] is None


def test_it_gives_the_priority_at_every_listed_club_and_the_waitlist_positions():
    result = solve(city())

    k2 = result.explanations["K2"]
    assert set(k2["priority"]) == {"A", "B"}
    assert k2["outcome"] is None
    assert k2["waitlist"] == {"A": 1, "B": 1}
    assert result.waitlist == {"A": ("K2",), "B": ("K2",)}
    assert "保留" in k2["text_ja"]


def test_a_placed_child_is_told_which_choice_she_got_and_has_nothing_refused():
    result = solve(city())

    k1 = result.explanations["K1"]
    assert k1["outcome"] == "A"
    assert k1["refused"] == []
    assert k1["waitlist"] == {}
    assert "第1希望" in k1["text_ja"]


def test_a_child_at_her_second_choice_sees_why_not_the_first():
    p = problem([club("A", 1), club("B", 1)], [child("K1", 22, ["A"]), child("K2", 20, ["A", "B"])])

    result = solve(p)

    k2 = result.explanations["K2"]
    assert k2["outcome"] == "B"
    assert [r["club"] for r in k2["refused"]] == ["A"]
    assert k2["waitlist"] == {"A": 1}
    assert "第2希望" in k2["text_ja"]


def test_a_child_outranking_a_unit_member_is_told_the_unit_holds_the_place():
    # No outcome is fair (found by brute force over random problems): with the unit (K1, K2)
    # at A, K3 outranks K1 there; every way to seat K3 leaves someone else envious, and the
    # outcome placing the most with one envious child is the one below.
    p = problem(
        [club("A", 2), club("B", 2)],
        [
            child("K1", 10, ["A"], unit="H1", club_points={"A": 15}),
            child("K2", 19, ["A"], unit="H1", club_points={"A": 15}),
            child("K3", 24, ["B", "A"], club_points={"A": 15}),
            child("K4", 12, ["B", "A"], club_points={"A": 15}),
            child("K5", 14, ["A", "B"], club_points={"A": 5}),
        ],
    )

    result = solve(p)

    assert result.assignments == {"K1": "A", "K2": "A", "K3": None, "K4": "B", "K5": "B"}
    assert result.stats.extra["envy_children"] == ["K3"]
    refused = result.explanations["K3"]["refused"][1]
    assert refused["club"] == "A"
    assert refused["reason"] == "unit_holds_place"
    assert "きょうだい" in refused["text_ja"]
    assert result.explanations["K3"]["unavoidable_envy"] is True
    # At B her claim is on K4's place (K4 is outside units): the same outcome, said plainly.
    at_b = result.explanations["K3"]["refused"][0]
    assert (at_b["club"], at_b["reason"]) == ("B", "unavoidable")
    assert "入所できる枠がありました" in at_b["text_ja"]


def _explain(p, assignments, envious_ids):
    from allocation._compiled import compile_problem
    from allocation.explain import explain_all, waitlists

    comp = compile_problem(p)
    club_index = {club_id: j for j, club_id in enumerate(comp.club_ids)}
    assign = [
        club_index[assignments[child_id]] if assignments[child_id] else -1
        for child_id in comp.child_ids
    ]
    envious = {comp.child_ids.index(child_id) for child_id in envious_ids}
    return explain_all(comp, assign, waitlists(comp, assign), envious)


def test_a_unit_left_out_of_a_club_it_could_have_taken_whole_is_told_so():
    # C has room for the whole unit; an outcome declaring the unit envious (as the engine
    # does when no fully fair outcome exists) tells its members the unit could have fitted.
    p = problem(
        [club("C", 2), club("D", 2)],
        [
            child("K1", 20, ["C", "D"], unit="H1"),
            child("K2", 16, ["C", "D"], unit="H1"),
        ],
    )

    explanations = _explain(p, {"K1": "D", "K2": "D"}, {"K1", "K2"})

    refused = explanations["K2"]["refused"][0]
    assert (refused["club"], refused["reason"]) == ("C", "unit_unavoidable")
    assert "きょうだいそろって入所できる枠がありました" in refused["text_ja"]
    assert explanations["K2"]["unavoidable_envy"] is True


def test_a_unit_member_who_alone_would_fit_is_told_the_unit_did_not():
    # C has one place: K1 alone outranks S there, but the unit cannot fit, so it has no claim.
    p = problem(
        [club("C", 1), club("D", 2)],
        [
            child("K1", 20, ["C", "D"], unit="H1"),
            child("K2", 16, ["C", "D"], unit="H1"),
            child("S", 18, ["C"]),
        ],
    )

    result = solve(p)

    assert result.assignments == {"K1": "D", "K2": "D", "S": "C"}
    assert result.stats.extra["envy_children"] == []
    refused = result.explanations["K1"]["refused"][0]
    assert (refused["club"], refused["reason"]) == ("C", "sibling_unit")

"""The rule set as versioned data: the default matches DOMAIN.md, round-trips exactly, and
every mistake in a document is reported with the key that holds it."""

import copy
import json
from decimal import Decimal as D

import pytest

from enrollment.rules import (
    DEFAULT_RULESET_PATH,
    RuleSetError,
    dump_ruleset,
    load_default_ruleset,
    parse_ruleset,
    ruleset_to_dict,
)

from .builders import default_document


def errors(document):
    with pytest.raises(RuleSetError) as caught:
        parse_ruleset(document)
    return caught.value.messages


def changed(path, value):
    document = default_document()
    *parents, last = path
    node = document
    for key in parents:
        node = node[key]
    node[last] = value
    return document


def test_the_default_json_round_trips_exactly_as_a_dict():
    document = default_document()
    assert ruleset_to_dict(parse_ruleset(document)) == document


def test_the_default_json_round_trips_exactly_as_text():
    text = DEFAULT_RULESET_PATH.read_text(encoding="utf-8")
    assert dump_ruleset(load_default_ruleset()) == text


def test_a_written_rule_set_reads_back_equal():
    rules = load_default_ruleset()
    assert parse_ruleset(json.loads(json.dumps(ruleset_to_dict(rules)))) == rules


def test_the_default_is_domain_md_s_table():
    rules = load_default_ruleset()
    b, a, e = rules.base_points, rules.adjustments, rules.eligibility
    assert [(t.min_days, t.min_hours, t.points) for t in b.work.tiers] == [
        (days, D(hours), D(points))
        for days, hours, points in [
            (20, 8, 20), (20, 7, 19), (20, 6, 18), (20, 5, 17), (20, 4, 16),
            (16, 8, 19), (16, 7, 18), (16, 6, 17), (16, 5, 16), (16, 4, 15),
            (12, 8, 16), (12, 6, 15), (12, 4, 14),
        ]
    ]  # fmt: skip
    assert (b.work_at_home_offset, b.job_offer_offset) == (-2, -1)
    assert (b.childbirth, b.childbirth_months_before, b.childbirth_months_after) == (18, 2, 2)
    assert (b.disaster, b.absent, b.study_max, b.job_seeking) == (20, 20, 18, 10)
    assert (a.single_parent, a.public_assistance, a.support) == (3, 3, 2)
    assert [a.for_grade(g) for g in range(1, 7)] == [3, 2, 1, 0, -1, -2]
    assert (a.continuing, a.sibling, a.grandparent_at_home, a.posted_away) == (1, 1, -2, 1)
    assert (a.waiting_per_month, a.waiting_max) == (D("0.1"), D("0.5"))
    assert rules.household_aggregation == "lowest"
    assert (e.min_grade, e.max_grade, e.min_days_per_month, e.min_afternoon_hours) == (1, 6, 12, 4)
    assert e.afternoon_window_hours == 4
    assert (e.job_seeking_months, e.job_seeking_max_grade, e.arrears_block_months) == (3, 3, 3)
    assert e.min_points is None
    assert rules.tiebreak.order == (
        "lower_grade",
        "support",
        "single_or_no_parent",
        "more_working_days",
        "lower_income_tax",
    )
    assert rules.tiebreak.income_tax_switch_month == 9
    assert rules.allocation.ties == "maximize_placed"
    assert rules.allocation.method == "single_queue"
    assert rules.allocation.elastic_ratio.bounds == (D("1.00"), D("1.20"))
    assert rules.allocation.elastic_ratio.default == D("1.10")
    assert rules.allocation.support_per == 20
    assert rules.allow_club_and_kokoa is True


def test_every_point_in_the_default_is_a_decimal():
    rules = load_default_ruleset()
    assert all(type(t.points) is D for t in rules.base_points.work.tiers)
    assert type(rules.adjustments.waiting_per_month) is D


def test_it_accepts_json_numbers_and_writes_them_back_as_strings():
    document = changed(("adjustments", "waiting"), {"per_month": 0.1, "max": 1})
    rules = parse_ruleset(json.loads(json.dumps(document)))
    assert rules.adjustments.waiting_per_month == D("0.1")
    assert ruleset_to_dict(rules)["adjustments"]["waiting"] == {"per_month": "0.1", "max": "1"}


@pytest.mark.parametrize(
    "path, value, message",
    [
        (
            ("base_points", "work", "tiers", 2, "points"),
            "18.25",
            "base_points.work.tiers[2].points: must be a number with at most one decimal",
        ),
        (
            ("base_points", "work", "tiers", 0, "min_days"),
            32,
            "base_points.work.tiers[0].min_days: must be between 1 and 31",
        ),
        (
            ("base_points", "work", "tiers", 0, "min_hours"),
            "25",
            "base_points.work.tiers[0].min_hours: must be at most 24",
        ),
        (
            ("base_points", "illness", "hospitalised"),
            0.15,
            "base_points.illness.hospitalised: must be a number with at most one decimal",
        ),
        (
            ("adjustments", "single_parent"),
            True,
            "adjustments.single_parent: must be a number with at most one decimal",
        ),
        (
            ("adjustments", "waiting", "per_month"),
            "-0.1",
            "adjustments.waiting.per_month: must be at least 0",
        ),
        (
            ("adjustments", "grade", "x"),
            "1",
            'adjustments.grade.x: grade keys must be "1" to "9"',
        ),
        (
            ("household_aggregation",),
            "average",
            'household_aggregation: must be one of "lowest", "sum"',
        ),
        (
            ("eligibility", "afternoon_window", "start"),
            "2pm",
            'eligibility.afternoon_window.start: must be a time of day such as "14:00"',
        ),
        (
            ("eligibility", "afternoon_window", "end"),
            "13:00",
            "eligibility.afternoon_window: start must be before end",
        ),
        (
            ("eligibility", "min_afternoon_hours"),
            "5",
            "eligibility.min_afternoon_hours: must fit inside the afternoon window",
        ),
        (
            ("eligibility", "grades", "min"),
            7,
            "eligibility.grades: min must not be above max",
        ),
        (
            ("eligibility", "min_points"),
            "17.55",
            "eligibility.min_points: must be a number with at most one decimal",
        ),
        (
            ("tiebreak", "order", 2),
            "lottery",
            "tiebreak.order[2]: the lottery is always last and implicit; do not list it",
        ),
        (
            ("tiebreak", "order", 3),
            "lower_grade",
            'tiebreak.order[3]: "lower_grade" is listed twice',
        ),
        (
            ("tiebreak", "income_tax_switch_month"),
            13,
            "tiebreak.income_tax_switch_month: must be between 1 and 12",
        ),
        (
            ("allocation", "ties"),
            "random",
            'allocation.ties: must be one of "maximize_placed", "lottery_first"',
        ),
        (
            ("allocation", "method"),
            "parallel",
            'allocation.method: must be one of "single_queue", "per_club"',
        ),
        (
            ("allocation", "elastic_ratio", "default"),
            "1.25",
            "allocation.elastic_ratio.default: must lie between min and max",
        ),
        (
            ("allocation", "elastic_ratio", "min"),
            "0.90",
            "allocation.elastic_ratio.min: must be at least 1.00",
        ),
        (
            ("allocation", "elastic_ratio", "max"),
            "1.05",
            "allocation.elastic_ratio.default: must lie between min and max",
        ),
        (
            ("allocation", "elastic_ratio", "max"),
            1.105,
            'allocation.elastic_ratio.max: must be a ratio such as "1.10" (at most two decimals)',
        ),
        (
            ("kokoa", "allow_club_and_kokoa"),
            "no",
            "kokoa.allow_club_and_kokoa: must be true or false",
        ),
        (("format",), "afterschool-ruleset/2", 'format: must be "afterschool-ruleset/1"'),
        (("version",), 0, "version: must be at least 1"),
    ],
)
def test_it_names_the_offending_key(path, value, message):
    assert errors(changed(path, value)) == [message]


def test_it_reports_missing_and_unknown_keys():
    document = default_document()
    del document["adjustments"]["sibling"]
    document["adjustments"]["siblings"] = "1"
    assert errors(document) == [
        "adjustments.siblings: unknown key",
        "adjustments.sibling: missing",
    ]


def test_it_refuses_repeated_work_tiers():
    document = default_document()
    document["base_points"]["work"]["tiers"].append(
        {"min_days": 20, "min_hours": "8", "points": "21"}
    )
    assert errors(document) == [
        "base_points.work.tiers[13]: repeats the days and hours of an earlier tier"
    ]


def test_it_refuses_an_empty_work_table():
    assert errors(changed(("base_points", "work", "tiers"), [])) == [
        "base_points.work.tiers: must list at least one tier"
    ]


def test_it_reports_every_problem_at_once():
    document = default_document()
    document["adjustments"]["support"] = "two"
    document["eligibility"]["min_days_per_month"] = "12"
    document["tiebreak"]["order"] = ["lower_grade", "shoe_size"]
    assert errors(document) == [
        "adjustments.support: must be a number with at most one decimal",
        "eligibility.min_days_per_month: must be a whole number",
        'tiebreak.order[1]: must be one of "lower_grade", "support", "single_or_no_parent", '
        '"more_working_days", "lower_income_tax"',
    ]


@pytest.mark.parametrize("document", [None, [], "rules"])
def test_it_refuses_a_document_that_is_not_an_object(document):
    assert errors(document) == ["document: must be an object"]


def test_parsing_does_not_change_the_document():
    document = default_document()
    before = copy.deepcopy(document)
    parse_ruleset(document)
    assert document == before


def test_the_default_json_is_utf8_with_the_city_name():
    assert load_default_ruleset().city == "泊江市"

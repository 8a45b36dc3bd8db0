"""The paper-application page under any input: never a 500, never a half-saved household."""

from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.extra.django import TestCase
from django.urls import reverse

from enrollment.forms.staff_applications import paper_columns
from enrollment.models import Application, Child, Guardian, Household
from tests import builders
from tests.staff_applications.helpers import paper_row

VALUES = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=80),
    st.sampled_from(["", "\x00", "2020-02-30", "0", "-3", "99", "7.25", "ﾖｼﾀﾞ", "work", "illness", "on", "S1",
                     "C01", "長" * 300]),
)


class PaperFormFuzz(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.rnd = builders.round_()
        cls.school = builders.school(code="S1")
        cls.club = builders.club(code="C01", school=cls.school)
        cls.staff = builders.staff_user()

    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(changes=st.dictionaries(st.sampled_from(paper_columns()), VALUES, min_size=1, max_size=4))
    def test_any_values_in_any_fields(self, changes):
        self.client.force_login(self.staff)
        before = (Application.objects.count(), Household.objects.count(), Guardian.objects.count(),
                  Child.objects.count())
        data = dict(paper_row(school=self.school, club=self.club), **changes)
        response = self.client.post(reverse("staff_paper_application", args=[self.rnd.pk]), data)
        assert response.status_code in (302, 400)
        after = (Application.objects.count(), Household.objects.count(), Guardian.objects.count(),
                 Child.objects.count())
        if response.status_code == 400:
            assert after == before
            assert "error-summary" in response.content.decode()
        else:
            assert after[0] == before[0] + 1 and after[1] == before[1] + 1 and after[3] == before[3] + 1

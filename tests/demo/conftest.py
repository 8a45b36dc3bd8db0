"""One generated city shared by a module's tests: generating 1,500 households takes seconds, and
the proportion tests need a population that large to be meaningful. The data is rolled back when
the module ends, so no other module ever sees it."""

import pytest
from django.db import transaction

from enrollment.demo import generate_population, load_demo_city


@pytest.fixture(scope="module")
def demo_population(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            city = load_demo_city()
            population = generate_population(households=1500, seed=7, round=city.first_round)
            yield city, population
            transaction.set_rollback(True)

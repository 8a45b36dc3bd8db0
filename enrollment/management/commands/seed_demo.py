"""python manage.py seed_demo --households 1500 --seed 7 [--if-empty] [--reset]

Loads the demo city 泊江市 (fixtures/demo_city/), generates a population of families applying in
its first round, creates the demo accounts and prints their logins.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from enrollment import demo
from enrollment.models import Application, Club, Household


class Command(BaseCommand):
    help = "Load the demo city 泊江市 with a generated population and demo accounts, and print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=1500, help="households to generate (default 1500)")
        parser.add_argument("--seed", type=int, default=7, help="the generator's seed: the same seed, the same city")
        parser.add_argument("--accepted-share", type=float, default=0.5,
                            help="share of the applications staff have already accepted (default 0.5)")
        parser.add_argument("--if-empty", action="store_true",
                            help="do nothing but print the logins when the database already holds clubs or households")
        parser.add_argument("--reset", action="store_true",
                            help="delete ALL admissions data (households, applications, runs, letters, the city) first")

    def handle(self, *args, households, seed, accepted_share, if_empty, reset, **options):
        if households < 0:
            raise CommandError("--households must be 0 or more.")
        if not 0 <= accepted_share <= 0.97:
            raise CommandError("--accepted-share must be between 0 and 0.97 (3 % are returned for correction).")
        if reset and if_empty:
            raise CommandError("--reset and --if-empty contradict each other; choose one.")
        if if_empty and (Club.objects.exists() or Household.objects.exists()):
            self.stdout.write("The database already holds a city; nothing loaded.")
            self._print_logins()
            return

        started = time.perf_counter()
        if reset:
            demo.reset_demo()
            self.stdout.write("Deleted the previous demo data.")
        city = demo.load_demo_city()
        if Application.objects.filter(round=city.first_round).exclude(
                child__household__users__email=demo.FAMILY_EMAIL).exists():
            raise CommandError(
                f"{city.first_round} already has applications; run with --reset to start again, "
                "or --if-empty to keep what is there.")
        population = demo.generate_population(households=households, seed=seed, round=city.first_round,
                                              accepted_share=accepted_share)
        demo.create_demo_accounts(first_round=city.first_round)
        elapsed = time.perf_counter() - started
        accepted = Application.objects.filter(round=city.first_round, status=Application.Status.ACCEPTED).count()
        self.stdout.write(self.style.SUCCESS(
            f"Loaded {city.fiscal_year} of {Club.objects.count()} clubs and generated "
            f"{population.households} households, {population.children} children, "
            f"{population.applications} applications ({accepted} accepted), "
            f"{population.kokoa_registrations} KoKoA registrations "
            f"(seed {seed}) in {elapsed:.1f} s."))
        self._print_logins()

    def _print_logins(self):
        logins = demo.demo_logins()
        width = max(len(login.email) for login in logins)
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins (one password for all):"))
        for login in logins:
            self.stdout.write(f"  {login.email.ljust(width)}  {login.password}  {login.url:<14} {login.label}")
        self.stdout.write("")

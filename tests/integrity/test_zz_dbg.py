from tests.integrity.test_capacity_under_concurrency import *
from collections import Counter
def test_dbg(slow_count):
    city = small_city()
    refused, errors = storm(city, naive_waitlist_promote)
    print("refused", Counter(refused))
    print("errors", Counter(e[:60] for e in errors))
    for c in city["clubs"]:
        print(c.code, club_occupancy(c, on=REFERENCE_DAY), c.intake_cap)
    print("waiting", Application.objects.filter(status="waitlisted").count(), "offers open", Offer.objects.filter(status="open").count())

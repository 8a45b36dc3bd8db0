"""A family ready to apply: two working guardians, two siblings (grades 1 and 3), an open round,
clubs in the children's district and one elsewhere."""

import datetime
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile

from enrollment.models import Club, Household, Round, School, User
from tests import builders as b

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
HTML = b"<!DOCTYPE html><html><script>alert(1)</script></html>"


def upload(content: bytes = PDF, name: str = "就労証明書.pdf", content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@dataclass
class Family:
    household: Household
    user: User
    round: Round
    school: School
    clubs: list[Club]
    far_club: Club
    younger: object
    elder: object


def family(**round_fields) -> Family:
    fy = b.fiscal_year(2027)
    school = b.school()
    clubs = [b.club(school=school, name=f"泊江さくら学童クラブ{n}") for n in range(3)]
    far_club = b.club(name="遠方学童クラブ")
    household = b.household(guardians=2)
    younger = b.child(household, school=school, given_name="一郎", given_kana="イチロウ",
                      birth_date=datetime.date(2020, 5, 1))  # grade 1 in 2027
    elder = b.child(household, school=school, given_name="花", given_kana="ハナ",
                    birth_date=datetime.date(2018, 6, 1))  # grade 3 in 2027
    user = b.family_user(household)
    rnd = b.round_(fy, **round_fields)
    return Family(household=household, user=user, round=rnd, school=school, clubs=clubs, far_club=far_club,
                  younger=younger, elder=elder)

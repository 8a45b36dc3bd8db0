"""Benchmark: 10,000 letters into one mailing PDF.

    .venv/bin/python benchmarks/letters.py [--letters 10000] [--individual] [--out FILE]

Prints seconds, pages per second, peak memory (ru_maxrss) and file size.
Target (issue 6): 10,000 letters in at most 30 s and 1 GB peak on the 2-core
machine. ``--individual`` also renders each letter's own PDF and its SHA-256,
as the issuing job does.
"""

from __future__ import annotations

import argparse
import datetime
import os
import pathlib
import random
import resource
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from enrollment.letters import (  # noqa: E402
    Addressee,
    ChildInfo,
    ClubInfo,
    KokoaInfo,
    LetterContent,
    LetterKind,
    Sender,
    load_default_templates,
    render_mailing,
)

FAMILY = ["山田", "佐藤", "鈴木", "高橋", "髙橋", "田中", "伊藤", "渡辺", "渡邊", "中村", "小林", "加藤",
          "𠮷田", "吉田", "山本", "斎藤", "齋藤", "松本", "井上", "木村", "林", "清水", "森", "池田"]
GIVEN = ["太郎", "花子", "陽翔", "結菜", "蓮", "葵", "湊", "陽葵", "樹", "凛", "大翔", "芽依", "悠真",
         "莉子", "𩸽", "柚希", "颯太", "美桜", "朝陽", "紬"]
KANA = ["やまだ", "さとう", "すずき", "たかはし", "たなか", "いとう", "わたなべ", "なかむら"]
SCHOOLS = [f"泊江市立第{n}小学校" for n in "一二三四五六"]
CLUBS = [ClubInfo(f"第{n}学童クラブ", f"泊江市和泉本町{i}丁目{i + 2}番1号", f"03-3480-000{i}")
         for i, n in enumerate("一二三四五六", start=1)]
SENDER = Sender("泊江市長", "泊江 一郎", "子ども家庭部 児童青少年課 放課後対策係",
                "〒201-8585 泊江市和泉本町一丁目1番5号", "03-3430-1111", "houkago@city.tomarie.example.jp")


def letters(count: int, seed: int = 20270205):
    rng = random.Random(seed)
    templates = load_default_templates()
    kinds = [LetterKind.OFFER] * 12 + [LetterKind.WAITLIST] * 5 + [LetterKind.REFUSAL, LetterKind.KOKOA,
                                                                     LetterKind.KOKOA]
    rows = []
    for serial in range(1, count + 1):
        kind = rng.choice(kinds)
        family = rng.choice(FAMILY)
        postal = f"201-00{rng.randint(1, 16):02d}"
        child = ChildInfo(family, rng.choice(GIVEN), rng.choice(KANA), "たろう",
                          datetime.date(2015 + rng.randint(0, 5), rng.randint(1, 12), rng.randint(1, 28)),
                          rng.choice(SCHOOLS), rng.randint(1, 6))
        club = rng.choice(CLUBS)
        extra: dict = {}
        if kind == LetterKind.OFFER:
            extra = dict(start_date=datetime.date(2027, 4, 1), monthly_fee=rng.choice([4500, 2250, 0]),
                         acceptance_deadline=datetime.date(2027, 2, 19),
                         withdrawal_deadline=datetime.date(2027, 3, 5))
        elif kind == LetterKind.WAITLIST:
            extra = dict(reason=f"希望されたクラブの受入枠が、利用調整指数{rng.randint(18, 22)}点以上の方で埋まりました。",
                         waitlist_position=rng.randint(1, 40), hold_period_end=datetime.date(2028, 3, 31))
        elif kind == LetterKind.REFUSAL:
            extra = dict(reason="保護者の方の就労が月12日未満のため、入所の要件を満たしていません。")
        else:
            club = None
            extra = dict(kokoa=KokoaInfo(child.school, ("月", "水", "金"), ("令和9年7月26日 工作教室",)),
                         start_date=datetime.date(2027, 4, 12))
        content = LetterContent(
            kind=kind,
            document_number=f"9泊児育第{serial:04d}号",
            issue_date=datetime.date(2027, 2, 5),
            addressee=Addressee(postal, (f"泊江市元和泉{rng.randint(1, 3)}丁目{rng.randint(1, 40)}番地{rng.randint(1, 9)}",),
                                f"{family} {rng.choice(GIVEN)}"),
            sender=SENDER,
            child=child,
            fiscal_year=2027,
            club=club,
            **extra,
        )
        rows.append((content, templates[kind]))
    rows.sort(key=lambda row: row[0].addressee.postal_code)  # staff's mailing order
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--letters", type=int, default=10_000)
    parser.add_argument("--individual", action="store_true", help="also each letter's own PDF + SHA-256")
    parser.add_argument("--out", type=pathlib.Path)
    args = parser.parse_args()

    items = letters(args.letters)
    out_path = args.out or pathlib.Path(tempfile.mkstemp(suffix=".pdf")[1])
    started = time.perf_counter()
    cpu_started = time.process_time()
    with open(out_path, "wb") as out:
        infos = render_mailing(items, out=out, individual=args.individual)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    pages = sum(info.page_count for info in infos)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size_mb = os.path.getsize(out_path) / 1024 / 1024
    print(f"letters: {len(infos)}  pages: {pages}  individual PDFs: {'yes' if args.individual else 'no'}")
    # CPU time too: on a shared machine the wall clock includes other processes.
    print(f"seconds: {seconds:.1f}  cpu seconds: {cpu_seconds:.1f}  pages/s: {pages / seconds:.0f}")
    print(f"peak memory (ru_maxrss): {peak_mb:.0f} MB  file: {size_mb:.1f} MB ({out_path})")
    if not args.out:
        out_path.unlink()


if __name__ == "__main__":
    main()

"""Command line: ``python -m allocation solve|check|generate`` (docs/allocation-format.md).

Exit codes: 0 success (for ``check``: the result is valid), 1 an invalid result (``check``
lists every violation; ``solve`` checks its own result the same way), 2 input that cannot be
read (one line naming the offending entry).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from allocation.io import InputError, dumps, load_problem, load_result, problem_to_json, result_to_json

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_UNREADABLE = 2


class _Parser(argparse.ArgumentParser):
    """argparse exits with 2 on usage errors already; keep its message to one line."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(EXIT_UNREADABLE, f"{self.prog}: error: {message}\n")


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text: {error.reason}") from None


def _load_problem(path: str):
    try:
        return load_problem(_read(path))
    except InputError as error:
        if error.message.startswith(f"{path}:"):
            raise
        raise InputError(f"{path}: {error.message}") from None


def _write(text: str, out: str | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        Path(out).write_text(text, encoding="utf-8")


def _solve(args) -> int:
    problem = _load_problem(args.instance)
    # Lazy: check and generate must not depend on the engine (and PuLP) loading.
    from allocation.solver import solve
    from allocation.validate import fatal, validate

    result = solve(problem, time_limit=args.time_limit)
    _write(dumps(result_to_json(result, problem)), args.out)
    # Never trust a solver's word (DOMAIN.md): the result is written for inspection, but an
    # invalid one fails the command.
    broken = fatal(validate(problem, result))
    for violation in broken:
        print(f"violation [{violation.kind}]: {violation.message}", file=sys.stderr)
    if broken:
        print(f"invalid: the engine's result has {len(broken)} violation(s)", file=sys.stderr)
        return EXIT_INVALID
    return EXIT_OK


def _check(args) -> int:
    from allocation.validate import validate

    problem = _load_problem(args.instance)
    try:
        result = load_result(_read(args.result))
    except InputError as error:
        message = error.message
        if not message.startswith(f"{args.result}:"):
            message = f"{args.result}: {message}"
        raise InputError(message) from None
    violations = validate(problem, result)
    fatal = [v for v in violations if v.fatal]
    for violation in violations:
        label = "violation" if violation.fatal else "note"
        print(f"{label} [{violation.kind}]: {violation.message}")
    placed = sum(1 for club in result.assignments.values() if club is not None)
    if fatal:
        print(f"invalid: {len(fatal)} violation(s); {placed} of {len(problem.children)} placed")
        return EXIT_INVALID
    declared = {v.child for v in violations if not v.fatal}
    note = ""
    if declared:
        # Accepted only because the engine declared it; staff must see how much there is.
        note = f"; {len(declared)} children with justified envy declared unavoidable"
    print(f"valid: {placed} of {len(problem.children)} children placed{note}")
    return EXIT_OK


def _generate(args) -> int:
    from allocation.generate import generate_city

    options = {}
    if args.ties is not None:
        options["ties"] = args.ties
    problem = generate_city(args.children, args.seed, **options)
    _write(dumps(problem_to_json(problem)), args.out)
    return EXIT_OK


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative number of seconds, got {text}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m allocation", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    solve = commands.add_parser("solve", help="allocate places; the result JSON goes to stdout")
    solve.add_argument("instance", help="problem JSON")
    solve.add_argument("--time-limit", type=_non_negative_float, default=None, metavar="S")
    solve.add_argument("--out", default=None, metavar="RESULT.json")
    solve.set_defaults(handler=_solve)

    check = commands.add_parser("check", help="validate a result against its problem")
    check.add_argument("instance", help="problem JSON")
    check.add_argument("result", help="result JSON")
    check.set_defaults(handler=_check)

    generate = commands.add_parser("generate", help="write a synthetic city as problem JSON")
    generate.add_argument("--children", type=_non_negative_int, required=True, metavar="N")
    generate.add_argument("--seed", type=int, required=True, metavar="S")
    generate.add_argument("--ties", choices=["lottery_first", "maximize_placed"], default=None)
    generate.add_argument("--out", default=None, metavar="F")
    generate.set_defaults(handler=_generate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except InputError as error:
        print(f"error: {' '.join(error.message.split())}", file=sys.stderr)
        return EXIT_UNREADABLE


if __name__ == "__main__":
    sys.exit(main())

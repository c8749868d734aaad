"""The `attendance` command: the pipeline's functions for automation, benchmarks and DVC stages.

Bad input ends in one line on stderr and exit code 2 (never a traceback); `--debug` shows the traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from attendance.errors import EXIT_INPUT_ERROR, InputError


def _cmd_synth(args: argparse.Namespace) -> int:
    from attendance.synth import write_raw_dataset

    try:
        summary = write_raw_dataset(
            Path(args.out_dir), seed=args.seed, visits=args.visits, offers=args.offers
        )
    except ValueError as exc:
        raise InputError(str(exc), fix="see `attendance synth --help`") from exc
    print(summary)
    return 0


def _cmd_clean(args: argparse.Namespace) -> int:
    from attendance.cleaning.clean import clean_dataset
    from attendance.settings.params import read_section

    result = clean_dataset(
        Path(args.raw_dir),
        Path(args.out_dir),
        quarantine_dir=Path(args.quarantine_dir) if args.quarantine_dir else None,
        params=read_section(Path(args.params), "clean") if args.params else {},
    )
    print(result.summary())
    return 0


def _cmd_aliases(args: argparse.Namespace) -> int:
    from attendance.cleaning.review import append_aliases, confirmed_aliases

    pairs = confirmed_aliases(Path(args.from_path))
    path, added = append_aliases(Path(args.dataset), pairs)
    print(f"{len(pairs)} confirmed name(s) in {args.from_path}; {added} new line(s) in {path}")
    return 0


def _cmd_template(args: argparse.Namespace) -> int:
    from attendance.ingest.template import write_templates

    if args.rows_per_day < 1:
        raise InputError("--rows-per-day must be at least 1", fix="e.g. --rows-per-day 10")
    written = write_templates(
        Path(args.dataset), args.month, Path(args.out), offer_id=args.offer, rows_per_day=args.rows_per_day
    )
    for path in written:
        print(f"wrote {path}")
    return 0


def _cmd_occupancy(args: argparse.Namespace) -> int:
    from attendance.demand.occupancy_io import run_occupancy_files

    message = run_occupancy_files(
        input_path=Path(args.input),
        start_col=args.start_col,
        end_col=args.end_col,
        bin_minutes=args.bin_minutes,
        start_date=args.from_date,
        end_date=args.to_date,
        group_col=args.group_col,
        out=Path(args.out),
        bydatetime=Path(args.bydatetime) if args.bydatetime else None,
    )
    print(message)
    return 0


def _cmd_run_notebook(args: argparse.Namespace) -> int:
    from .notebook_runner import run_notebook

    keys = [key.strip() for key in args.params.split(",") if key.strip()]
    html = run_notebook(args.notebook, keys, args.html)
    print(f"wrote {html}")
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    import json

    from .compare import exp_show_json, format_comparison, runs_from_exp_show

    if args.json:
        records = json.loads(Path(args.json).read_text(encoding="utf-8"))
    else:
        records = exp_show_json(["--all-commits"] if args.all_commits else [])
    print(format_comparison(runs_from_exp_show(records), width=args.width))
    return 0


def _cmd_audit_disclosure(args: argparse.Namespace) -> int:
    from attendance.reporting.disclosure import audit

    result = audit(
        Path(args.published),
        args.threshold,
        out=Path(args.out) if args.out else None,
        remove_on_failure=[Path(p) for p in args.remove_on_failure],
    )
    print(result.summary(args.threshold))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="attendance", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    sub = parser.add_subparsers(dest="command", required=True)

    synth = sub.add_parser("synth", help="write the synthetic demo dataset (raw files as staff produce them)")
    synth.add_argument("out_dir")
    synth.add_argument(
        "--seed", type=int, default=2026, help="random seed (default 2026, the committed demo)"
    )
    synth.add_argument(
        "--visits", type=int, default=None, help="scale to about N visits, written as CSV (for benchmarks)"
    )
    synth.add_argument(
        "--offers",
        default=None,
        help="which offers: a number (the first N of the synthetic offers) or offer ids separated by commas "
        "(default: the demo's two offers; see attendance.synth.ALL_PLANS)",
    )
    synth.set_defaults(func=_cmd_synth)

    clean = sub.add_parser("clean", help="clean raw registrations into data/processed")
    clean.add_argument("raw_dir")
    clean.add_argument("out_dir")
    clean.add_argument(
        "--quarantine-dir", default=None, help="where unusable rows go (default OUT_DIR/../quarantine)"
    )
    clean.add_argument("--params", default=None, help="params.yaml to read the 'clean' section from")
    clean.set_defaults(func=_cmd_clean)

    aliases = sub.add_parser(
        "aliases", help="append the names confirmed in review.xlsx to the dataset's citizen_aliases.csv"
    )
    aliases.add_argument("--from", dest="from_path", required=True, help="e.g. data/quarantine/review.xlsx")
    aliases.add_argument("--dataset", required=True, help="the dataset folder, e.g. data/raw/real2026")
    aliases.set_defaults(func=_cmd_aliases)

    template = sub.add_parser(
        "template", help="write the registration workbook staff should use, per offer and month"
    )
    template.add_argument(
        "--dataset", required=True, help="dataset folder with offers.yaml and the referral list"
    )
    template.add_argument("--month", required=True, help="YYYY-MM, e.g. 2026-04")
    template.add_argument("--offer", default=None, help="offer id from offers.yaml (default: every offer)")
    template.add_argument(
        "--out", required=True, help="the .xlsx to write (with --offer), else a folder for one file per offer"
    )
    template.add_argument("--rows-per-day", type=int, default=10, help="pre-filled lines per opening day")
    template.set_defaults(func=_cmd_template)

    occ = sub.add_parser("occupancy", help="hillmaker-compatible occupancy by time slot")
    occ.add_argument("input", help="CSV or Parquet with one row per visit")
    occ.add_argument("--start-col", required=True)
    occ.add_argument("--end-col", required=True)
    occ.add_argument("--bin-minutes", type=int, required=True)
    occ.add_argument("--from", dest="from_date", required=True, help="first date of the window (YYYY-MM-DD)")
    occ.add_argument("--to", dest="to_date", required=True, help="last date of the window, inclusive")
    occ.add_argument("--group-col", default=None)
    occ.add_argument("--out", required=True, help="summary CSV")
    occ.add_argument("--bydatetime", default=None, help="also write occupancy by date and slot (CSV)")
    occ.set_defaults(func=_cmd_occupancy)

    run = sub.add_parser("run-notebook", help="execute a notebook with papermill and render it to HTML")
    run.add_argument("notebook")
    run.add_argument("--params", required=True, help="comma-separated top-level keys of params.yaml")
    run.add_argument("--html", required=True)
    run.set_defaults(func=_cmd_run_notebook)

    compare = sub.add_parser(
        "compare", help="DVC experiments side by side: only the parameters and key figures that differ"
    )
    compare.add_argument("--width", type=int, default=100, help="terminal width (default 100)")
    compare.add_argument("--all-commits", action="store_true", help="also experiments of older commits")
    compare.add_argument("--json", default=None, help="read `dvc exp show --json` output from a file")
    compare.set_defaults(func=_cmd_compare)

    audit = sub.add_parser(
        "audit-disclosure",
        help="prove that no suppressed count of the published tables can be computed from the others",
    )
    audit.add_argument(
        "--published",
        default="build/published",
        help="folder of the stages' records (default build/published)",
    )
    audit.add_argument(
        "--threshold",
        type=int,
        default=None,
        help="small-cell threshold to check against (default: the one each table was suppressed with, "
        "report.suppress_below)",
    )
    audit.add_argument("--out", default=None, help="write a JSON summary here when the audit passes")
    audit.add_argument(
        "--remove-on-failure",
        nargs="*",
        default=[],
        metavar="FILE",
        help="files to delete when the audit fails (e.g. the reviewer reports), like the leak guard",
    )
    audit.set_defaults(func=_cmd_audit_disclosure)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        if args.debug:
            raise
        print(f"attendance: error: {exc.one_line()}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        if args.debug:
            raise
        print(f"attendance: error: {exc.strerror or exc}: {exc.filename} — check the path", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except KeyboardInterrupt:
        print("attendance: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - last resort: one line, traceback only with --debug
        if args.debug:
            raise
        print(
            f"attendance: error: unexpected {exc.__class__.__name__}: {exc} — rerun with --debug for details",
            file=sys.stderr,
        )
        return EXIT_INPUT_ERROR


if __name__ == "__main__":
    sys.exit(main())

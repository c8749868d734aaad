"""The calibrated demo dataset on disk, and `write_raw_dataset`, the entry point of `attendance synth`.

Why a module of its own: it ties the layers together (truth → layouts → rendered sheets → files) and writes
the metadata beside the registrations: dataset.yaml, offers.yaml, the referral list, the citizen aliases and
the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from .layouts import _layout
from .population import DEFAULT_OFFERS, PERIOD_END, PERIOD_START, select_offers
from .scaled import write_scaled_dataset
from .sheets import _render
from .truth import generate_truth, truth_figures
from .writers import _write_csv, _write_xlsx, demo_key


@dataclass
class DemoBuild:
    """What `build_demo` wrote: the one-paragraph summary and the manifest of injected defects."""

    summary: str
    manifest: list[dict]
    files: list[Path]


def _join_da(parts: list[str], conjunction: str = "og") -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} {conjunction} {parts[-1]}"


def build_demo(out_dir: Path, seed: int = 2026, offers: tuple[str, ...] = DEFAULT_OFFERS) -> DemoBuild:
    """Write the calibrated demo dataset into `out_dir` and return its manifest of injected defects.

    `offers` selects the offers (see `select_offers`); the default, the demo's two, gives the committed demo.
    """
    out_dir = Path(out_dir)
    offer_ids = select_offers(offers)
    truth, referrals, offers = generate_truth(seed, offer_ids)
    truth.attrs["referrals"] = referrals
    rng = np.random.default_rng([seed, 7])
    sheets, aliases = _layout(rng, truth, offers)
    manifest: list[dict] = []
    reg_dir = out_dir / "registrations"
    reg_dir.mkdir(parents=True, exist_ok=True)
    for stale in reg_dir.iterdir():
        if stale.is_file() and stale.suffix in (".xlsx", ".csv"):
            stale.unlink()
    files: dict[str, list[tuple[str | None, list[list[Any]]]]] = {}
    for sheet in sheets:
        files.setdefault(sheet.file, []).append((sheet.name, _render(rng, sheet, manifest)))
    written = []
    for name, content in files.items():
        path = reg_dir / name
        if name.endswith(".csv"):
            _write_csv(path, content[0][1])
            manifest.append(
                {"kind": "cp1252", "file": name, "sheet": None, "row": None, "detail": "cp1252, ';'"}
            )
        else:
            _write_xlsx(path, content)
        written.append(path)

    written += _write_metadata(out_dir, seed, offers, referrals, aliases, offer_ids != DEFAULT_OFFERS)
    n_rows = sum(len(rows) for content in files.values() for _, rows in content)
    kinds = sorted({m["kind"] for m in manifest})
    on_open = truth[~truth["on_closed_day"]]
    fig = truth_figures(truth)

    def describe(offer_id: str) -> str:
        f = fig[offer_id]
        return (
            f"{f['mean']:.1f}".replace(".", ",")
            + f" ({f['min']}-{f['max']}, peaks {f['peak_max']}/{f['peak_min']})"
        )

    names = {offer_id: offer["name"] for offer_id, offer in offers.items()}
    referral_counts = ", ".join(f"{(referrals['offer_id'] == o).sum()} {name}" for o, name in names.items())
    figures = [f"{name} {describe(o)}" for o, name in names.items()]
    figures[0] += " unique citizens per opening day"
    summary = (
        f"Wrote the synthetic demo dataset (seed {seed}) to {out_dir}: {len(files)} registration files with "
        f"{n_rows} raw rows, a referral list ({referral_counts}) and offers.yaml. The truth behind it has "
        f"{len(on_open)} visits on opening days plus {int(truth['on_closed_day'].sum())} on a trip; "
        "its figures, which cleaning must reproduce: "
        f"{_join_da(figures, 'and')}. "
        f"Injected defect kinds: {', '.join(kinds)}. All names are fake."
    )
    return DemoBuild(summary, manifest, written)


def _write_metadata(
    out_dir: Path, seed: int, offers: dict, referrals: pd.DataFrame, aliases, selected: bool = False
) -> list[Path]:
    where = _join_da([f"{offer['name']} ({offer['town']})" for offer in offers.values()])
    option = f" --offers {','.join(offers)}" if selected else ""
    dataset = {
        "name": out_dir.name if selected else "demo",
        "synthetic": True,
        "period_start": PERIOD_START,
        "period_end": PERIOD_END,
        "description": (
            f"Syntetiske demodata for {where}, marts-maj 2026. Navnene er opdigtede; "
            + ("" if selected else "rensede giver data kommissoriets fremmødetal. ")
            + f"Dannet med `attendance synth{option}` (seed {seed})."
        ),
    }
    paths = [out_dir / "dataset.yaml", out_dir / "offers.yaml"]
    paths[0].write_text(yaml.safe_dump(dataset, sort_keys=False, allow_unicode=True), encoding="utf-8")
    paths[1].write_text(
        yaml.safe_dump({"offers": offers}, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8"
    )
    offer_names = {offer_id: offer["name"] for offer_id, offer in offers.items()}
    ref_rows = [["Tilbud", "Navn", "Initialer", "Visiteret fra", "Visiteret til", "Aldersgruppe"]]
    for r in referrals.itertuples(index=False):
        ref_rows.append(
            [
                offer_names[r.offer_id],
                r.citizen,
                r.initials,
                r.referral_start.to_pydatetime(),
                None if pd.isna(r.referral_end) else r.referral_end.to_pydatetime(),
                r.age_band,
            ]
        )
    paths.append(out_dir / "referrals.xlsx")
    _write_xlsx(paths[-1], [("Visitationer", ref_rows)])
    paths.append(out_dir / "citizen_aliases.csv")
    _write_csv(paths[-1], [["variant", "canonical"], *map(list, aliases)], encoding="utf-8")
    paths.append(out_dir / "demo_pseudonym.key")
    paths[-1].write_text(demo_key(seed) + "\n", encoding="ascii")
    return paths


def write_raw_dataset(
    out_dir: Path, seed: int = 2026, visits: int | None = None, offers: str | int | None = None
) -> str:
    """Write the raw dataset (the calibrated demo, or about `visits` visits for benchmarks); return a summary.

    `offers`: None for the demo's two offers, a number (1–3) or offer ids "auc,no17,aktivhuset".
    """
    if visits is None:
        return build_demo(Path(out_dir), seed, select_offers(offers)).summary
    if offers is not None:
        raise ValueError("--offers applies to the calibrated demo, not to --visits")
    return write_scaled_dataset(Path(out_dir), seed, visits)

"""The synthetic demo dataset: raw files as staff really produce them, whose cleaned result is known exactly.

Why synthetic: the real registrations are sensitive personal data (GDPR art. 9) and cannot be published. The demo
reproduces the kommissorium's table (AUC 18,5 / 11–29 / 24 / 5; No. 17 8,2 / 7–11 / 11 / 5) after cleaning, so
every report can be built and reviewed end to end, and the cleaner can be tested against a known truth.

Two layers: `generate_truth` draws the clean visits (what the cleaner must recover), calibrated exactly; then
`write_raw_dataset` renders them into workbooks and a CSV the way staff type them and injects every defect kind
of docs/design.md § 3, each placed so that the cleaning rules in docs/raw_format.md resolve it back to the truth.
All names are fake: common Danish first names and surnames combined at random (seeded).
`--visits N` scales the same kind of data to millions of rows (vectorised, CSV) for benchmarks.

Modules: population (period, fake names, offer plans, offers.yaml) · truth (the calibrated clean visits) ·
sheets (date/time formats, sheets rendered to cells) · defects (the staff-style messiness) · layouts (each
offer's files and sheets) · writers (byte-reproducible xlsx/csv, the demo key) · demo (`build_demo`,
`write_raw_dataset`) · scaled (benchmark-scale CSV).
"""

from .demo import DemoBuild, build_demo, write_raw_dataset
from .population import (
    ALL_PLANS,
    DEFAULT_OFFERS,
    EXTRA_PLANS,
    FAKE_CPR,
    FIRST_NAMES,
    MIDDLE_NAMES,
    PERIOD_END,
    PERIOD_START,
    PLANS,
    REAL_PEOPLE,
    SURNAMES,
    TICK_WEEK,
    TRIP_COMMENT,
    WEEKDAYS_DA,
    OfferPlan,
    offers_config,
    opening_days,
    select_offers,
)
from .scaled import write_scaled_dataset
from .truth import generate_truth, truth_figures
from .writers import demo_key

__all__ = [
    "ALL_PLANS",
    "DEFAULT_OFFERS",
    "EXTRA_PLANS",
    "FAKE_CPR",
    "FIRST_NAMES",
    "MIDDLE_NAMES",
    "PERIOD_END",
    "PERIOD_START",
    "PLANS",
    "REAL_PEOPLE",
    "SURNAMES",
    "TICK_WEEK",
    "TRIP_COMMENT",
    "WEEKDAYS_DA",
    "DemoBuild",
    "OfferPlan",
    "build_demo",
    "demo_key",
    "generate_truth",
    "offers_config",
    "opening_days",
    "select_offers",
    "truth_figures",
    "write_raw_dataset",
    "write_scaled_dataset",
]

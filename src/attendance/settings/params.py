"""params.yaml as one typed, validated model.

Why a model and not a dict: `dvc exp run -S` rewrites params.yaml (dropping quotes, turning `2.0` into `2`),
analysts edit it by hand, and a wrong value used to surface three stages later as an error about another file.
Every stage validates the whole file first and stops with one line naming the key and the fix. A time of day is
the text "HH:MM" whatever the quoting (see `yamlio`); numbers keep the type they were written with, so the
notebooks get exactly the values the file says.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
    model_validator,
)

from attendance.errors import InputError

from .yamlio import load_yaml_file

_HHMM = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


def _time_of_day(value: Any) -> str:
    """'9:30', '09.30', 09:30 (unquoted), a datetime.time → '09:30'."""
    if isinstance(value, dt.time):
        return f"{value.hour:02d}:{value.minute:02d}"
    if isinstance(value, str):
        match = _HHMM.match(value)
        if match:
            hours, minutes = int(match.group(1)), int(match.group(2))
            if hours == 24 and minutes == 0:
                return "24:00"
            if hours < 24 and minutes < 60:
                return f"{hours:02d}:{minutes:02d}"
    raise ValueError(f'{value!r} is not a time of day; write it as "HH:MM", e.g. "09:30"')


TimeOfDay = Annotated[str, BeforeValidator(_time_of_day)]
Number = int | float  # an int stays an int: the notebooks print what the file says
Fraction = Annotated[float, Field(gt=0, lt=1)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _ordered(pair: tuple[str, str], where: str) -> tuple[str, str]:
    if pair[1] <= pair[0]:
        raise ValueError(f"{where} ends ({pair[1]}) before it starts ({pair[0]})")
    return pair


class DatasetParams(_Section):
    name: Annotated[str, Field(min_length=1)]

    @field_validator("name")
    @classmethod
    def _folder_name(cls, value: str) -> str:
        if "/" in value or "\\" in value or value in {".", ".."}:
            raise ValueError(f"{value!r} must be the name of one folder under data/raw/, e.g. real2026")
        return value


class CleanParams(_Section):
    include_hidden_sheets: StrictBool = False  # hidden sheets are accounted and logged; true reads them too
    missing_time_out: Literal["closing_time", "median_stay", "quarantine"]
    time_out_before_in: Literal["swap", "quarantine"]
    outside_opening_hours: Literal["clip", "keep"]
    max_stay_hours: Annotated[Number, Field(gt=0)]
    merge_gap_minutes: Annotated[int, Field(ge=0)]
    trip_keywords: list[str]
    strict: bool = False


class DemandParams(_Section):
    bin_minutes: Annotated[int, Field(ge=5, le=240)]
    periods: dict[str, tuple[TimeOfDay, TimeOfDay]]
    holdout_weeks: Annotated[int, Field(ge=1)]
    interval: Fraction
    dispersion_alpha: Fraction
    seed: int
    simulated_days: Annotated[int, Field(ge=500, le=100_000)]
    simulated_max_scale: Annotated[Number, Field(ge=1, le=10)]

    @field_validator("bin_minutes")
    @classmethod
    def _divides_the_day(cls, value: int) -> int:
        if 1440 % value:
            raise ValueError(f"{value} does not divide the day into whole slots; use e.g. 15, 30, 45 or 60")
        return value

    @field_validator("periods")
    @classmethod
    def _periods_ordered(cls, value: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
        return {name: _ordered(pair, f"period {name}") for name, pair in value.items()}


class StaffingParams(_Section):
    citizens_per_staff: Annotated[Number, Field(gt=0)]
    min_staff_on_duty: Annotated[Number, Field(ge=0)]
    occupancy_quantile: Fraction
    fte_hours_per_year: Annotated[Number, Field(gt=0, le=8784)]
    cost_per_fte_dkk: Annotated[Number, Field(ge=0)]


class EconomyParams(_Section):
    absence_factor: Annotated[Number, Field(ge=0, lt=1)]
    prep_minutes_per_day: Annotated[Number, Field(ge=0, le=600)]
    management_share: Annotated[Number, Field(ge=0, le=1)]


Choice = Literal["paragraph_104", "drop_in", "workshop_103", "drop_in_and_workshop_103"]
Pair = Annotated[list[Number], Field(min_length=2, max_length=2)]


class DecisionModel(_Section):
    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
    name: Annotated[str, Field(min_length=1)]
    default: Choice
    overrides: dict[str, Choice] = Field(default_factory=dict)


class DecisionSensitivity(_Section):
    citizens_per_staff: Pair
    min_staff_on_duty: Pair
    followup_hours_per_quarter: Pair
    demand_change: Pair
    absence_factor: Pair


class DecisionParams(_Section):
    models: Annotated[list[DecisionModel], Field(min_length=1, max_length=6)]
    sensitivity: DecisionSensitivity

    @field_validator("models")
    @classmethod
    def _unique_keys(cls, value: list[DecisionModel]) -> list[DecisionModel]:
        keys = [model.key for model in value]
        doubles = sorted({k for k in keys if keys.count(k) > 1})
        if doubles:
            raise ValueError(f"model key {doubles[0]!r} is used twice; give every model its own key")
        return value


class ReportParams(_Section):
    suppress_below: Annotated[int, Field(ge=1)]
    language: Literal["da"]


class Spor1Params(_Section):
    goal_followup_hours_per_citizen_per_quarter: Annotated[Number, Field(ge=0)]


class Spor2Params(_Section):
    scenarios: Annotated[list[Annotated[Number, Field(gt=-1)]], Field(min_length=1)]
    opening_rule: Literal[
        "mean_occupancy", "median_occupancy", "p75_occupancy", "p95_occupancy", "predicted_occupancy"
    ]
    opening_threshold: Annotated[Number, Field(ge=0)]
    min_opening_hours_per_day: Annotated[Number, Field(ge=0, le=24)]


class Spor3Params(_Section):
    min_days_per_week: Annotated[Number, Field(gt=0, le=7)]
    min_weeks_active_share: Annotated[Number, Field(ge=0, le=1)]
    min_daytime_hours: Annotated[Number, Field(ge=0, le=24)]
    workshop_day: tuple[TimeOfDay, TimeOfDay]
    participants_per_supervisor: Annotated[Number, Field(gt=0)]
    sensitivity_days_per_week: Annotated[list[Annotated[Number, Field(gt=0, le=7)]], Field(min_length=1)]
    sensitivity_weeks_active_share: Annotated[list[Annotated[Number, Field(ge=0, le=1)]], Field(min_length=1)]

    @field_validator("workshop_day")
    @classmethod
    def _day_ordered(cls, value: tuple[str, str]) -> tuple[str, str]:
        return _ordered(value, "the workshop day")


class Params(_Section):
    dataset: DatasetParams
    clean: CleanParams
    demand: DemandParams
    staffing: StaffingParams
    economy: EconomyParams
    report: ReportParams
    spor1: Spor1Params
    spor2: Spor2Params
    spor3: Spor3Params
    decision: DecisionParams

    @model_validator(mode="before")
    @classmethod
    def _mapping(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError("params.yaml must be a mapping of sections (dataset:, clean:, demand: …)")
        return value

    @model_validator(mode="after")
    def _scenarios_within_the_simulation(self) -> Params:
        # the demand stage draws the simulation once, up to demand.simulated_max_scale × today's demand, and
        # spor 2 thins it to each scenario (demand_model.simulate_arrivals): a larger scenario cannot be drawn
        top = 1.0 + max(float(u) for u in self.spor2.scenarios)
        if top > float(self.demand.simulated_max_scale) + 1e-12:
            raise ValueError(
                f"spor2.scenarios goes up to demand × {top:g}, above demand.simulated_max_scale = "
                f"{self.demand.simulated_max_scale:g}; set demand.simulated_max_scale to at least {top:g}"
            )
        return self

    def plain(self) -> dict[str, Any]:
        """Plain Python values (lists, not tuples) as papermill injects them into the notebooks."""
        return _plain(self.model_dump())


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _error_line(exc: ValidationError, file: str, prefix: tuple[str, ...] = ()) -> InputError:
    """The first validation error as one line naming the key (`demand.periods.formiddag.0`) and the fix."""
    error = exc.errors()[0]
    key = ".".join(str(part) for part in (*prefix, *error["loc"]))
    kind = error["type"]
    if kind == "missing":
        message, fix = f"{key} is missing", f"add {key} (see the commented params.yaml in git)"
    elif not error["loc"]:  # a check across sections (Params' model validators): the message names the keys
        message = str(error["msg"]).removeprefix("Value error, ")
        fix = "correct params.yaml (or the values given to dvc exp run -S)"
    elif kind == "extra_forbidden":
        message, fix = f"unknown key {key}", "remove it or correct its spelling (see params.yaml in git)"
    else:
        given = error.get("input")
        detail = str(error["msg"]).removeprefix("Value error, ")
        message = f"{key} = {given!r}: {detail}"
        fix = f"correct {key} in params.yaml (or the value given to dvc exp run -S)"
    return InputError(message, file=file, fix=fix)


def validate_params(data: Any, file: str = "params.yaml") -> Params:
    try:
        return Params.model_validate(data)
    except ValidationError as exc:
        raise _error_line(exc, file) from None


def validate_section(data: Any, name: str, file: str = "params.yaml") -> dict[str, Any]:
    """One section (e.g. `clean` for `attendance clean --params`), validated like the whole file."""
    model = Params.model_fields[name].annotation
    section = (data or {}).get(name) if isinstance(data, dict) else None
    if section is None:
        raise InputError(
            f"{name} is missing", file=file, fix=f"add a {name}: section (see params.yaml in git)"
        )
    try:
        return _plain(model.model_validate(section).model_dump())
    except ValidationError as exc:
        raise _error_line(exc, file, prefix=(name,)) from None


def read_params(path: Path) -> Params:
    """params.yaml → Params, or one InputError line naming the file and key."""
    return validate_params(_read_yaml(path), file=Path(path).name)


def _read_yaml(path: Path) -> Any:
    import yaml

    try:
        return load_yaml_file(path)
    except FileNotFoundError as exc:
        raise InputError(
            "parameter file not found", file=str(path), fix="restore params.yaml from git"
        ) from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            f"parameter file is not valid YAML ({exc.__class__.__name__})",
            file=str(path),
            row=mark.line + 1 if mark else None,
            fix="check indentation, colons and quoting (save as UTF-8)",
        ) from exc


def read_section(path: Path, name: str) -> dict[str, Any]:
    """One section of a parameter file that need not hold the others (the CLI's `--params`)."""
    return validate_section(_read_yaml(path), name, file=Path(path).name)

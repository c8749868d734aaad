"""Disclosure control: the one small-cell policy of every report, the published-table registry and the audit.

Attendance at a social-psychiatric offer is special-category personal data (GDPR art. 9). Every table that
counts citizens goes through this package; `report.suppress_small` is a thin wrapper over it.

Policy (`report.suppress_below` = t, default 5)
------------------------------------------------
1. **Global recoding first.** Where suppression would hide what the reader needs (e.g. how many referred
   citizens never came or came rarely), merge categories before publishing: the usage bands 0 / 1–2 / 3–9 /
   10+ become 0 / 1–9 / 10+ or 0 / 1+ (`choose_recoding`; `disclosure_tables.best_recoding` picks the
   grouping whose suppressed table shows the most). This is what Danmarks Statistik and the τ-ARGUS
   manual recommend before cell suppression: a coarser table loses less information than a table of "×".
2. **Primary suppression.** A count c with 1 ≤ c < t (0 ≤ c < t when zeros are sensitive) is shown "<t".
   Zeros are shown by default ("nobody" identifies no one). Counts the kommissorium itself publishes (referred
   per offer, the attendance table) are *public margins*: always shown, never suppressed, and the audit treats
   them as known to every reader.
3. **Secondary suppression** ("×") over *linked* tables: every published count is a sum of cells of one
   population's finest cross-classification (its "atoms"); tables about the same population (same
   `population` key) are linked through them, also across reports. A fast line heuristic (a line with exactly
   one hidden cell, or hidden cells summing to less than t, gets a partner) runs first; then, as sdcTable's
   SIMPLEHEURISTIC does, the attacker's problem is solved exactly and partners are added until no suppressed
   cell is disclosed. A "×" is only ever put on a count ≥ t, so the marker itself tells a reader nothing small.
4. **The audit** (`audit`, `attendance audit-disclosure`) re-does the attacker's work on everything the report
   stages published (`build/published/<stage>.json`): the published cells and margins are linear equations
   over the unknown true atoms (non-negative integers), "<t" says 1 ≤ x ≤ t−1 and "×" says x ≥ t (the rule is
   public, so the reader may use it). For every suppressed cell the feasible interval [lo, hi] is computed by
   integer linear programming (scipy's HiGHS `milp`, exact for these small tables). A cell is **disclosed**
   when it is fixed (lo = hi), or, for a "<t" cell, when the interval is narrower than "<t" itself says
   (lo > 1 or hi < t−1, i.e. width below t−2): the reader would learn more than "fewer than t". A shown
   (non-public) count between 1 and t−1 is a missed primary suppression. It also bounds every group a reader
   can isolate by **differencing** — each class of atoms and each difference of two nested cells ("at least
   1,5 days" minus "at least 2,0 days"): one known to hold 1 … t−1 citizens more precisely than "<t" says is
   disclosed. Any finding stops the pipeline with one line naming the tables, like the leak guard.
5. **Rounding** for nested threshold tables (`Table(rounding=t)`): counts ≥ t shown as "≈r" (nearest multiple
   of t), so that neighbouring cells of a sensitivity grid stay readable as planning ranges without pinning
   the handful of citizens between them.

Why this choice: τ-ARGUS and sdcTable protect *linked* tables by solving the attacker's linear problem (the
"audit"/"protection levels" of Fischetti & Salazar); a line-by-line rule alone misses relations between tables
(the issue's "17 med fremmøde" against "15 aktive"). Danmarks Statistik's discretion rules ask that no
published number lets a reader compute a small group, also by combining tables, and prefer grouping over
blanking. Exact protection intervals in the style of τ-ARGUS's frequency-rule protection levels are kept simple
here: a "<t" cell must keep its whole range 1…t−1; secondary cells carry no protection requirement of their own
(they are not small) except that they must not be fixed.

Modules
-------
`policy` (threshold, markers, `count_text`, shared coordinates, rounding) · `cells` (`Cell`, `Table`) ·
`model` (the attacker's problem, `Model`) · `checks` (disclosure tests, differencing groups, `audit_cells`) ·
`suppression` (`suppress`, `protect`, `suppress_matrix`) · `recoding` (global recoding) · `records` (the
published-table registry) · `auditing` (`audit` over all records). The names below are the package's API.
"""

from .auditing import AuditResult, audit
from .cells import Cell, Table
from .checks import Finding, audit_cells, differencing_groups, group_disclosed, is_disclosed
from .model import MAX_ATOMS, Inconsistent, Model
from .policy import (
    CAME,
    DOMAINS,
    HIDDEN,
    OFFER,
    POPULATION,
    REFERRED,
    ROUNDED,
    STRUCTURAL_ZERO_HINT,
    VISITS,
    YES_NO,
    Coords,
    coords_of,
    count_text,
    default_threshold,
    round_count,
    rounded_interval,
    rounded_marker,
    small_marker,
)
from .recoding import USAGE_BAND_RECODINGS, choose_recoding, recode
from .records import (
    FORMAT_VERSION,
    PUBLISHED_DIR,
    begin_stage,
    load_published,
    publish,
    publish_frame,
    publish_shown,
    published_cells,
    published_dir,
)
from .suppression import Line, line_suppression, protect, suppress, suppress_matrix, table_cells

__all__ = [
    "CAME",
    "DOMAINS",
    "FORMAT_VERSION",
    "HIDDEN",
    "MAX_ATOMS",
    "OFFER",
    "POPULATION",
    "PUBLISHED_DIR",
    "REFERRED",
    "ROUNDED",
    "STRUCTURAL_ZERO_HINT",
    "USAGE_BAND_RECODINGS",
    "VISITS",
    "YES_NO",
    "AuditResult",
    "Cell",
    "Coords",
    "Finding",
    "Inconsistent",
    "Line",
    "Model",
    "Table",
    "audit",
    "audit_cells",
    "begin_stage",
    "choose_recoding",
    "coords_of",
    "count_text",
    "default_threshold",
    "differencing_groups",
    "group_disclosed",
    "is_disclosed",
    "line_suppression",
    "load_published",
    "protect",
    "publish",
    "publish_frame",
    "publish_shown",
    "published_cells",
    "published_dir",
    "recode",
    "round_count",
    "rounded_interval",
    "rounded_marker",
    "small_marker",
    "suppress",
    "suppress_matrix",
    "table_cells",
]

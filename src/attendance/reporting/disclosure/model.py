"""The attacker's problem: what a reader can compute from the published cells of one population.

The published counts are linear equations over the unknown true counts; `Model` reduces them to classes of
atoms and bounds any group of citizens by integer linear programming (scipy's HiGHS `milp`, imported when
needed), or finds consistent worlds (witnesses) that prove a group safe without bounding it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from attendance.errors import InputError

from .cells import Cell
from .policy import Coords

MAX_ATOMS = 200_000


class Inconsistent(Exception):
    """The published numbers of a population cannot all be true at once."""


class Model:
    """The published cells of one population as linear constraints over its *classes*.

    An atom is one combination of every dimension's values (the finest cross-classification); a class is the
    set of atoms that lie in exactly the same published cells. Every cell is a sum of whole classes, and any
    non-negative integer count per class is possible, so the attacker's problem over classes is exactly the
    one over atoms, with far fewer unknowns. A class is also the finest group of citizens a reader can try to
    isolate by adding and subtracting published numbers (differencing): `audit_cells` bounds each one.
    """

    def __init__(self, cells: Sequence[Cell], domains: Mapping[str, Iterable[str]] | None = None) -> None:
        seen: dict[str, set[str]] = {dim: {str(v) for v in values} for dim, values in (domains or {}).items()}
        for cell in cells:
            for dim, values in cell.coords:
                seen.setdefault(dim, set()).update(values)
        self.dims = sorted(seen)
        self.domains = [sorted(seen[d]) for d in self.dims]
        size = math.prod(len(d) for d in self.domains) if self.dims else 1
        if size > MAX_ATOMS:
            raise InputError(
                f"disclosure: population too finely classified ({size} combinations of {', '.join(self.dims)})",
                fix="use separate population keys for unrelated tables",
            )
        # atoms as integer codes per dimension (row-major over the domains)
        codes = np.indices([len(d) for d in self.domains], dtype=np.int32).reshape(len(self.dims), -1).T
        self._codes = codes if self.dims else np.zeros((1, 0), dtype=np.int32)
        self.atoms = len(self._codes)
        self.cells = list(cells)
        membership = np.array([self._atom_mask(c.coords) for c in self.cells], dtype=bool).reshape(
            len(self.cells), self.atoms
        )
        # classes: distinct membership columns (atoms in no cell form one class too: unconstrained, harmless)
        signatures, self.class_of_atom = np.unique(membership.T, axis=0, return_inverse=True)
        self.class_of_atom = self.class_of_atom.ravel()
        self.n = len(signatures)
        self.rows = signatures.T.astype(float).reshape(len(self.cells), self.n)

    def _atom_mask(self, coords: Coords) -> np.ndarray:
        mask = np.ones(self.atoms, dtype=bool)
        for dim, values in coords:
            k = self.dims.index(dim)
            wanted = [self.domains[k].index(v) for v in values]
            mask &= np.isin(self._codes[:, k], wanted)
        return mask

    def indicator(self, coords: Coords) -> np.ndarray:
        """The classes of a set of atoms given by coordinates (1 where the class lies inside it). Exact only
        for coordinates that are a union of classes, such as a published cell's."""
        inside = np.zeros(self.n, dtype=float)
        inside[np.unique(self.class_of_atom[self._atom_mask(coords)])] = 1.0
        return inside

    def class_coords(self, k: int) -> list[Cell]:
        """The published cells that contain class k (for naming a class in a finding)."""
        return [c for c, row in zip(self.cells, self.rows, strict=True) if row[k]]

    def bounds(
        self, target: np.ndarray, keep: np.ndarray | None = None, *, lower_only_below: float | None = None
    ) -> tuple[float, float]:
        """Min and max of target·x over non-negative integer x satisfying every kept cell's prior.

        With `lower_only_below`, the maximum is skipped (returned as inf) when the minimum is below it: a
        group that may be empty is not disclosed, whatever its maximum."""
        from scipy.optimize import Bounds, LinearConstraint, milp

        keep = np.ones(len(self.cells), dtype=bool) if keep is None else keep
        rows = self.rows[keep]
        priors = [c.prior() for c, k in zip(self.cells, keep, strict=True) if k]
        lower = np.array([p[0] for p in priors])
        upper = np.array([p[1] for p in priors])
        constraints = [LinearConstraint(rows, lower, upper)] if len(priors) else []
        out = []
        for sign in (1.0, -1.0):
            if sign < 0 and lower_only_below is not None and out[0] < lower_only_below:
                out.append(math.inf)
                break
            result = milp(
                sign * target,
                integrality=np.ones(self.n),
                bounds=Bounds(0, np.inf),
                constraints=constraints,
            )
            if result.status == 2:
                raise Inconsistent("the published numbers contradict each other")
            if result.status == 3 or result.x is None:
                out.append(-math.inf if sign > 0 else math.inf)
                continue
            out.append(float(round(sign * result.fun)))
        return out[0], out[1]

    def witnesses(self, count: int = 32, seed: int = 0) -> np.ndarray:
        """Feasible integer solutions (one per row, over the classes) for random objectives: each is a world
        consistent with everything published. A group whose size is 0 in one of them, or at least t, is not
        disclosed — proved without bounding it; only the rest need the exact MILP. Hiding more cells keeps
        them feasible (the constraints only get weaker), so they stay valid during `protect`."""
        from scipy.optimize import Bounds, LinearConstraint, milp

        priors = [c.prior() for c in self.cells]
        lower = np.array([p[0] for p in priors])
        upper = np.array([p[1] for p in priors])
        finite = upper[np.isfinite(upper)]
        cap = (
            2.0 * float(max(finite.max() if finite.size else 0.0, lower.max() if lower.size else 0.0)) + 10.0
        )
        constraints = [LinearConstraint(self.rows, lower, upper)] if len(priors) else []
        rng = np.random.default_rng(seed)
        found = []
        for _ in range(count):
            result = milp(
                rng.uniform(-1.0, 1.0, self.n),
                integrality=np.ones(self.n),
                bounds=Bounds(0, cap),
                constraints=constraints,
            )
            if result.status == 2:
                raise Inconsistent("the published numbers contradict each other")
            if result.x is not None:
                found.append(np.round(result.x))
        return np.array(found).reshape(len(found), self.n)

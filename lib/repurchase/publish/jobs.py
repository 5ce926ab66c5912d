"""Jobs as data: a batch is a list of (params file, period) renders, one JSON line each.

:func:`build_jobs` is the one place where params files and a period spec become
jobs; :func:`repurchase.publish.render.render_reports`, ``python -m repurchase
jobs`` and the Dask fan-out (:mod:`repurchase.publish.fanout`) all use it, so
every way of running a batch renders the same reports in the same order: the
params files in the order given, each one's months oldest first (a month's
overview reads the months rendered before it). Jobs of different params files
are independent; the months of one params file should run in the listed order.

A job line looks like ``{"params": "params/cdnow.yaml", "period": "1998-06"}``
(plus ``"notebooks"`` when a notebooks folder was given). ``period`` is one
month or ``latest``, which is resolved when the job runs. Params paths are kept
as given, so the job runs from the same folder (or an image with the same
layout); :func:`absolute` makes them absolute for workers on other machines.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from itertools import groupby
from pathlib import Path

from repurchase.core.errors import JobError, RepurchaseError, clip, with_params_file
from repurchase.core.params import load_params
from repurchase.core.periods import expand_periods

__all__ = ["Job", "RenderOutcome", "absolute", "build_jobs", "by_params_file"]

_MONTH_RE = re.compile(r"^\d{4}-\d{2}$")
#: what a job line looks like, for messages
EXAMPLE = '{"params": "params/cdnow.yaml", "period": "1998-06"}'
_FIX = f"pass one line printed by `python -m repurchase jobs PARAMS...`, e.g. '{EXAMPLE}'"


@dataclass
class RenderOutcome:
    """The result of rendering one client and period."""

    client: str
    period: str
    ok: bool
    report_dir: Path | None = None
    html_files: list[Path] = field(default_factory=list)
    error: str = ""
    failed_notebook: Path | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class Job:
    """One render: a params file and one period.

    Attributes
    ----------
    params
        The client's params file (as given: relative paths are relative to where the job runs).
    period
        ``YYYY-MM`` or ``latest`` (the last complete month of the data, resolved when the job runs).
    notebooks
        The notebooks folder; None: found from the params file
        (:func:`repurchase.publish.render.locate_notebooks`).
    """

    params: str
    period: str
    notebooks: str | None = None

    @property
    def name(self) -> str:
        """``<params file stem> <period>``, for progress messages before the params are read."""
        return f"{Path(self.params).stem} {self.period}"

    def to_json(self) -> str:
        """The job as one line of JSON (``notebooks`` only when set)."""
        data: dict[str, str] = {"params": self.params, "period": self.period}
        if self.notebooks is not None:
            data["notebooks"] = self.notebooks
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Job:
        """Read a job line printed by :meth:`to_json`.

        Raises
        ------
        JobError
            Not JSON, not an object, a missing, unknown or mistyped key, or a
            period that is not one month or ``latest``; the message names the fix.
        """
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise JobError(f"job {clip(text)} is not JSON ({exc}); {_FIX}") from None
        if not isinstance(data, dict):
            raise JobError(f"job {clip(text)} is not a JSON object; {_FIX}")
        unknown = sorted(set(data) - {"params", "period", "notebooks"})
        if unknown:
            raise JobError(
                f"job {clip(text)}: unknown key {unknown[0]!r} (a job has params, period, notebooks); {_FIX}"
            )
        for key in ("params", "period"):
            if key not in data:
                raise JobError(f"job {clip(text)}: no {key!r}; {_FIX}")
        for key in ("params", "period", "notebooks"):
            value = data.get(key)
            if key in data and not (isinstance(value, str) and value) and not (key == "notebooks" and value is None):
                raise JobError(f"job {clip(text)}: {key!r} must be a non-empty string, got {clip(value)}; {_FIX}")
        period = data["period"]
        if period != "latest" and not _MONTH_RE.match(period):
            raise JobError(
                f"job {clip(text)}: period {clip(period)} is not one month (YYYY-MM) or latest; "
                "`python -m repurchase jobs --period FIRST..LAST` prints one job per month of a range"
            )
        return cls(params=data["params"], period=period, notebooks=data.get("notebooks"))


def build_jobs(
    params_paths: list[Path], period: str | None = None, notebooks_dir: Path | None = None
) -> tuple[list[Job], list[RenderOutcome]]:
    """The jobs of a batch, in the order it runs them, and the params files that give none.

    Parameters
    ----------
    params_paths
        Params files, one per client.
    period
        ``latest``, ``YYYY-MM`` or ``YYYY-MM..YYYY-MM``; each file's own ``period`` when None.
    notebooks_dir
        The notebooks folder for every job; None: each job finds its own.

    Returns
    -------
    jobs
        Params files in the order given, each one's months oldest first.
    failed
        One failed :class:`RenderOutcome` per params file that cannot be read
        (when its own period is needed) or whose period spec is malformed.
    """
    jobs: list[Job] = []
    failed: list[RenderOutcome] = []
    notebooks = None if notebooks_dir is None else str(notebooks_dir)
    for p in params_paths:
        p = Path(p)
        spec = period
        if spec is None:
            try:
                spec = load_params(p).period
            except RepurchaseError as exc:
                failed.append(RenderOutcome(client=p.stem, period="?", ok=False, error=with_params_file(exc, p)))
                continue
        try:
            labels = sorted(expand_periods(spec))
        except RepurchaseError as exc:
            failed.append(RenderOutcome(client=p.stem, period=spec, ok=False, error=with_params_file(exc, p)))
            continue
        jobs += [Job(params=str(p), period=label, notebooks=notebooks) for label in labels]
    return jobs, failed


def by_params_file(jobs: list[Job]) -> list[list[Job]]:
    """Consecutive jobs of one params file, together: each group runs in order, groups in parallel."""
    return [list(group) for _, group in groupby(jobs, key=lambda j: j.params)]


def absolute(job: Job) -> Job:
    """The job with absolute paths (for workers whose working folder differs, e.g. on a cluster)."""
    notebooks = None if job.notebooks is None else str(Path(job.notebooks).resolve())
    return replace(job, params=str(Path(job.params).resolve()), notebooks=notebooks)

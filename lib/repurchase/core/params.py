"""Client params: one YAML file per client, loaded into a typed object.

:func:`load_params` validates a file once, at the boundary. Every problem in the
file is reported at once in a :class:`~repurchase.errors.ParamsError` that names
the file, the field and the fix; unknown keys are rejected with the closest valid
key. Relative paths are resolved against the repository root.

A source path may also point into an installed package with
``package://<distribution>/<path inside it>``, e.g.
``package://lifetimes/datasets/CDNOW_sample.txt`` for the CDNOW log shipped in the
``lifetimes`` wheel.
"""

from __future__ import annotations

import datetime as dt
import difflib
import importlib.metadata
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from repurchase.core.errors import SHOWN_VALUE_CHARS, ParamsError, clip
from repurchase.core.settings import (
    CampaignSettings,
    ChurnSettings,
    CleaningSettings,
    Engine,
    LifetimeValueSettings,
    MonitoringSettings,
    PrivacySettings,
    RecommendationSettings,
    RenderSettings,
    RepurchaseSettings,
    SatisfactionSettings,
    SegmentationSettings,
    StrictModel,
    backend_problem,
)

#: Canonical transaction columns: required ones first.
TRANSACTION_REQUIRED = ("customer_id", "order_date", "amount")
TRANSACTION_OPTIONAL = (
    "order_id",
    "quantity",
    "product_id",
    "product_name",
    "category",
    "channel",
    "region",
    "store",
    "status",
)
CUSTOMER_REQUIRED = ("customer_id",)
CUSTOMER_OPTIONAL = (
    "signup_date",
    "birth_date",
    "tier",
    "points",
    "acquisition_channel",
    "acquisition_cost",
    "channel",
    "region",
    "name",
    "email",
    "phone",
)
SURVEY_REQUIRED = ("customer_id", "response_date")
SURVEY_OPTIONAL = ("nps", "csat", "ces", "comment", "channel", "region")
CAMPAIGN_REQUIRED = ("customer_id", "campaign", "group", "assigned_at")
CAMPAIGN_OPTIONAL = ("variant", "cost", "channel")

#: Canonical columns per source role: (required, optional).
CANONICAL_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "transactions": (TRANSACTION_REQUIRED, TRANSACTION_OPTIONAL),
    "customers": (CUSTOMER_REQUIRED, CUSTOMER_OPTIONAL),
    "surveys": (SURVEY_REQUIRED, SURVEY_OPTIONAL),
    "campaigns": (CAMPAIGN_REQUIRED, CAMPAIGN_OPTIONAL),
}
#: Every source role, the required one first.
SOURCE_ROLES = tuple(CANONICAL_COLUMNS)

DELIMITERS = {"comma": ",", "tab": "\t", "semicolon": ";", "whitespace": r"\s+"}
SourceFormat = Literal["csv", "excel", "parquet", "sql"]
FORMATS_BY_SUFFIX: dict[str, SourceFormat] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".duckdb": "sql",
    ".db": "sql",
}
_PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class SourceSpec(StrictModel):
    """Where one data source lives and how its columns map to canonical names."""

    path: Path | None = Field(None, description="File path, relative to the repository root, or package://dist/path.")
    url: str | None = Field(None, description="SQLAlchemy URL or DuckDB file for format: sql.")
    query: str | None = Field(None, description="SQL query for format: sql.")
    format: Literal["csv", "excel", "parquet", "sql"] | None = Field(
        None, description="Inferred from the file extension when omitted."
    )
    encoding: str = Field("utf-8", description="Text encoding: utf-8, utf-8-sig, gbk, gb18030 …")
    sheet: str | int | None = Field(None, description="Excel sheet name (or index); the first sheet when omitted.")
    delimiter: Literal["comma", "tab", "semicolon", "whitespace"] = "comma"
    header: bool = Field(True, description="False when the file has no header row; columns are then positions 0, 1, …")
    skip_rows: int = Field(0, ge=0, description="rows above the header to skip (title rows of a CSV or an Excel sheet)")
    decimal: Literal["point", "comma"] | None = Field(
        None,
        description="decimal separator of the amounts: point (1,299.00) or comma (1.299,00); "
        "detected from each whole column when omitted",
    )
    date_format: str | None = Field(
        None, description="strftime format of the date column, e.g. %Y%m%d; mixed formats are parsed when omitted."
    )
    exported_at: dt.date | None = Field(None, description="Export date; rows dated after it are excluded.")
    columns: dict[str, str | int] = Field(..., description="canonical name: column in the source")
    backend: str | None = Field(
        None,
        description="Ibis backend the aggregation runs in instead of files: duckdb, pyspark or a connection URL "
        "(duckdb:///x.duckdb, postgres://…); needs table",
    )
    table: str | None = Field(None, description="the warehouse table of the rows, with backend")

    @model_validator(mode="after")
    def _check_location(self) -> SourceSpec:
        if self.backend is not None:
            problem = backend_problem(self.backend)
            if problem:
                raise ValueError(problem)
            if not self.table:
                raise ValueError("a backend source also needs table: the warehouse table of the rows")
            if self.path is not None or self.url is not None:
                raise ValueError("give backend + table, or path, or url + query, not several")
            return self
        if self.table is not None:
            raise ValueError("table needs backend: the Ibis backend that holds it (duckdb, pyspark or a URL)")
        if self.path is None and self.url is None:
            raise ValueError("give either path (a file), url + query (a database) or backend + table (a warehouse)")
        if self.path is not None and self.url is not None:
            raise ValueError("give path or url, not both")
        if self.url is not None and not self.query:
            raise ValueError("a url source also needs query: the SQL that returns the rows")
        if self.format is None:
            if self.url is not None:
                self.format = "sql"
            else:
                suffix = Path(str(self.path)).suffix.lower()
                if suffix not in FORMATS_BY_SUFFIX:
                    raise ValueError(
                        f"cannot infer format from extension {suffix!r}; set format: csv | excel | parquet | sql"
                    )
                self.format = FORMATS_BY_SUFFIX[suffix]
        if self.format == "sql" and not self.query:
            raise ValueError("format: sql needs query: the SQL that returns the rows")
        try:
            "".encode(self.encoding)
        except LookupError:
            raise ValueError(f"unknown encoding {self.encoding!r}; use utf-8, utf-8-sig, gbk or gb18030") from None
        return self

    def resolved_path(self) -> Path | None:
        """The file path as an absolute Path (None for a database source)."""
        return None if self.path is None else Path(self.path)


class Sources(StrictModel):
    transactions: SourceSpec
    customers: SourceSpec | None = None
    surveys: SourceSpec | None = None
    campaigns: SourceSpec | None = None

    @model_validator(mode="after")
    def _check_columns(self) -> Sources:
        problems = []
        for role in SOURCE_ROLES:
            spec = getattr(self, role)
            if spec is None:
                continue
            if spec.backend is not None and role != "transactions":
                problems.append(f"sources.{role}.backend: only the transactions can live in a warehouse; give a path")
            required, optional = CANONICAL_COLUMNS[role]
            missing = [c for c in required if c not in spec.columns]
            if missing:
                problems.append(
                    f"sources.{role}.columns lacks {', '.join(missing)}: map each to the column of your file"
                )
            if role == "surveys":
                continue  # aspect ratings (aspect_*) are free-form survey columns
            unknown = [c for c in spec.columns if c not in required + optional]
            for c in unknown:
                close = difflib.get_close_matches(c, required + optional, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                problems.append(
                    f"sources.{role}.columns has unknown canonical name {c!r}{hint}; "
                    f"allowed: {', '.join(required + optional)}"
                )
        if problems:
            raise ValueError("\n".join(problems))  # one line per problem (see _describe)
        return self


class Params(StrictModel):
    """A client's params file, validated."""

    client: str = Field(..., description="slug used in report paths")
    title: str = Field(..., description="shown in report headers")
    language: Literal["en", "zh"] = "en"
    currency: str = "CNY"
    period: str = Field("latest", description="YYYY-MM, or latest = last complete month in the data")
    engine: Engine = Field(
        "auto",
        description="where the transaction -> customer aggregation runs: auto (DuckDB over the cleaned Parquet "
        "above 2M lines), pandas or duckdb; the results are the same",
    )
    sources: Sources
    cleaning: CleaningSettings = Field(default_factory=CleaningSettings)
    repurchase: RepurchaseSettings = Field(default_factory=RepurchaseSettings)
    segmentation: SegmentationSettings = Field(default_factory=SegmentationSettings)
    lifetime_value: LifetimeValueSettings = Field(default_factory=LifetimeValueSettings)
    churn: ChurnSettings = Field(default_factory=ChurnSettings)
    satisfaction: SatisfactionSettings = Field(default_factory=SatisfactionSettings)
    monitoring: MonitoringSettings = Field(default_factory=MonitoringSettings)
    recommendations: RecommendationSettings = Field(default_factory=RecommendationSettings)
    campaigns: CampaignSettings = Field(default_factory=CampaignSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    render: RenderSettings = Field(default_factory=RenderSettings)

    #: set by :func:`load_params`, not by the file
    source_file: Path | None = Field(None, exclude=True)

    @field_validator("client")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not _SLUG_RE.match(v):
            raise ValueError("use lowercase letters, digits, '-' or '_' (it becomes a folder name), e.g. demo-online")
        return v

    @field_validator("period")
    @classmethod
    def _period(cls, v: Any) -> str:
        v = str(v)
        if v != "latest" and not _PERIOD_RE.match(v):
            raise ValueError("use YYYY-MM (e.g. 2026-10) or latest")
        return v


def find_repo_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` that holds ``pyproject.toml``.

    Without one, the parent of a folder named ``params``, else ``start`` itself
    (a params file kept next to its data).
    """
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "params").is_dir():
            return folder
    return start.parent if start.name == "params" else start


def resolve_data_path(path: Path | str, root: Path) -> Path:
    """Resolve a source path: ``package://dist/rel`` into an installed package, else against ``root``."""
    text = str(path)
    if text.startswith("package:/"):
        rest = text.split(":", 1)[1].lstrip("/")
        dist_name, _, rel = rest.partition("/")
        try:
            dist = importlib.metadata.distribution(dist_name)
        except importlib.metadata.PackageNotFoundError:
            raise ParamsError(
                path, [f"package {dist_name!r} is not installed; run `make reports` to install requirements"]
            ) from None
        # the files of a wheel live next to its top-level package, e.g. lifetimes/datasets/...
        return Path(str(dist.locate_file(f"{dist_name}/{rel}")))
    p = Path(text).expanduser()
    return p if p.is_absolute() else (root / p)


def resolve_database_url(url: str, root: Path) -> str:
    """Make a database file named in ``url`` absolute, relative to ``root`` like ``path``.

    ``shop.duckdb`` and ``data/x.db`` (plain files), ``sqlite:///data/x.db`` and
    ``duckdb:///data/x.duckdb`` (relative after three slashes) are resolved;
    absolute paths and server URLs (``postgresql://…``) are left alone.
    """
    if "://" not in url:
        p = Path(url).expanduser()
        return str(p if p.is_absolute() else root / p)
    scheme, _, rest = url.partition(":///")
    if rest and scheme in ("sqlite", "duckdb") and not rest.startswith(("/", ":")):
        return f"{scheme}:///{root / rest}"
    return url


def _field_names_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """Valid keys of the params section at ``loc`` (for 'did you mean')."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return []
        annotation = fields[part].annotation
        current = None
        for candidate in getattr(annotation, "__args__", (annotation,)):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                current = candidate
                break
        if current is None:
            return []
    return [f for f in getattr(current, "model_fields", {}) if f != "source_file"]


def _describe(err: Mapping[str, Any]) -> str:
    loc = tuple(err["loc"])
    where = ".".join(str(p) for p in loc) or "(top level)"
    kind = err["type"]
    if len(where) > SHOWN_VALUE_CHARS:
        where = where[:SHOWN_VALUE_CHARS] + "…"
    if kind == "extra_forbidden":
        key = str(loc[-1])
        valid = _field_names_at(Params, loc[:-1])
        close = difflib.get_close_matches(key[:SHOWN_VALUE_CHARS], valid, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"valid keys here: {', '.join(valid)}"
        return f"{where}: unknown key {clip(key)}; {hint}"
    if kind == "missing":
        return f"{where}: required; add it to the file"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if "\n" in msg:  # a section validator listing several problems, one per line
        return "\n".join(line if line.startswith(where) else f"{where}.{line}" for line in msg.splitlines())
    if kind == "literal_error":
        msg = f"got {_shown_input(err.get('input'))}; {msg.lower()}"
    elif kind in {"date_from_datetime_parsing", "date_parsing", "date_type"}:
        msg = f"got {_shown_input(err.get('input'))}; write a date as YYYY-MM-DD"
    elif "input" in err and not isinstance(err.get("input"), (dict, list)):
        msg = f"{msg} (got {_shown_input(err.get('input'))})" if kind.endswith(("_type", "_parsing")) else msg
    if len(msg) > 4 * SHOWN_VALUE_CHARS:  # a validator that repeated a huge value
        msg = msg[: 2 * SHOWN_VALUE_CHARS] + f"… ({len(msg):,} characters)"
    return f"{where}: {msg}"


def _shown_input(value: Any) -> str:
    """A bad value as a message shows it: its repr, at most about 200 characters."""
    text = repr(value)
    if len(text) <= SHOWN_VALUE_CHARS:
        return text
    return text[:SHOWN_VALUE_CHARS] + f"… ({len(text):,} characters)"


#: a params file larger than this is refused unread
MAX_PARAMS_BYTES = 1 << 20
#: the most values a params file may expand to, aliases (``*name``) counted at every use
MAX_YAML_NODES = 20_000


class _YamlTooLarge(Exception):
    """The YAML expands (through aliases) to more values than a params file has."""


class _BoundedLoader(yaml.SafeLoader):
    """A safe loader that refuses documents whose aliases expand beyond :data:`MAX_YAML_NODES` values.

    Aliases are shared nodes, so the composed document is small even for a
    "billion laughs" file; its expanded size is counted on the node graph (each
    node once, memoised) before anything is constructed or validated.
    """

    def get_single_node(self) -> Any:
        node = super().get_single_node()
        if node is not None:
            _check_expansion(node)
        return node


def _check_expansion(root: yaml.Node) -> None:
    sizes: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:  # post-order without recursion: deep nesting cannot overflow the stack
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        if not done and id(node) in visiting:  # an alias inside its own anchor
            mark = node.start_mark
            raise _YamlTooLarge(f"line {mark.line + 1}: a YAML alias (*name) refers to itself; write the values out")
        if done:
            children: list[yaml.Node] = []
            if isinstance(node, yaml.SequenceNode):
                children = list(node.value)
            elif isinstance(node, yaml.MappingNode):
                children = [n for pair in node.value for n in pair]
            total = 1 + sum(sizes.get(id(c), 0) for c in children)
            sizes[id(node)] = total
            if total > MAX_YAML_NODES:
                mark = node.start_mark
                raise _YamlTooLarge(
                    f"line {mark.line + 1}: the YAML expands to more than {MAX_YAML_NODES:,} values through "
                    "aliases (*name); write the values out instead of repeating anchors"
                )
            continue
        visiting.add(id(node))
        stack.append((node, True))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((c, False) for c in node.value if id(c) not in sizes)
        elif isinstance(node, yaml.MappingNode):
            stack.extend((c, False) for pair in node.value for c in pair if id(c) not in sizes)


def _load_yaml(text: str) -> Any:
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def load_params(path: str | Path) -> Params:
    """Load and validate a client's params file.

    Parameters
    ----------
    path
        A YAML file, e.g. ``params/demo-online.yaml``.

    Returns
    -------
    Params
        Validated params with source paths resolved against the repository root.

    Raises
    ------
    ParamsError
        Listing every problem at once: unknown keys (with the closest valid key),
        missing keys, wrong values, and source files that do not exist.
    """
    path = Path(path)
    if not path.is_file():
        near = sorted(p.name for p in path.parent.glob("*.yaml")) if path.parent.is_dir() else []
        hint = f"; files there: {', '.join(near)}" if near else ""
        raise ParamsError(path, [f"file not found{hint}"])
    try:
        size = path.stat().st_size
        if size > MAX_PARAMS_BYTES:
            raise ParamsError(
                path, [f"the file is {size:,} bytes; a params file is a few KB (at most {MAX_PARAMS_BYTES:,} bytes)"]
            )
        raw = _load_yaml(path.read_text(encoding="utf-8"))
    except _YamlTooLarge as exc:
        raise ParamsError(path, [str(exc)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ParamsError(
            path, [f"{where}not valid YAML ({getattr(exc, 'problem', exc)}); check indentation and quotes"]
        ) from None
    except UnicodeDecodeError:
        raise ParamsError(path, ["the params file must be saved as UTF-8"]) from None
    if not isinstance(raw, dict):
        raise ParamsError(path, ["the file must be a YAML mapping (key: value lines)"])
    try:
        params = Params.model_validate(raw)
    except ValidationError as exc:
        raise ParamsError(path, [line for e in exc.errors() for line in _describe(e).splitlines()]) from None

    root = find_repo_root(path.parent)
    problems = []
    for role in SOURCE_ROLES:
        spec = getattr(params.sources, role)
        if spec is not None and spec.url is not None:
            spec.url = resolve_database_url(spec.url, root)
        if spec is None or spec.path is None:
            continue
        resolved = resolve_data_path(spec.path, root)
        spec.path = resolved
        if not resolved.exists():
            hint = " (run `python -m repurchase demo-data` to create the demo data)" if "demo" in resolved.parts else ""
            problems.append(f"sources.{role}.path: file not found: {resolved}{hint}")
    if problems:
        raise ParamsError(path, problems)
    params.source_file = path.resolve()
    return params

"""Reading sources: CSV/text, Excel, Parquet and SQL into canonical columns.

:func:`read_source` reads only the mapped columns (one copy in memory), as text,
renames them to canonical names and adds ``raw_row``, the 1-based data row of the
source, so that cleaning can account for every input row. Values are parsed by
:mod:`repurchase.cleaning`, not here.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pandas as pd

from repurchase.core.errors import SourceError
from repurchase.core.params import DELIMITERS, SourceSpec

#: encodings tried, in order, when suggesting the right one
_CANDIDATE_ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb18030", "big5", "utf-16")
_SAMPLE_BYTES = 1 << 20


def suggest_encoding(path: Path, exclude: str | None = None) -> str | None:
    """Guess the encoding of a text file from its first megabyte.

    Returns the first of utf-8, utf-8-sig, gbk, gb18030, big5, utf-16 that decodes
    the sample (other than ``exclude``), or None.
    """
    data = path.read_bytes()[:_SAMPLE_BYTES]
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    for enc in _CANDIDATE_ENCODINGS:
        if exclude and enc.replace("-", "").lower() == exclude.replace("-", "").lower():
            continue
        try:
            # a cut multi-byte character at the end of the sample is not an error
            data.decode(enc) if len(data) < _SAMPLE_BYTES else data[:-4].decode(enc, errors="strict")
        except UnicodeDecodeError:
            continue
        return enc
    return None


def _read_header(path: Path, spec: SourceSpec, encoding: str) -> list[str]:
    sep = DELIMITERS[spec.delimiter]
    try:
        head = pd.read_csv(path, sep=sep, nrows=0, encoding=encoding, engine="python" if len(sep) > 1 else "c")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return []
    return [str(c) for c in head.columns]


def _missing_columns_error(role: str, where: str, spec: SourceSpec, found: list, missing: dict) -> SourceError:
    lines = []
    for canonical, col in missing.items():
        close = difflib.get_close_matches(str(col), [str(f) for f in found], n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        lines.append(f"sources.{role}.columns.{canonical}: column {col!r} not found{hint}")
    shown = ", ".join(str(f) for f in found[:40]) + (" …" if len(found) > 40 else "")
    msg = f"{where}: " + "; ".join(lines) + f". Columns found: {shown}. Fix the mapping in the params file."
    seps = {"\t": "tab", ";": "semicolon", ",": "comma"}
    wide = [name for sep, name in seps.items() if len(found) == 1 and sep in str(found[0])]
    if wide:  # the whole header read as one column: the file uses another delimiter
        msg = (
            f"{where}: the header was read as one column ({str(found[0])[:60]!r}); "
            f"set sources.{role}.delimiter: {wide[0]}"
        )
    return SourceError(msg)


def read_source(spec: SourceSpec, role: str = "transactions") -> pd.DataFrame:
    """Read one source into its canonical columns, all as text.

    Parameters
    ----------
    spec
        The validated source spec from the params file (paths already resolved).
    role
        ``transactions``, ``customers`` or ``surveys``; used in messages.

    Returns
    -------
    pandas.DataFrame
        One column per mapped canonical name (object dtype, values as read) plus
        ``raw_row`` (int64, 1-based data row in the source).

    Raises
    ------
    SourceError
        File missing, wrong encoding (with the encoding that would work), a
        mapped column missing (with the columns found), or an unreadable file.
    """
    mapping = dict(spec.columns)
    if spec.format == "sql":
        frame = _read_sql(spec, role)
        where = str(spec.url or spec.path)
    else:
        path = Path(spec.path)  # type: ignore[arg-type]
        where = str(path)
        if not path.exists():
            raise SourceError(f"{path}: file not found (sources.{role}.path). Check the path in the params file.")
        if spec.format == "csv":
            frame = _read_text(path, spec, role, mapping)
        elif spec.format == "excel":
            frame = _read_excel(path, spec, role)
        elif spec.format == "parquet":
            frame = _read_parquet(path, spec, role, mapping)
        else:  # pragma: no cover - excluded by the params schema
            raise SourceError(f"{path}: unsupported format {spec.format!r}")

    found = list(frame.columns)
    missing = {canon: col for canon, col in mapping.items() if col not in frame.columns}
    if missing:
        raise _missing_columns_error(role, where, spec, found, missing)
    frame = frame.loc[:, list(mapping.values())]
    frame.columns = list(mapping.keys())
    frame.insert(len(frame.columns), "raw_row", pd.RangeIndex(1, len(frame) + 1, dtype="int64"))
    return frame.reset_index(drop=True)


def _read_text(path: Path, spec: SourceSpec, role: str, mapping: dict) -> pd.DataFrame:
    sep = DELIMITERS[spec.delimiter]
    wanted = list(dict.fromkeys(mapping.values()))
    header = 0 if spec.header else None
    if spec.header and any(isinstance(c, int) for c in wanted):
        raise SourceError(
            f"{path}: sources.{role}.columns maps to column positions but the file has a header; "
            "map to header names, or set header: false"
        )
    if not spec.header and not all(isinstance(c, int) for c in wanted):
        raise SourceError(
            f"{path}: sources.{role} has header: false, so map columns by position (0, 1, …), not by name"
        )
    # read only the mapped columns; a callable keeps going when one is missing so we can name it
    present = set(wanted)
    usecols = (lambda c: c in present) if spec.header else wanted
    try:
        frame = pd.read_csv(
            path,
            sep=sep,
            header=header,
            usecols=usecols,
            dtype=str,
            keep_default_na=False,
            na_values=[],
            encoding=spec.encoding,
            engine="c",
            skipinitialspace=False,
        )
    except UnicodeDecodeError as exc:
        better = suggest_encoding(path, exclude=spec.encoding)
        fix = f"set sources.{role}.encoding: {better}" if better else "save the file as UTF-8"
        raise SourceError(
            f"{path}: cannot be read as {spec.encoding} (byte {exc.object[exc.start : exc.start + 1]!r} "
            f"at position {exc.start}); {fix}"
        ) from None
    except ValueError as exc:  # usecols positions out of range
        raise SourceError(f"{path}: {exc}; check sources.{role}.columns and delimiter") from None
    except pd.errors.ParserError as exc:
        raise SourceError(
            f"{path}: cannot parse as {spec.delimiter}-separated text ({exc}); check sources.{role}.delimiter"
        ) from None
    except pd.errors.EmptyDataError:
        raise SourceError(f"{path}: the file is empty") from None

    if spec.header:
        missing = [c for c in wanted if c not in frame.columns]
        if missing:
            header_cols = _read_header(path, spec, spec.encoding)
            other = suggest_encoding(path, exclude=spec.encoding)
            if other:
                alt = _read_header(path, spec, other)
                if all(c in alt for c in wanted):
                    raise SourceError(
                        f"{path}: the mapped columns appear only when the file is read as {other}, "
                        f"not {spec.encoding}; set sources.{role}.encoding: {other}"
                    )
            frame = pd.DataFrame(columns=header_cols)
    return frame


def _read_excel(path: Path, spec: SourceSpec, role: str) -> pd.DataFrame:
    sheet = 0 if spec.sheet is None else spec.sheet
    try:
        frame = pd.read_excel(path, sheet_name=sheet, dtype=str, header=0 if spec.header else None, engine="openpyxl")
    except ValueError as exc:
        if "Worksheet" in str(exc) or "not found" in str(exc):
            import openpyxl

            names = openpyxl.load_workbook(path, read_only=True).sheetnames
            raise SourceError(
                f"{path}: sheet {sheet!r} not found; sheets: {', '.join(names)}. Set sources.{role}.sheet"
            ) from None
        raise SourceError(f"{path}: cannot read as Excel ({exc})") from None
    except Exception as exc:  # zipfile.BadZipFile, openpyxl errors
        raise SourceError(f"{path}: cannot read as an .xlsx workbook ({type(exc).__name__}: {exc})") from None
    frame.columns = [c if isinstance(c, int) else str(c).strip() for c in frame.columns]
    return frame.astype(object).where(frame.notna(), "")


def _read_parquet(path: Path, spec: SourceSpec, role: str, mapping: dict) -> pd.DataFrame:
    import pyarrow.parquet as pq

    try:
        schema_names = pq.read_schema(path).names
    except Exception as exc:
        raise SourceError(f"{path}: cannot read as Parquet ({exc})") from None
    wanted = [c for c in dict.fromkeys(mapping.values()) if c in schema_names]
    frame = pd.read_parquet(path, columns=wanted)
    if len(wanted) < len(set(mapping.values())):
        # keep the full list of columns so the missing one can be named
        for c in schema_names:
            if c not in frame.columns:
                frame[c] = pd.Series(dtype=object)
    return frame


def _read_sql(spec: SourceSpec, role: str) -> pd.DataFrame:
    """Run the source's query on a DuckDB file, a SQLite file or any SQLAlchemy URL.

    The database is ``url``, or ``path`` when a database file is given as a path
    (``.duckdb`` opens with DuckDB, other files as SQLite).
    """
    url = str(spec.url) if spec.url is not None else str(spec.path)
    if spec.url is None and not url.endswith(".duckdb"):
        url = f"sqlite:///{url}"
    field = "url" if spec.url is not None else "path"
    query = spec.query or ""  # the params schema requires a query for format: sql
    if url.endswith(".duckdb") or (url.startswith("duckdb:///") and not url.startswith("duckdb:///:")):
        import duckdb

        file = url.removeprefix("duckdb:///")
        if not Path(file).exists():
            raise SourceError(f"{file}: DuckDB file not found (sources.{role}.{field})")
        try:
            with duckdb.connect(file, read_only=True) as con:
                return con.execute(query).df()
        except duckdb.Error as exc:
            raise SourceError(f"{file}: query failed ({exc}); check sources.{role}.query") from None
    import sqlalchemy

    try:
        engine = sqlalchemy.create_engine(url)
        with engine.connect() as con:
            return pd.read_sql(sqlalchemy.text(query), con)
    except Exception as exc:
        raise SourceError(
            f"{url}: query failed ({type(exc).__name__}: {exc}); check sources.{role}.{field} and query"
        ) from None

"""Reading sources: CSV/text, Excel, Parquet and SQL into canonical columns.

:func:`read_source` reads only the mapped columns (one copy in memory), as text,
renames them to canonical names and adds ``raw_row``, the 1-based data row of the
source, so that cleaning can account for every input row. Values are parsed by
:mod:`repurchase.cleaning`, not here.

Before a text file or a sheet is read, its first rows are looked at, so that a
wrong header gives the fix rather than a list of columns: two columns of the same
mapped name, title rows above the header (``skip_rows: N``), a file without a
header row (``header: false``), another delimiter, another encoding, or (Excel)
the data on another sheet. Rows of a text file with fewer fields than the header
(a cut or truncated line) are listed in ``frame.attrs["short_rows"]`` (their
``raw_row``), for the cleaning rule ``short_row``.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from repurchase.core.errors import SourceError, clip
from repurchase.core.params import DELIMITERS, SourceSpec

__all__ = ["read_source", "suggest_encoding"]

#: encodings tried, in order, when suggesting the right one
_CANDIDATE_ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb18030", "big5", "utf-16")
_SAMPLE_BYTES = 1 << 20
#: the first rows looked at for the header (title rows, a missing header)
_HEAD_ROWS = 30
_HEAD_BYTES = 1 << 18
#: a cell that reads as an amount or a date: a header row holding one is data
_DATA_CELL = re.compile(
    r"[-+(]?[¥￥$€£]?\s?\d[\d.,\s]*\)?(\s?元)?|\d{4}[-/.年]\d{1,2}([-/.月]\d{1,2}.*)?|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}.*|\d{8}"
)


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


def _encoding_error(path: Path, spec: SourceSpec, role: str, exc: UnicodeDecodeError, offset: int = 0) -> SourceError:
    better = suggest_encoding(path, exclude=spec.encoding)
    fix = f"set sources.{role}.encoding: {better}" if better else "save the file as UTF-8"
    return SourceError(
        f"{path}: cannot be read as {spec.encoding} (byte {exc.object[exc.start : exc.start + 1]!r} "
        f"at position {offset + exc.start}); {fix}"
    )


# ---------------------------------------------------------------------------
# the first rows of a text file, as the reader will split them


def _head_rows(path: Path, spec: SourceSpec, encoding: str) -> list[tuple[int, list[str]]]:
    """The first non-blank rows of a text file: ``(line index from 0, cells)``.

    Raises
    ------
    UnicodeDecodeError
        The first bytes are not ``encoding``.
    """
    with path.open("rb") as f:
        data = f.read(_HEAD_BYTES)
    text = codecs.getincrementaldecoder(encoding)(errors="strict").decode(data, final=len(data) < _HEAD_BYTES)
    text = text.removeprefix("\ufeff")
    lines = re.split(r"\r\n|\n|\r", text)
    if len(data) == _HEAD_BYTES and lines:
        lines = lines[:-1]  # possibly cut in the middle
    rows: list[tuple[int, list[str]]] = []
    if spec.delimiter == "whitespace":
        rows = [(i, line.split()) for i, line in enumerate(lines) if line.strip()]
    else:
        reader = csv.reader(lines, delimiter=DELIMITERS[spec.delimiter])
        start = 0
        try:
            for cells in reader:
                if any(c.strip() for c in cells):
                    rows.append((start, cells))
                start = reader.line_num
                if len(rows) >= _HEAD_ROWS + spec.skip_rows:
                    break
        except csv.Error:
            pass  # an odd quote in the sample: the rows read so far will do
    return [(i, cells) for i, cells in rows if i >= spec.skip_rows][:_HEAD_ROWS]


def _mangled(header: list[str]) -> list[str]:
    """Header names as pandas makes them unique: the second ``paid`` is ``paid.1``."""
    seen: dict[str, int] = {}
    out = []
    for name in header:
        k = seen.get(name, 0)
        out.append(name if k == 0 else f"{name}.{k}")
        seen[name] = k + 1
    return out


def _column_positions(
    header: list[str] | None, n_columns: int, mapping: dict[str, str | int], role: str, where: str
) -> tuple[dict[str | int, int], dict[str, str | int]]:
    """The position of every mapped column, and the mapped names not found.

    A name may appear once in the header (exactly, or with other surrounding
    spaces), or be the name pandas gives a repeated one (``paid.1``); a position
    (0, 1, …) is taken as it is.

    Raises
    ------
    SourceError
        A mapped name that names two or more columns, or a position beyond the
        last column.
    """
    positions: dict[str | int, int] = {}
    missing: dict[str, str | int] = {}
    names = header or []
    mangled = _mangled(names)
    for canonical, col in mapping.items():
        if isinstance(col, int):
            if col >= n_columns:
                raise SourceError(
                    f"{where}: sources.{role}.columns.{canonical}: position {col} is beyond the last column "
                    f"(the file has {n_columns}, positions count from 0)"
                )
            positions[col] = col
            continue
        hits = [i for i, h in enumerate(names) if h == col] or [
            i for i, h in enumerate(names) if h.strip() == col.strip()
        ]
        if len(hits) > 1:
            shown = " and ".join(str(i + 1) for i in hits[:4])
            choices = " or ".join(f"{canonical}: {i}" for i in hits[:4])
            raise SourceError(
                f"{where}: the header has {len(hits)} columns named {clip(col)} (columns {shown}, counting from 1); "
                f"sources.{role}.columns.{canonical} must say which one it is: map it by position ({choices}, "
                "counting from 0), or rename the others in the file"
            )
        if hits:
            positions[col] = hits[0]
        elif col in mangled:
            positions[col] = mangled.index(col)
        else:
            missing[canonical] = col
    return positions, missing


def _looks_like_data(cells: list[str]) -> bool:
    """A row holding an amount or a date is data, not a header."""
    return any(_DATA_CELL.fullmatch(str(c).strip()) for c in cells if str(c).strip())


def _header_fix(
    rows: list[tuple[int, list[str]]], spec: SourceSpec, role: str, where: str, missing: dict[str, str | int]
) -> str | None:
    """The fix for a header that lacks mapped names, judged from the first rows, or None."""
    if not rows:
        return None
    wanted = [str(c).strip() for c in missing.values()]
    header = rows[0][1]
    for line, cells in rows[1:]:
        present = {str(c).strip() for c in cells}
        if all(w in present for w in wanted):
            what = "line" if spec.format == "csv" else "row"
            return (
                f"{where}: the header is on {what} {line + 1}, with {line} {what}{'s' if line != 1 else ''} above it "
                f"(titles or notes); set sources.{role}.skip_rows: {line}"
            )
    if _looks_like_data(header):
        shown = ", ".join(clip(str(c), 40) for c in header[:4]) + (", …" if len(header) > 4 else "")
        return (
            f"{where}: the first row looks like data, not a header ({shown}); if the file has no header row, "
            f"set sources.{role}.header: false and map the columns by position (customer_id: 0, …, counting from 0)"
        )
    return None


def _missing_columns_error(role: str, where: str, found: list, missing: dict, extra: str = "") -> SourceError:
    lines = []
    for canonical, col in missing.items():
        close = difflib.get_close_matches(str(col), [str(f) for f in found], n=1, cutoff=0.5)
        hint = f" (did you mean {clip(close[0], 60)}?)" if close else ""
        lines.append(f"sources.{role}.columns.{canonical}: column {clip(col, 60)} not found{hint}")
    shown = ", ".join(str(f) if len(str(f)) <= 40 else str(f)[:40] + "…" for f in found)
    if len(shown) > 200:
        shown = shown[:200] + f"… ({len(found)} columns)"
    msg = f"{where}: " + "; ".join(lines) + f". Columns found: {shown}.{extra} Fix the mapping in the params file."
    seps = {"\t": "tab", ";": "semicolon", ",": "comma"}
    wide = [name for sep, name in seps.items() if len(found) == 1 and sep in str(found[0])]
    if wide:  # the whole header read as one column: the file uses another delimiter
        msg = f"{where}: the header was read as one column ({clip(str(found[0]), 60)}); set sources.{role}.delimiter: {wide[0]}"
    return SourceError(msg)


# ---------------------------------------------------------------------------
# entry point


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
        ``raw_row`` (int64, 1-based data row in the source). For a text file,
        ``attrs["short_rows"]`` holds the ``raw_row`` of the rows with fewer
        fields than the header.

    Raises
    ------
    SourceError
        File missing, wrong encoding (with the encoding that would work), a
        mapped column missing (with the columns found and, when the first rows
        show it, the fix: ``skip_rows``, ``header: false``, ``delimiter``,
        ``sheet``), a mapped name naming two columns, or an unreadable file.
    """
    if spec.backend is not None:
        raise SourceError(
            f"sources.{role} is the warehouse table {spec.table!r} on {spec.backend}: it is aggregated where it "
            "lives (repurchase.warehouse.warehouse_cleaning), not read into the notebooks; to render the reports, "
            f"export it to a file and set sources.{role}.path"
        )
    mapping = dict(spec.columns)
    short_rows: tuple[int, ...] = ()
    if spec.format == "sql":
        frame = _read_sql(spec, role)
        where = str(spec.url or spec.path)
        _check_unique_columns(frame, mapping, role, where)
    else:
        path = Path(spec.path)  # type: ignore[arg-type]
        where = str(path)
        if not path.exists():
            raise SourceError(f"{path}: file not found (sources.{role}.path). Check the path in the params file.")
        if path.is_dir():
            raise SourceError(f"{path}: is a folder, not a file (sources.{role}.path); name the file itself")
        if spec.format == "csv":
            frame, short_rows = _read_text(path, spec, role, mapping)
        elif spec.format == "excel":
            frame = _read_excel(path, spec, role, mapping)
        elif spec.format == "parquet":
            frame = _read_parquet(path, spec, role, mapping)
        else:  # pragma: no cover - excluded by the params schema
            raise SourceError(f"{path}: unsupported format {spec.format!r}")

    found = list(frame.columns)
    missing = {canon: col for canon, col in mapping.items() if col not in frame.columns}
    if missing:
        raise _missing_columns_error(role, where, found, missing)
    frame = frame.loc[:, list(mapping.values())]
    frame.columns = list(mapping.keys())
    frame.insert(len(frame.columns), "raw_row", pd.RangeIndex(1, len(frame) + 1, dtype="int64"))
    frame = frame.reset_index(drop=True)
    frame.attrs["short_rows"] = short_rows
    return frame


def _check_unique_columns(frame: pd.DataFrame, mapping: dict, role: str, where: str) -> None:
    """A query or a Parquet file with two columns of one mapped name cannot say which one is meant."""
    counts = pd.Series(list(frame.columns)).value_counts()
    for canonical, col in mapping.items():
        if counts.get(col, 0) > 1:
            raise SourceError(
                f"{where}: {counts[col]} columns are named {clip(col)}; sources.{role}.columns.{canonical} must name "
                "one: give them distinct names (in the query: AS another_name) and map the one you mean"
            )


# ---------------------------------------------------------------------------
# text files


def _read_text(path: Path, spec: SourceSpec, role: str, mapping: dict) -> tuple[pd.DataFrame, tuple[int, ...]]:
    sep = DELIMITERS[spec.delimiter]
    wanted = list(dict.fromkeys(mapping.values()))
    if not spec.header and not all(isinstance(c, int) for c in wanted):
        raise SourceError(
            f"{path}: sources.{role} has header: false, so map columns by position (0, 1, …), not by name"
        )
    try:
        rows = _head_rows(path, spec, spec.encoding)
    except UnicodeDecodeError as exc:
        raise _encoding_error(path, spec, role, exc) from None
    if not rows:
        if path.stat().st_size >= _HEAD_BYTES:
            raise SourceError(
                f"{path}: no line ends within the first {_HEAD_BYTES // 1024} KB: not a table of text lines; "
                f"check sources.{role}.format and delimiter"
            )
        raise SourceError(
            f"{path}: the file is empty" + (f" after skip_rows: {spec.skip_rows}" if spec.skip_rows else "")
        )
    header = rows[0][1] if spec.header else None
    n_columns = len(rows[0][1])
    positions, missing = _column_positions(header, n_columns, mapping, role, str(path))
    if missing:
        fix = _header_fix(rows, spec, role, str(path), missing)
        if fix:
            raise SourceError(fix)
        other = suggest_encoding(path, exclude=spec.encoding)
        if other:
            try:
                alt = _head_rows(path, spec, other)
            except UnicodeDecodeError:
                alt = []
            if alt and all(str(c) in alt[0][1] for c in missing.values()):
                raise SourceError(
                    f"{path}: the mapped columns appear only when the file is read as {other}, "
                    f"not {spec.encoding}; set sources.{role}.encoding: {other}"
                )
        raise _missing_columns_error(role, str(path), header or [], missing)

    used = sorted(set(positions.values()))
    try:
        frame = pd.read_csv(
            path,
            sep=sep,
            header=0 if spec.header else None,
            skiprows=spec.skip_rows or None,
            usecols=used,
            dtype=str,
            keep_default_na=False,
            na_values=[],
            encoding=spec.encoding,
            engine="c",
            skipinitialspace=False,
        )
    except UnicodeDecodeError as exc:
        raise _encoding_error(path, spec, role, exc) from None
    except pd.errors.ParserError as exc:
        text = str(exc)
        if "EOF inside string" in text:
            raise SourceError(
                f"{path}: the file ends inside a quoted value ({clip(text.split('. ', 1)[-1], 80)}): it was cut "
                "while being written or copied; export it again"
            ) from None
        raise SourceError(
            f"{path}: cannot parse as {spec.delimiter}-separated text ({clip(text)}); check sources.{role}.delimiter"
        ) from None
    except pd.errors.EmptyDataError:
        raise SourceError(f"{path}: the file is empty") from None
    except ValueError as exc:  # usecols positions out of range
        raise SourceError(f"{path}: {clip(str(exc))}; check sources.{role}.columns and delimiter") from None
    # the frame's columns are the used positions, in file order: name them as mapped
    by_position = {p: frame.columns[k] for k, p in enumerate(used)}
    out = pd.DataFrame({key: frame[by_position[pos]] for key, pos in positions.items()}, index=frame.index)
    short = _short_rows(path, spec, n_columns, len(out))
    return out, short


def _short_rows(path: Path, spec: SourceSpec, n_columns: int, n_rows: int) -> tuple[int, ...]:
    """``raw_row`` of the data rows with fewer fields than the header (or than most rows, without a header).

    Fields are counted on the bytes (delimiters outside quotes, vectorised); when
    that does not find the rows the reader found (an odd quote, a multi-byte
    encoding like UTF-16), the csv module counts them. When neither agrees with
    the reader, no row is flagged.
    """
    counts = None
    if spec.delimiter != "whitespace" and spec.encoding.replace("-", "").lower() not in ("utf16", "utf32"):
        counts = _field_counts_bytes(path, DELIMITERS[spec.delimiter], spec.skip_rows)[_data_start(spec) :]
        if len(counts) != n_rows:
            counts = None
    if counts is None:
        counts = _field_counts_text(path, spec)
        if counts is None:
            return ()
        counts = counts[_data_start(spec) :]
        if len(counts) != n_rows:
            return ()
    expected = n_columns if spec.header else int(np.bincount(counts).argmax()) if len(counts) else 0
    return tuple(int(r) for r in np.flatnonzero(counts < expected) + 1)


def _data_start(spec: SourceSpec) -> int:
    return 1 if spec.header else 0


def _field_counts_bytes(path: Path, sep: str, skip: int) -> np.ndarray:
    """Fields per non-blank row after ``skip`` lines, counted on the raw bytes.

    A separator or a newline is inside a quoted value when an odd number of
    quotes comes before it; only the positions of those few bytes are compared.
    """
    data = np.fromfile(path, dtype=np.uint8)
    if skip:
        lines = np.flatnonzero(data == 10)
        data = data[lines[skip - 1] + 1 :] if len(lines) >= skip else data[:0]
    if data.size == 0:
        return np.zeros(0, dtype="int64")
    newlines = np.flatnonzero(data == 10)
    seps = np.flatnonzero(data == ord(sep))
    quotes = np.flatnonzero(data == ord('"'))
    if quotes.size:
        newlines = newlines[np.searchsorted(quotes, newlines) % 2 == 0]
        seps = seps[np.searchsorted(quotes, seps) % 2 == 0]
    ends = newlines if newlines.size and newlines[-1] == data.size - 1 else np.append(newlines, data.size)
    starts = np.concatenate(([0], ends[:-1] + 1))
    n_sep = np.searchsorted(seps, ends) - np.searchsorted(seps, starts)
    # blank rows (nothing but spaces, tabs or \r) are skipped by the reader
    keep = np.ones(len(ends), dtype=bool)
    for k in np.flatnonzero((n_sep == 0) & (ends - starts <= 256)):
        keep[k] = bool(data[starts[k] : ends[k]].tobytes().strip())
    return (n_sep + 1)[keep].astype("int64")


def _field_counts_text(path: Path, spec: SourceSpec) -> np.ndarray | None:
    try:
        with path.open(encoding=spec.encoding, newline="") as f:
            for _ in range(spec.skip_rows):
                f.readline()
            if spec.delimiter == "whitespace":
                counts = [len(line.split()) for line in f if line.strip()]
            else:
                counts = [
                    len(r) for r in csv.reader(f, delimiter=DELIMITERS[spec.delimiter]) if any(c.strip() for c in r)
                ]
    except (UnicodeDecodeError, csv.Error, OSError):
        return None
    return np.asarray(counts, dtype="int64")


# ---------------------------------------------------------------------------
# Excel, Parquet, SQL


def _read_excel(path: Path, spec: SourceSpec, role: str, mapping: dict) -> pd.DataFrame:
    sheet = 0 if spec.sheet is None else spec.sheet
    grid = _excel_grid(path, sheet, spec, role)
    rows = [(i + spec.skip_rows, [_cell(c) for c in grid.iloc[i].tolist()]) for i in range(min(len(grid), _HEAD_ROWS))]
    rows = [(i, cells) for i, cells in rows if any(c for c in cells)]
    if not rows:
        raise SourceError(f"{path}: sheet {sheet!r} is empty; set sources.{role}.sheet to the sheet with the data")
    first = rows[0][0] - spec.skip_rows
    header = [c.strip() for c in rows[0][1]] if spec.header else None
    positions, missing = _column_positions(header, grid.shape[1], mapping, role, str(path))
    if missing:
        fix = _header_fix(rows, spec, role, str(path), missing)
        if fix:
            raise SourceError(fix)
        names = _sheet_names(path)
        elsewhere = _sheet_with_columns(path, names, sheet, missing)
        if elsewhere is not None:
            raise SourceError(
                f"{path}: the mapped columns are on sheet {elsewhere!r}, not {_sheet_label(sheet, names)!r}; "
                f"set sources.{role}.sheet: {elsewhere}"
            )
        extra = (
            f" Sheets in the workbook: {', '.join(map(str, names))}; set sources.{role}.sheet to the one with the data."
        )
        raise _missing_columns_error(
            role, f"{path} (sheet {_sheet_label(sheet, names)!r})", header or [], missing, extra
        )
    data = grid.iloc[first + (1 if spec.header else 0) :]
    out = pd.DataFrame({key: data.iloc[:, pos] for key, pos in positions.items()})
    return out.astype(object).where(out.notna(), "").reset_index(drop=True)


def _cell(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _excel_grid(path: Path, sheet: str | int, spec: SourceSpec, role: str) -> pd.DataFrame:
    try:
        return pd.read_excel(
            path, sheet_name=sheet, dtype=str, header=None, skiprows=spec.skip_rows or None, engine="openpyxl"
        )
    except ValueError as exc:
        if "Worksheet" in str(exc) or "not found" in str(exc):
            names = _sheet_names(path)
            raise SourceError(
                f"{path}: sheet {clip(sheet, 60)} not found; sheets: {', '.join(map(str, names))}. Set sources.{role}.sheet"
            ) from None
        raise SourceError(f"{path}: cannot read as Excel ({clip(str(exc))})") from None
    except Exception as exc:  # zipfile.BadZipFile, openpyxl errors
        raise SourceError(
            f"{path}: cannot read as an .xlsx workbook ({type(exc).__name__}: {clip(str(exc))})"
        ) from None


def _sheet_names(path: Path) -> list[str]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _sheet_label(sheet: str | int, names: list[str]) -> str:
    return names[sheet] if isinstance(sheet, int) and 0 <= sheet < len(names) else str(sheet)


def _sheet_with_columns(path: Path, names: list[str], current: str | int, missing: dict) -> str | None:
    """The first other sheet whose first rows hold every missing mapped name."""
    wanted = {str(c).strip() for c in missing.values()}
    for name in names:
        if name == _sheet_label(current, names):
            continue
        try:
            head = pd.read_excel(path, sheet_name=name, dtype=str, header=None, nrows=_HEAD_ROWS, engine="openpyxl")
        except Exception:
            continue
        for i in range(len(head)):
            if wanted <= {_cell(c).strip() for c in head.iloc[i].tolist()}:
                return name
    return None


def _read_parquet(path: Path, spec: SourceSpec, role: str, mapping: dict) -> pd.DataFrame:
    import pyarrow.parquet as pq

    try:
        schema_names = pq.read_schema(path).names
    except Exception as exc:
        raise SourceError(f"{path}: cannot read as Parquet ({clip(str(exc))})") from None
    _check_unique_columns(pd.DataFrame(columns=schema_names), mapping, role, str(path))
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
    (``.duckdb`` opens with DuckDB, other files as SQLite). A database file that
    does not exist is an error (SQLite would create an empty one).
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
                cursor = con.execute(query)
                names = [str(d[0]) for d in cursor.description or []]
                frame = cursor.df()
            if len(set(names)) < len(names) == frame.shape[1]:
                frame.columns = names  # DuckDB renames a repeated name (paid_1): keep it repeated, to refuse it
            return frame
        except duckdb.Error as exc:
            raise SourceError(f"{file}: query failed ({clip(str(exc))}); check sources.{role}.query") from None
    sqlite_file = _sqlite_file(url)
    if sqlite_file is not None and not Path(sqlite_file).is_file():
        raise SourceError(
            f"{sqlite_file}: SQLite database not found (sources.{role}.{field}); check the path "
            "(relative paths start at the repository root)"
        )
    import sqlalchemy

    try:
        engine = sqlalchemy.create_engine(url)
        with engine.connect() as con:
            return pd.read_sql(sqlalchemy.text(query), con)
    except Exception as exc:
        raise SourceError(
            f"{url}: query failed ({type(exc).__name__}: {clip(str(exc))}); check sources.{role}.{field} and query"
        ) from None


def _sqlite_file(url: str) -> str | None:
    """The database file of a ``sqlite:///…`` URL (None for an in-memory database or another dialect)."""
    m = re.match(r"sqlite(\+\w+)?:///(.*)$", url)
    if not m:
        return None
    file = m.group(2).split("?", 1)[0]
    return None if file in ("", ":memory:") or file.startswith("file:") else file

"""The tables and sentences of the cleaning report, in the report language.

Each function takes the stage result (:class:`~repurchase.cleaning.pipeline.CleaningReport`)
and returns a :class:`~repurchase.core.table.Table` or a sentence for
``ctx.show(...)``; the formats live here, not in the notebook.
"""

from __future__ import annotations

from repurchase.cleaning.pipeline import CleaningReport
from repurchase.cleaning.rules import rule_descriptions
from repurchase.core import formatting, i18n
from repurchase.core.status import Unavailable
from repurchase.core.table import Table

__all__ = [
    "QUARANTINE_SAMPLE_ROWS",
    "amounts_table",
    "describe_findings",
    "describe_outcome",
    "ledger_table",
    "missing_table",
    "outcome_table",
    "profile_table",
    "quarantine_table",
    "source_tables",
]

#: Excluded rows shown in the report (all of them are in quarantine.csv).
QUARANTINE_SAMPLE_ROWS = 12


def describe_outcome(res: CleaningReport, lang: str = "en") -> str:
    """One plain-language sentence on where the raw rows went, with the most common exclusion."""
    s = res.summary.set_index("outcome")["rows"]
    raw = max(int(s["raw"]), 1)
    ledger = rule_descriptions(res.ledger, lang)
    excluded = ledger[(ledger["outcome"] == "excluded") & (ledger["rows"] > 0)].sort_values("rows", ascending=False)
    text = i18n.t(
        "cleaning.describe",
        lang,
        raw=f"{int(s['raw']):,}",
        kept=f"{int(s['kept']):,}",
        kept_share=f"{s['kept'] / raw:.1%}",
        fixed=f"{int(s['fixed']):,}",
        fixed_share=f"{s['fixed'] / raw:.1%}",
        excluded=f"{int(s['excluded']):,}",
        excluded_share=f"{s['excluded'] / raw:.1%}",
    )
    if len(excluded):
        top = excluded.iloc[0]
        text += i18n.t("cleaning.describe_top", lang, rule=top["description"], rows=f"{int(top['rows']):,}")
    return text


def describe_findings(res: CleaningReport, lang: str = "en", currency: str = "") -> str:
    """The key findings at the top of the cleaning report: 2–3 sentences on what the other reports rest on.

    Parameters
    ----------
    res
        The cleaning stage result.
    lang
        Report language (``en`` or ``zh``).
    currency
        Currency of the revenue (a plain number without one).

    Returns
    -------
    str
        Where the raw rows went with the most common exclusion
        (:func:`describe_outcome`); the cleaned data the other reports use:
        order lines, customers and orders, the date range and the revenue, with
        the refunds netted from it (:func:`profile_table`); and the most common
        repair (:func:`ledger_table`). Without a raw row: that sentence.
    """
    s = res.summary.set_index("outcome")["rows"]
    if not int(s["raw"]) > 0:
        return i18n.t("cleaning.findings.none", lang)

    def money(x: float) -> str:
        return formatting.format_money(x, currency, lang) if currency else formatting.format_number(x, lang)

    p = res.profile
    parts = [describe_outcome(res, lang)]
    if p.rows:
        refunds = i18n.t("cleaning.findings.refunds", lang, refunded=money(p.refunded)) if p.refunded else ""
        parts.append(i18n.t(
            "cleaning.findings.profile", lang, rows=f"{p.rows:,}", customers=f"{p.customers:,}", orders=f"{p.orders:,}",
            first=p.first_date, last=p.last_date, revenue=money(p.revenue), refunds=refunds,
        ))  # fmt: skip
    ledger = rule_descriptions(res.ledger, lang)
    fixed = ledger[(ledger["outcome"] == "fixed") & (ledger["rows"] > 0)]
    fixed = fixed.sort_values("rows", ascending=False, kind="stable")
    if len(fixed):
        top = fixed.iloc[0]
        parts.append(i18n.t("cleaning.findings.fix", lang, rule=top["description"], rows=f"{int(top['rows']):,}"))
    return i18n.t("cleaning.findings.sep", lang).join(parts)


def outcome_table(res: CleaningReport) -> Table:
    """Raw rows = kept + fixed + excluded, with their shares."""
    return Table(res.summary, formats={"share": "{:.2%}"}, values={"outcome": "outcome"})


def ledger_table(res: CleaningReport, lang: str = "en") -> Table:
    """Rows per rule, every rule in the order it runs, described in ``lang``."""
    return Table(rule_descriptions(res.ledger, lang), values={"outcome": "outcome", "rule": "rulename"})


def quarantine_table(res: CleaningReport) -> Table:
    """The first excluded rows as read, with the rule that excluded them (IDs are masked when shown)."""
    return Table(
        res.quarantine.head(QUARANTINE_SAMPLE_ROWS),
        values={"reason": "rulename"},
        unavailable=Unavailable("cleaning.empty.quarantine"),
    )


#: the profile's money metrics, written with :func:`repurchase.core.formatting.format_money`
_PROFILE_MONEY = ("revenue", "refunded")


def profile_table(res: CleaningReport, currency: str = "", lang: str = "en") -> Table:
    """Date range, size and value of the cleaned transactions; money as everywhere (¥1,860.6万, ¥18.6M)."""
    table = res.profile.table()
    money = table["metric"].isin(_PROFILE_MONEY)
    shown = table["value"].astype(object)
    shown[money] = [
        formatting.format_money(float(v), currency, lang) if currency else f"{float(v):,.2f}"
        for v in table.loc[money, "value"]
    ]
    return Table(table.assign(value=shown), values={"metric": "metric"})


def missing_table(res: CleaningReport, lang: str = "en") -> Table:
    """Blank or missing values per source column."""
    return Table(
        res.missing,
        formats={"share": "{:.2%}"},
        values={"column": "col"},  # the field's name in the report language, as in the other tables' headers
        caption=i18n.t("cleaning.missing_caption", lang),
    )


def amounts_table(res: CleaningReport) -> Table:
    """Quantiles of the order-line amounts."""
    return Table(res.amount_quantiles, formats={"quantile": "{:.0%}", "amount": "{:,.2f}"})


def source_tables(res: CleaningReport, role: str, lang: str = "en") -> list[Table] | str:
    """Outcomes and the rules that changed rows of a side source (customers, surveys), or why there are none."""
    name = i18n.t(f"cleaning.source.role_{role}", lang)
    side = res.side(role)
    if side is None:
        return i18n.t("cleaning.source.none", lang, role=name)
    ledger = rule_descriptions(side.ledger, lang)
    return [
        Table(
            side.summary,
            formats={"share": "{:.2%}"},
            values={"outcome": "outcome"},
            caption=i18n.t("cleaning.source.outcome", lang, role=name),
        ),
        Table(
            ledger[ledger["rows"] > 0],
            values={"outcome": "outcome", "rule": "rulename"},
            caption=i18n.t("cleaning.source.rules", lang, role=name),
            unavailable=Unavailable("cleaning.empty.rules", {"role": name}),
        ),
    ]

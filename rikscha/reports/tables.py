"""A report as labelled sections: the same rows feed the page's tables, its charts and the CSV export.

The CSV is one file for the whole report in "long" form – one line per figure: section, row,
column, value – separated by semicolons, with the decimal comma of the page's language, encoded
as UTF-8 with a byte order mark. That is what German Excel and LibreOffice open correctly
with a double click (umlauts included), and what a script can read with `csv` (`utf-8-sig`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol, parse_pattern
from flask_babel import format_date, get_locale
from flask_babel import gettext as _

from rikscha.fleet.fleet_forms import MAINTENANCE_LABELS
from rikscha.quarter.labels import CATEGORY_LABELS
from rikscha.reports.charts import BarChart, bar_chart
from rikscha.reports.queries import Report
from rikscha.rides.forms import CANCEL_REASON_LABELS

FORMATS = {"int": "#,##0", "dec1": "#,##0.0", "dec2": "#,##0.00"}
CSV_FORMATS = {"int": "0", "dec1": "0.0", "dec2": "0.00"}  # no thousands separator in the file
_PATTERNS = {fmt: parse_pattern(pattern) for fmt, pattern in FORMATS.items()}
_CSV_PATTERNS = {fmt: parse_pattern(pattern) for fmt, pattern in CSV_FORMATS.items()}
_QUANTUM = {"int": Decimal(1), "dec1": Decimal("0.1"), "dec2": Decimal("0.01")}


class NumberFormat:
    """Formats values as flask_babel.format_decimal does with FORMATS (or CSV_FORMATS).

    A month's report has about a thousand numbers, and babel's general formatter takes several
    microseconds for each. For what a report holds – finite numbers ≥ 0 – these patterns come
    down to babel's own steps: Decimal(str(value)), rounded half-even to the pattern's decimals,
    digits grouped by three, with the language's group and decimal signs. Anything else
    (negative, infinite, not a number) is left to babel.
    """

    def __init__(self, *, grouping: bool = True) -> None:
        locale = get_locale()
        self._locale = locale
        self._grouping = grouping
        self._patterns = _PATTERNS if grouping else _CSV_PATTERNS
        group, decimal = get_group_symbol(locale), get_decimal_symbol(locale)
        # babel strips single quotes from its result; never the case for German or English.
        self._signs = None if "'" in group + decimal else str.maketrans({",": group, ".": decimal})

    def __call__(self, value, fmt: str) -> str:
        if value is None:
            return "–"
        if fmt == "text":
            return str(value)
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        if self._signs is None or not number.is_finite() or number.is_signed():
            return format_decimal(value, format=self._patterns[fmt], locale=self._locale)
        rounded = number.quantize(_QUANTUM[fmt])  # half-even, as in babel
        return format(rounded, ",f" if self._grouping else "f").translate(self._signs)


@dataclass(frozen=True)
class Cell:
    value: object
    fmt: str  # a key of FORMATS, or "text"
    text: str  # the value as shown on the page


@dataclass(frozen=True)
class Section:
    key: str  # used for ids and anchors
    title: str
    columns: tuple[str, ...]  # the first one heads the row headers
    rows: list[tuple[str, list[Cell]]]
    chart_column: int | None = None  # index into a row's cells to draw as bars
    empty: str = ""
    notes: list[str] = field(default_factory=list)

    @cached_property
    def chart(self) -> BarChart | None:
        if self.chart_column is None:
            return None
        return bar_chart(
            (header, cells[self.chart_column].value, cells[self.chart_column].text)
            for header, cells in self.rows
        )

    @property
    def chart_summary(self) -> str:
        """A sentence naming the largest bar (the chart's <desc>; the table has every value)."""
        chart = self.chart  # None without rows or without a chart column
        if chart is None:
            return ""
        header, cells = max(self.rows, key=lambda row: row[1][self.chart_column].value or 0)
        names = {
            "title": self.title, "column": self.columns[self.chart_column + 1], "count": len(chart.bars),
            "total": chart.rows, "name": header, "value": cells[self.chart_column].text,
        }  # fmt: skip
        if chart.rows > len(chart.bars):
            return _(
                "Balkendiagramm zu „%(title)s“ (%(column)s) mit den %(count)s größten von %(total)s Werten; "
                "am größten: %(name)s mit %(value)s. Alle Werte stehen in der Tabelle.",
                **names,
            )
        return _(
            "Balkendiagramm zu „%(title)s“ (%(column)s) mit %(count)s Balken; am größten: %(name)s mit %(value)s. "
            "Alle Werte stehen in der Tabelle.",
            **names,
        )


def _person(name: str | None) -> str:
    return name if name is not None else _("(gelöschtes Konto)")


def sections(report: Report) -> list[Section]:
    texts = NumberFormat()

    def cell(value, fmt: str = "int") -> Cell:
        return Cell(value, fmt, texts(value, fmt))

    rides = report.rides
    outcome = [(_("Abgeschlossen"), [cell(rides.completed)]), (_("Nicht erschienen"), [cell(rides.no_show)])]
    outcome += [
        (_("Abgesagt: %(reason)s", reason=label), [cell(rides.cancelled_by_reason.get(code.value, 0))])
        for code, label in CANCEL_REASON_LABELS.items()
    ]
    outcome.append((_("Gebucht, noch nicht abgeschlossen"), [cell(rides.still_open)]))
    median = report.median_days_to_done
    key_figures = [
        (_("Fahrten abgeschlossen"), [cell(rides.completed)]),
        (_("Fahrten abgesagt"), [cell(rides.cancelled)]),
        (_("Fahrten: nicht erschienen"), [cell(rides.no_show)]),
        (_("Fahrgäste erreicht (verschiedene Personen)"), [cell(rides.riders)]),
        (_("davon zum ersten Mal gefahren"), [cell(rides.new_riders)]),
        (_("Mitfahrende Personen (Summe)"), [cell(rides.passengers)]),
        (_("Fahrtstunden"), [cell(rides.hours, "dec1")]),
        (_("Gefahrene Kilometer"), [cell(rides.km, "dec1")]),
        (_("Stunden der Quartiershausmeister:innen"), [cell(report.caretaker_seconds / 3600, "dec1")]),
        (_("Geladene Energie (kWh)"), [cell(report.kwh, "dec2")]),
        (_("Ladevorgänge"), [cell(report.charges)]),
        (_("Wartungen"), [cell(report.maintenance_count)]),
        (_("Wartungskosten (Euro)"), [cell(report.maintenance_cost, "dec2")]),
        (_("Erledigte Aufgaben im Quartier"), [cell(report.tasks_done)]),
        (_("Meldungen von Bewohner:innen eingegangen"), [cell(report.reports_received)]),
        (_("davon erledigt"), [cell(report.reports_done)]),
        (_("Median bis „erledigt“ (Tage)"), [cell(median, "dec1")]),
    ]
    return [
        Section("kennzahlen", _("Kennzahlen"), (_("Kennzahl"), _("Wert")), key_figures),
        Section(
            "fahrten", _("Fahrten nach Ergebnis"), (_("Ergebnis"), _("Fahrten")), outcome, chart_column=0
        ),
        Section(
            "fahrerinnen",
            _("Stunden je Fahrer:in (abgeschlossene Fahrten)"),
            (_("Fahrer:in"), _("Fahrten"), _("Stunden"), _("Kilometer")),
            [
                (
                    _person(p.name) if p.user_id else _("ohne Fahrer:in"),
                    [cell(p.count), cell(p.hours, "dec1"), cell(p.km, "dec1")],
                )
                for p in report.drivers
            ],
            chart_column=1,
            empty=_("Keine abgeschlossenen Fahrten in diesem Zeitraum."),
        ),  # fmt: skip
        Section(
            "hausmeister",
            _("Stunden je Quartiershausmeister:in (Tätigkeitsnachweise)"),
            (_("Person"), _("Einträge"), _("Stunden")),
            [(_person(p.name), [cell(p.count), cell(p.hours, "dec1")]) for p in report.caretakers],
            chart_column=1,
            empty=_("Keine Tätigkeitsnachweise in diesem Zeitraum."),
        ),
        Section(
            "rikschas",
            _("Nutzung je Rikscha"),
            (_("Rikscha"), _("Fahrten"), _("Stunden"), _("Kilometer"), _("Energie (kWh)"), _("Ladevorgänge")),
            [
                (
                    r.name if r.name is not None else _("ohne Rikscha"),
                    [
                        cell(r.rides),
                        cell(r.hours, "dec1"),
                        cell(r.km, "dec1"),
                        cell(r.kwh, "dec2"),
                        cell(r.charges),
                    ],
                )
                for r in report.rickshaws
            ],
            chart_column=1,
            empty=_("Keine Fahrten und keine Ladevorgänge in diesem Zeitraum."),
        ),  # fmt: skip
        Section(
            "wartung",
            _("Wartung nach Art"),
            (_("Art"), _("Anzahl"), _("Kosten (Euro)")),
            [
                (str(MAINTENANCE_LABELS.get(kind, kind)), [cell(count), cell(cost, "dec2")])
                for kind, count, cost in report.maintenance_by_kind
            ],
            empty=_("Keine Wartung in diesem Zeitraum."),
        ),
        Section(
            "aufgaben-revier",
            _("Erledigte Aufgaben je Revier"),
            (_("Revier"), _("Aufgaben")),
            [(name, [cell(count)]) for name, count in report.tasks_by_area],
            chart_column=0,
            empty=_("Keine erledigten Aufgaben in diesem Zeitraum."),
        ),
        Section(
            "aufgaben-kategorie",
            _("Erledigte Aufgaben je Kategorie"),
            (_("Kategorie"), _("Aufgaben")),
            [
                (str(CATEGORY_LABELS.get(code, code)), [cell(count)])
                for code, count in report.tasks_by_category
            ],
            chart_column=0,
            empty=_("Keine erledigten Aufgaben in diesem Zeitraum."),
        ),
    ]


def csv_text(report_sections: list[Section], period_label: str) -> str:
    """The whole report as CSV text (the caller encodes it as utf-8-sig)."""
    texts = NumberFormat(grouping=False)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Abschnitt"), _("Zeile"), _("Spalte"), _("Wert")])
    writer.writerow([_("Zeitraum"), "", "", period_label])
    for section in report_sections:
        for header, cells in section.rows:
            for column, cell in zip(section.columns[1:], cells, strict=True):
                value = "" if cell.value is None else texts(cell.value, cell.fmt)
                writer.writerow([section.title, header, column, value])
    return out.getvalue()


def volunteer_csv_text(name: str, months) -> str:
    """A volunteer statement's months as CSV: one line per month and a sum (the caller encodes it)."""
    texts = NumberFormat(grouping=False)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [_("Name"), _("Monat"), _("Fahrten"), _("Stunden Fahrdienst"), _("Einsätze"), _("Stunden im Quartier"),
         _("Stunden gesamt")]
    )  # fmt: skip

    def line(label, rides, ride_seconds, worklogs, work_minutes):
        hours = (ride_seconds + work_minutes * 60) / 3600
        writer.writerow(
            [name, label, rides, texts(ride_seconds / 3600, "dec1"), worklogs, texts(work_minutes / 60, "dec1"),
             texts(hours, "dec1")]
        )  # fmt: skip

    for m in months:
        line(period_label(m.month), m.rides, m.ride_seconds, m.worklogs, m.work_minutes)
    line(
        _("Summe"),
        sum(m.rides for m in months),
        sum(m.ride_seconds for m in months),
        sum(m.worklogs for m in months),
        sum(m.work_minutes for m in months),
    )
    return out.getvalue()


def period_label(period) -> str:
    """ "November 2026", "2. Quartal 2026", "2026" or "01.03.2026 – 15.04.2026" in the page's language."""
    if period.kind == "month":
        return format_date(period.first, "LLLL yyyy")
    if period.kind == "quarter":
        return _("%(n)s. Quartal %(year)s", n=period.quarter, year=period.first.year)
    if period.kind == "year":
        return str(period.first.year)
    return f"{format_date(period.first, 'dd.MM.yyyy')} – {format_date(period.last, 'dd.MM.yyyy')}"

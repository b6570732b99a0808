"""CSV exports open safely in a spreadsheet: a headline from an outside page is never run as a formula."""

import csv
import io

from distributor import report_posts
from distributor.csv_cells import cell


def test_a_cell_a_spreadsheet_would_run_is_written_as_text():
    assert cell('=HYPERLINK("https://evil.example","click")') == '\'=HYPERLINK("https://evil.example","click")'
    assert cell("+1 555") == "'+1 555"
    assert cell("-2+3") == "'-2+3"
    assert cell("@SUM(A1)") == "'@SUM(A1)"
    assert cell("Mayor says yes") == "Mayor says yes"
    assert cell(-5) == -5  # numbers stay numbers
    assert cell(None) == ""


def test_the_per_post_export_quotes_a_hostile_headline():
    fields = report_posts.FIELDS
    row = dict.fromkeys(fields)
    row.update(post_id=1, account="x-main", platform="twitter", headline="=cmd|' /C calc'!A0",
               text="Hello", sent_at="2026-12-01T10:00:00+00:00")
    lines = list(csv.reader(io.StringIO(report_posts.render_csv([row]))))
    headline = lines[1][fields.index("headline")]
    assert headline == "'=cmd|' /C calc'!A0"

"""The queue's plain table: columns line up on the terminal, cells printed as they are."""

from distributor.plain_table import render


def test_columns_line_up_with_wide_characters_and_cells_stay_verbatim():
    lines = render(("id", "text", "state"), [("1", "東京 [b]x[/b]", "queued"), ("22", "a\nb", "sent")]).splitlines()
    assert lines == [
        "id  text" + " " * 11 + "state",
        "--  " + "-" * 13 + "  ------",  # 東京 takes four columns: 13 in all
        "1   東京 [b]x[/b]  queued",
        "22  a b" + " " * 12 + "sent",
    ]

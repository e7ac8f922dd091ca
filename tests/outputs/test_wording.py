"""The Danish words and shapes shared by the CLI, the report and the digest."""

from __future__ import annotations

import pytest
from jinja2 import UndefinedError

from postbakke.outputs.wording import (
    describe_letter,
    format_table,
    kinds_da,
    percent_da,
    template_environment,
)


@pytest.mark.parametrize(("share", "decimals", "expected"), [
    (0.8532, 1, "85,3 %"),
    (0.85, 0, "85 %"),
    (1.0, 1, "100,0 %"),
    (0.0, 1, "0,0 %"),
    (None, 1, "–"),
])
def test_percent_has_a_decimal_comma(share, decimals, expected):
    assert percent_da(share, decimals) == expected, share


def test_table_pads_columns_to_their_widest_cell():
    assert format_table(["Afdeling", "Læk"], [("Jobcenter", 12), ("Løn", None)]) == [
        "Afdeling   Læk",
        "---------  ---",
        "Jobcenter  12",
        "Løn",
    ]


def test_empty_table_is_its_header():
    assert format_table(["Nr", "Fil"], []) == ["Nr  Fil", "--  ---"]


def test_kinds_shows_the_first_few_with_their_counts():
    ranked = [("Indkaldelse", 3), ("Afgørelse", 2), ("Partshøring", 1), ("Påbud", 1)]
    assert kinds_da(ranked) == "Indkaldelse (3), Afgørelse (2), Partshøring (1)"
    assert kinds_da(ranked, limit=1) == "Indkaldelse (3)"
    assert kinds_da([]) == ""


def test_letter_description_warns_of_a_cpr_in_the_window():
    assert describe_letter("leak", "enrolled", False) == (
        "læk (modtageren er tilmeldt Digital Post)")
    assert describe_letter("review", "ambiguous", True).endswith(
        " - OBS: CPR-nummer synligt i rudefeltet")


def test_templates_escape_html_but_not_plain_text():
    env = template_environment()
    name = "<b>Ib & Co</b>"
    assert env.from_string("{{ x }}").render(x=name) == "&lt;b&gt;Ib &amp; Co&lt;/b&gt;"
    assert callable(env.autoescape)
    assert env.autoescape("rapport.html.j2") is True
    assert env.autoescape("web/brev.html.j2") is True
    assert env.autoescape("digest.txt.j2") is False


def test_templates_refuse_an_unknown_variable():
    with pytest.raises(UndefinedError):
        template_environment().from_string("{{ missing }}").render()


def test_templates_have_the_danish_filters():
    env = template_environment()
    assert env.from_string("{{ 0.5 | pct }}").render() == "50,0 %"
    assert env.from_string("{{ 'enrolled' | reason_da }}").render() == (
        "modtageren er tilmeldt Digital Post")

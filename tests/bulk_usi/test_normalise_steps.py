"""Every normalisation step hands back the very column it was given when it changes nothing.

A step that returns a new but equal column makes the normaliser compare every cell to learn
that nothing changed (on a million identifiers, a pass per step); the column it returns must
also need nothing more from it (normalising twice changes nothing the second time).
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.bulk_usi.test_validation import BASE, client, with_document
from usikit.bulk_usi.validation import STEPS

MESSY = [
    client(),
    client(USI="bngh7c75fn", First_Name="  Mia  ", Family_Name="O\u2019Brien"),
    client(Date_of_Birth="2004-04-23", Gender="female", Country_of_Birth="New Zealand"),
    client(State="qld", Medicare_Card_Colour="green", Document_Expiry="1/2029"),
    client(Document_Number="2123 45670 1", USI_Permission="y", Email="'=mia@example.com"),
    client(Mobile_Phone="+61 (0)412 345 678", Home_Phone="0011 44 20 7946 0000"),
    client(**{"Town/City of Birth": "Zo\u0065\u0301 Town"}, Client_ID="S\u200d0001"),
    client(Gender="Q", Country_of_Birth="Atlantis", Date_of_Birth="31/31/31"),
    with_document("Driver Licence", **{"Document State": "nsw", "Document Number": "ab 123"}),
    with_document("Birth Certificate", **{"Document Date": "2004-4-30"}),
    with_document("Medicare", **{"Medicare Card Colour": "BLUE"}),
    with_document("Medicare", **{"Medicare Card Colour": "purple", "USI Permission": "maybe"}),
    client(State="California", USI_Permission="No"),
]
CELLS = [(step, column) for step in STEPS for column in step.columns if column in BASE]


@pytest.mark.parametrize(("step", "column"), CELLS, ids=[f"{c}: {s.reason}" for s, c in CELLS])
def test_a_step_returns_the_column_it_has_already_normalised_as_it_is(step, column):
    values = pd.DataFrame(MESSY)[column].astype("str")
    once = step.apply(values)
    assert step.apply(once) is once

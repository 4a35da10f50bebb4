"""The screens the app offers, in the order of its tabs after the start screen.

Adding a screen to the app is one line here: the screen's class says its tab's name, what
the officer does there and its notebook (`Screen.tab`, `Screen.what`, `Screen.notebook`);
the start screen lists it and the app gives it a tab.
"""

from __future__ import annotations

from usikit.ui.audit import AuditScreen
from usikit.ui.batch import BatchScreen
from usikit.ui.regcert_export import RegcertExportScreen
from usikit.ui.regcert_import import RegcertImportScreen
from usikit.ui.regcert_learners import RegcertLearnersScreen
from usikit.ui.results import ResultsScreen
from usikit.ui.screen import Screen
from usikit.ui.verify import VerifyScreen

SCREENS: tuple[type[Screen], ...] = (
    BatchScreen,
    ResultsScreen,
    VerifyScreen,
    RegcertLearnersScreen,
    RegcertImportScreen,
    RegcertExportScreen,
    AuditScreen,
)

"""Point-and-click screens for data officers: one app with every screen as a tab (`App`,
served by `usikit app` and shown by the start notebook), or one screen at a time in
JupyterLab's notebooks.

Each screen is a small class over the library: `BatchScreen()` in a notebook cell shows it.
"""

from usikit.ui import catalogue
from usikit.ui.app import App
from usikit.ui.audit import AuditScreen
from usikit.ui.batch import BatchScreen
from usikit.ui.regcert_export import RegcertExportScreen
from usikit.ui.regcert_import import RegcertImportScreen
from usikit.ui.regcert_learners import RegcertLearnersScreen
from usikit.ui.results import ResultsScreen
from usikit.ui.start import StartScreen
from usikit.ui.verify import VerifyScreen

__all__ = [
    "App",
    "AuditScreen",
    "BatchScreen",
    "RegcertExportScreen",
    "RegcertImportScreen",
    "RegcertLearnersScreen",
    "ResultsScreen",
    "StartScreen",
    "VerifyScreen",
    "catalogue",
]

"""Point-and-click screens for data officers, shown by the notebooks in JupyterLab or Voila.

Each screen is a small class over the library: `BatchScreen()` in a notebook cell shows it.
"""

from usikit.ui.audit import AuditScreen
from usikit.ui.batch import BatchScreen
from usikit.ui.regcert_export import RegcertExportScreen
from usikit.ui.regcert_import import RegcertImportScreen
from usikit.ui.results import ResultsScreen
from usikit.ui.start import StartScreen

__all__ = [
    "AuditScreen",
    "BatchScreen",
    "RegcertExportScreen",
    "RegcertImportScreen",
    "ResultsScreen",
    "StartScreen",
]

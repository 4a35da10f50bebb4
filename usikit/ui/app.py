"""The one app officers use: every screen a tab of one page, in one kernel.

`usikit app` serves it (Voila, code hidden) and the start notebook shows it in JupyterLab.
The start screen opens at once; each other screen is built the first time its tab is chosen
(so the app starts quickly) and reads again what the other screens may have changed each
time its tab comes to the front (a batch submitted shows on the results screen, a file
imported on the register screen). The screens are listed in `usikit.ui.catalogue`.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from usikit.ui import catalogue
from usikit.ui.screen import Screen
from usikit.ui.start import StartScreen

LOADING = "<div style='color:#666;margin:10px'>Opening…</div>"


class App:
    """The start screen and the catalogue's screens as tabs; `screen(Kind)` is one of them."""

    def __init__(self, workspace: str | Path | None = None, **options: Any) -> None:
        """`workspace` and `options` (registry, delay, org_code, page_size, ...) go to each
        screen that takes them, as a screen's own arguments would."""
        self.workspace, self.options = workspace, options
        self.kinds: tuple[type[Screen], ...] = (StartScreen, *catalogue.SCREENS)
        self.screens: dict[type[Screen], Screen] = {}
        self.holders = [widgets.VBox([widgets.HTML(LOADING)]) for _ in self.kinds]
        self.tabs = widgets.Tab(children=self.holders, titles=[kind.tab for kind in self.kinds])
        self.tabs.observe(self._chosen, "selected_index")
        self.widget = widgets.VBox([self.tabs], layout=widgets.Layout(width="100%"))
        self.screen(StartScreen)
        self.tabs.selected_index = 0

    def screen(self, kind: type[Screen]) -> Screen:
        """The app's screen of that class, built the first time it is asked for."""
        if kind not in self.screens:
            made = self._make(kind)
            made.navigate = self.open
            self.screens[kind] = made
            self.holders[self.kinds.index(kind)].children = (made.widget,)
        return self.screens[kind]

    def open(self, kind: type[Screen]) -> None:
        """Bring a screen to the front (its tab chosen, as a click on it does)."""
        self.tabs.selected_index = self.kinds.index(kind)

    @property
    def current(self) -> Screen:
        index = self.tabs.selected_index or 0
        return self.screen(self.kinds[index])

    def _chosen(self, change: dict[str, Any]) -> None:
        index = change["new"]
        if index is None:
            return
        kind = self.kinds[index]
        if kind in self.screens:
            self.screens[kind].shown()
        else:
            self.screen(kind)

    def _make(self, kind: type[Screen]) -> Screen:
        accepted = inspect.signature(kind.__init__).parameters
        given = {name: value for name, value in self.options.items() if name in accepted}
        if kind is StartScreen:
            given["navigate"] = self.open
        return kind(self.workspace, **given)

    def status_line(self) -> str:
        """The tabs, and what the one in front shows, for a notebook's plain-text output."""
        tabs = ", ".join(kind.tab for kind in self.kinds)
        return f"tabs {tabs}. {self.current.tab}: {self.current.status_line()}".strip()

    def close(self) -> None:
        """Let go of every screen's workspace."""
        for made in self.screens.values():
            made.close()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data["text/plain"] = f"usikit: {self.status_line()}"
        return bundle

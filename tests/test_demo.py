"""`usikit demo` prepares the notebooks' folder: sample files and a workspace."""

from __future__ import annotations

from sqlalchemy import func, select

from usikit.bulk_usi.tables import clients
from usikit.cli import main
from usikit.regcert.tables import learners
from usikit.workspace import open_workspace


def test_demo_folder_has_files_and_a_workspace_and_is_kept_on_rerun(tmp_path, capsys):
    folder = tmp_path / "demo"
    assert main(["demo", "--into", str(folder)]) == 0
    assert (folder / "clients_demo.xlsx").exists()
    assert (folder / "regcert_register.xlsx").exists()
    assert (folder / "regcert_import_first.csv").exists()
    workspace = open_workspace(str(folder / "usikit.db"))
    with workspace.begin() as connection:
        assert connection.execute(select(func.count()).select_from(clients)).scalar() == 38
        assert connection.execute(select(func.count()).select_from(learners)).scalar() == 200
        connection.execute(clients.update().values(email="kept@example.com"))
    assert main(["demo", "--into", str(folder)]) == 0
    with workspace.begin() as connection:
        emails = set(connection.execute(select(clients.c.email)).scalars())
    assert emails == {"kept@example.com"}
    assert "usikit.db" in capsys.readouterr().out


def test_demo_refuses_a_file_in_the_way(tmp_path, capsys):
    blocker = tmp_path / "demo"
    blocker.write_text("not a folder")
    assert main(["demo", "--into", str(blocker)]) == 2
    assert "is not a folder" in capsys.readouterr().err

"""The next steps of usikit's messages, as the command line words them: the command to run."""

from __future__ import annotations

from usikit.errors import Do, NextStep
from usikit.outcomes import Wording


def _grant(next_step: NextStep) -> str:
    roles = next_step["roles"].split()
    if len(roles) == 1:
        return f"ask your administrator to grant it (usikit roles grant YOUR_USER {roles[0]})"
    return "ask your administrator to grant them (usikit roles grant YOUR_USER ROLE, for each)"


def _raise_limit(next_step: NextStep) -> str:
    limit, value = next_step["limit"], next_step["value"]
    if limit == "bytes":
        return f"split the file, or raise the limit (--max-bytes {value})"
    return f"split the file, or raise the limit (--limit {limit}={value}, or USIKIT_LIMITS)"


CLI_WORDING: Wording = {
    Do.TRY_AGAIN_LATER: "nothing was half-done: run the same command again later",
    Do.FIX_OR_REMOVE_RECORDS: "fix them (usikit batch edit) or remove them (usikit batch remove)",
    Do.RETRIEVE_BATCH: "retrieve its results later (usikit batch retrieve {batch})",
    Do.LIST_BATCHES: "`usikit batch list --all` shows them",
    Do.CORRECT_USI: "if the file is right: usikit batch edit {client} USI={usi}",
    Do.USE_SENT_REGISTRY: "give the registry it was sent to (--registry) to finish sending it "
    "or to retrieve its results",
    Do.SUBMIT_AGAIN: "submit again (usikit batch submit)",
    Do.ASK_FOR_ROLE: _grant,
    Do.ASK_FOR_ROLES_SETUP: "the workspace's grants are out of date (usikit was upgraded); ask "
    "your administrator to run `usikit roles setup`",
    Do.CREATE_DATABASE_USER: "create the database user first, and run `usikit roles setup` as "
    "the owner",
    Do.IMPORT_CLIENTS: "import clients first to create it (usikit clients import FILE)",
    Do.LOAD_LEARNERS: "load learners first with `usikit regcert learners import FILE --apply` "
    "(or give --workspace)",
    Do.PREPARE_WORKSPACE: "prepare the demo with `usikit demo --into demo`, or give --workspace",
    Do.CHOOSE_SHEET: "if the clients are on another sheet, choose it with --sheet NAME; else "
    "start from the client template (usikit template clients)",
    Do.START_FROM_TEMPLATE: "start from the client template (usikit template clients)",
    Do.IMPORT_UNMASKED: "import the original file, or an export made with --show-sensitive",
    Do.USE_UNMASKED: "use the original file, or an export made with --show-sensitive",
    Do.ALLOW_TEMPORARY_ULN: "allow temporary ULNs (--allow-temporary-uln)",
    Do.CHECK_SEPARATOR: "check the separator (--sep) and that the first row is the header",
    Do.RAISE_LIMIT: _raise_limit,
    Do.RECORD_PERMISSION: "fill USI Permission (Yes) and Privacy Notice Date (usikit batch edit "
    'CLIENT_ID "USI Permission=Yes" "Privacy Notice Date=DD/MM/YYYY"), or, if your '
    "organisation records permission in its student system, add --permission-recorded-elsewhere",
    Do.FIX_CLIENT: "correct them (usikit batch edit {client} FIELD=VALUE), then run the command "
    "again",
    Do.REMOVE_FROM_BATCH: "take it out of the open batch first (usikit batch remove {client})",
    Do.FINISH_CREATE: "finish it with `usikit create {client}`: the same request is sent, so "
    "nothing is created twice",
    Do.CHOOSE_EVIDENCE_TYPE: "`usikit registry lists` shows the registry's evidence types; give "
    "one's id or name (--non-dvs-type)",
}

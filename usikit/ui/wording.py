"""The next steps of usikit's messages, as the screens word them: the button or screen to use,
never a command to type."""

from __future__ import annotations

from usikit.errors import Do
from usikit.outcomes import Wording

SCREEN_WORDING: Wording = {
    Do.TRY_AGAIN_LATER: "nothing was half-done: try again in a few minutes",
    Do.FIX_OR_REMOVE_RECORDS: "select them (Select the red records), then fix them (Edit client "
    "details, Edit identity document) or take them out (Remove from the batch)",
    Do.RETRIEVE_BATCH: "retrieve its results later on the Retrieve USI results screen",
    Do.LIST_BATCHES: "the Retrieve USI results screen lists the batches",
    Do.CORRECT_USI: "if the file is right, select client {client} in the grid and change its "
    "USI to {usi} with Edit client details",
    Do.USE_SENT_REGISTRY: "open this screen with the registry it was sent to ({registry}: set "
    "USIKIT_REGISTRY to it) to finish sending it or to retrieve its results",
    Do.SUBMIT_AGAIN: "click Submit to the registry again",
    Do.ASK_FOR_ROLE: "ask your administrator to grant {them}",
    Do.ASK_FOR_ROLES_SETUP: "the workspace's grants are out of date (usikit was upgraded); ask "
    "your administrator to set up the roles again",
    Do.CREATE_DATABASE_USER: "ask your administrator to create your database user and set up "
    "the roles",
    Do.IMPORT_CLIENTS: "load a client spreadsheet on the Create USIs screen to start one",
    Do.LOAD_LEARNERS: "load the learner file into the register first, on the Learners screen",
    Do.PREPARE_WORKSPACE: "load a client spreadsheet (Create USIs) or a learner file (Learners) "
    "to start one; if you meant another workspace, ask your administrator which one to use",
    Do.CHOOSE_SHEET: "if the records are on another sheet, save that sheet as a file of its "
    "own and load it; else start from the client template",
    Do.START_FROM_TEMPLATE: "start from the client template",
    Do.IMPORT_UNMASKED: "load the original file, or an export made with personal data shown",
    Do.USE_UNMASKED: "load the original file, or an export made with personal data shown",
    Do.ALLOW_TEMPORARY_ULN: "tick 'accept the temporary ULN 9999999999'",
    Do.CHECK_SEPARATOR: "check the Separator and that the first row is the header",
    Do.RAISE_LIMIT: "split the file into smaller files, or ask your administrator to raise the "
    "limit (the USIKIT_LIMITS setting: {limit}={value})",
    Do.RECORD_PERMISSION: "fill USI Permission (Yes) and Privacy Notice Date with Edit client "
    "details, or, if your organisation records permission in its student system, have "
    "USIKIT_PERMISSION_RECORDED_ELSEWHERE set to yes and open the screen again",
    Do.FIX_CLIENT: "correct client {client}'s details with Edit client details on the Create "
    "USIs screen, then try again",
    Do.REMOVE_FROM_BATCH: "take client {client} out of the batch first (Remove from the batch, "
    "on the Create USIs screen)",
    Do.FINISH_CREATE: "create client {client}'s USI again: the same request is sent, so "
    "nothing is created twice",
    Do.CHOOSE_EVIDENCE_TYPE: "choose one of the registry's evidence types",
}

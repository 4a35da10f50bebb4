"""Registration & Certification layouts, declared once: import, export and learner files.

The import and export columns follow the learner management system's documentation (seed
001) to the letter, names and order included: awarding organisations and the people who
prepare these files know them by those names. Former names are accepted as aliases.
"""

from __future__ import annotations

from usikit.rules.engine import Field

# The eight statuses, spelt as in the seed.
NOT_REGISTERED = "Not registered"
STATUSES: tuple[str, ...] = (
    NOT_REGISTERED,
    "Registered",
    "Achieved",
    "Certificate Claimed",
    "Certificate Received",
    "Certificate Sent",
    "Exempt",
    "Registration Not Required",
)
# Policy: these statuses only make sense once the awarding organisation has given the
# learner a registration number; without one, an import keeps the record's previous status.
NEEDS_REGISTRATION_NUMBER: frozenset[str] = frozenset(
    ("Registered", "Achieved", "Certificate Claimed", "Certificate Received", "Certificate Sent")
)
NEW_RECORD_STATUS = NOT_REGISTERED  # the "previous" status of a record an import creates
TEXT_LENGTH = 128  # every text column of the import holds at most this many characters

QUALIFICATION_NUMBER, ULN, STATUS = "Qualification Number", "ULN", "Status"
REGISTRATION_NUMBER = "Registration number"
REGISTRATION_DATE = "Registration date"
CLAIMED_DATE = "Certificate claimed date"
ACHIEVED_DATE = "Achieved date"
RECEIVED_DATE = "Certificate received Date"
SENT_DATE = "Certificate Sent Date"
POSTAL_REFERENCE = "Postal Tracking Reference"

IMPORT_FIELDS: tuple[Field, ...] = (
    Field(
        QUALIFICATION_NUMBER,
        required=True,
        aliases=("Aim ref number", "Aim reference", "Learning Aim Reference"),
        description="Mandatory. The Ofqual qualification number (603/1234/5) or the 8-character "
        "learning aim reference (6031234X, ZPROG001); both spellings find the same "
        "qualification.",
        example="603/1234/5",
    ),
    Field(
        ULN,
        required=True,
        aliases=("Unique Learner Number",),
        description="Mandatory. The learner's 10-digit Unique Learner Number, with a valid "
        "check digit; the learner must be in the register, enrolled on the qualification.",
        example="1000000043",
    ),
    Field(
        STATUS,
        required=True,
        description="Mandatory. One of: " + ", ".join(STATUSES) + ". Registered, Achieved "
        "and the Certificate statuses need a registration number.",
        example="Registered",
    ),
    Field(
        REGISTRATION_NUMBER,
        required=True,
        aliases=("Registration No", "Registration No."),
        description="The awarding organisation's registration number, up to 128 characters. "
        "Once a record has one, it is matched by it; an empty cell never removes it.",
        example="RN12345678",
    ),
    Field(
        REGISTRATION_DATE,
        required=True,
        aliases=("Registered Date",),
        description="dd/mm/yyyy.",
        example="15/09/2025",
    ),
    Field(CLAIMED_DATE, required=True, description="dd/mm/yyyy.", example="02/06/2026"),
    Field(ACHIEVED_DATE, required=True, description="dd/mm/yyyy.", example="28/05/2026"),
    Field(RECEIVED_DATE, required=True, description="dd/mm/yyyy.", example="20/06/2026"),
    Field(SENT_DATE, required=True, description="dd/mm/yyyy.", example="24/06/2026"),
    Field(
        POSTAL_REFERENCE,
        required=True,
        aliases=("Tracking Reference", "Postal Reference"),
        description="Up to 128 characters.",
        example="RM123456785GB",
    ),
)
IMPORT_COLUMNS: tuple[str, ...] = tuple(f.name for f in IMPORT_FIELDS)
DATE_COLUMNS: tuple[str, ...] = (
    REGISTRATION_DATE,
    CLAIMED_DATE,
    ACHIEVED_DATE,
    RECEIVED_DATE,
    SENT_DATE,
)
TEXT_COLUMNS: tuple[str, ...] = (REGISTRATION_NUMBER, POSTAL_REFERENCE)
# The order the dates of one record should follow; an earlier-named date that falls after a
# later one is a warning (registered, then achieved, then the certificate claimed, received
# from the awarding organisation and sent to the learner).
DATE_ORDER: tuple[str, ...] = (
    REGISTRATION_DATE,
    ACHIEVED_DATE,
    CLAIMED_DATE,
    RECEIVED_DATE,
    SENT_DATE,
)

# The export: the seed's 32 columns in its order, current names; former names as aliases.
EXPORT_FIELDS: tuple[Field, ...] = (
    Field("Title"),
    Field("First Name"),
    Field("Last Name"),
    Field("Full Name", description="First Name and Last Name, joined by a space."),
    Field("Address Line 1"),
    Field("Address Line 2"),
    Field("Address Town/City"),
    Field("County"),
    Field("Post Code"),
    Field("Country"),
    Field(
        "Date of Birth",
        sensitive=True,
        description="Masked in reports and exports unless shown on purpose.",
    ),
    Field("Gender"),
    Field("Email address"),
    Field("Ethnicity"),
    Field("Start Date"),
    Field("Planned Achievement Date", aliases=("Completion date",)),
    Field("Primary Tutor"),
    Field("Employer"),
    Field("ULN"),
    Field("Programme Name"),
    Field("Qualification Name", aliases=("Qualification",)),
    Field("Qualification number", aliases=("Aim ref number",)),
    Field("Awarding Organisation", aliases=("Awarding body",)),
    Field("Status"),
    Field("Registration number"),
    Field("Registered Date"),
    Field("Certificate Received Date"),
    Field("Certificate Claimed Date"),
    Field("Achieved Date"),
    Field("Certificate Sent Date"),
    Field("Postal Tracking Reference"),
    Field("QA Verified", description="Yes or No: the learner's ILR status is QA Verified."),
)
EXPORT_COLUMNS: tuple[str, ...] = tuple(f.name for f in EXPORT_FIELDS)

# The learner file (`usikit regcert learners import`): one row per learner and qualification,
# in the export's names and order, so that an export can be read back as a learner file.
LEARNER_FIELDS: tuple[Field, ...] = (
    Field("Title", aliases=("Salutation",), description="Optional.", example="Ms"),
    Field(
        "First Name",
        required=True,
        aliases=("Forename", "Forenames", "Given Name", "Given Names", "Firstname"),
        description="Letters, spaces, apostrophes and hyphens; up to 128 characters.",
        example="Amelia",
    ),
    Field(
        "Last Name",
        required=True,
        aliases=("Surname", "Family Name", "Lastname"),
        description="Letters, spaces, apostrophes and hyphens; up to 128 characters.",
        example="Clarke",
    ),
    Field(
        "Address Line 1",
        aliases=("Address 1", "Address"),
        description="Optional; up to 128 characters (as every text column).",
        example="12 Mill Lane",
    ),
    Field("Address Line 2", aliases=("Address 2",), description="Optional.", example="Flat 3"),
    Field(
        "Address Town/City",
        aliases=("Town/City", "Town", "City"),
        description="Optional.",
        example="Leeds",
    ),
    Field("County", description="Optional.", example="West Yorkshire"),
    Field(
        "Post Code",
        aliases=("Postcode", "Postal Code"),
        description="A UK postcode such as LS1 4AP (anything else is a warning for an "
        "address in the UK).",
        example="LS1 4AP",
    ),
    Field("Country", description="Optional; empty means the United Kingdom.", example="England"),
    Field(
        "Date of Birth",
        required=True,
        sensitive=True,
        aliases=("DOB", "Birth Date", "Birthdate"),
        description="dd/mm/yyyy; not in the future, not more than 120 years ago.",
        example="14/03/2007",
    ),
    Field(
        "Gender", aliases=("Sex",), description="Optional; as your records hold it.", example="F"
    ),
    Field(
        "Email address",
        aliases=("Email", "E-mail", "E-mail Address"),
        description="Optional; name@example.com.",
        example="amelia.clarke@example.com",
    ),
    Field("Ethnicity", description="Optional; as your records hold it.", example="White British"),
    Field(
        "Start Date",
        aliases=("Programme Start Date",),
        description="Programme start, dd/mm/yyyy.",
        example="01/09/2025",
    ),
    Field(
        "Planned Achievement Date",
        aliases=("Completion date", "Planned End Date"),
        description="Planned end of the programme, dd/mm/yyyy (former name: Completion date).",
        example="31/07/2026",
    ),
    Field("Primary Tutor", aliases=("Tutor",), description="Optional.", example="Jordan Patel"),
    Field("Employer", description="Optional.", example="Pennine Precision Ltd"),
    Field(
        "ULN",
        required=True,
        aliases=("Unique Learner Number",),
        description="10 digits with a valid check digit; one learner per ULN.",
        example="1000000043",
    ),
    Field(
        "Programme Name",
        required=True,
        aliases=("Programme",),
        description="The learner's programme; the same learner and programme name on "
        "several rows must give the same programme details.",
        example="Engineering Technician (Level 3)",
    ),
    Field(
        "Qualification Name",
        required=True,
        aliases=("Qualification",),
        description="Former name: Qualification.",
        example="Level 3 Diploma in Engineering Technology",
    ),
    Field(
        "Qualification number",
        required=True,
        aliases=("Aim ref number", "Learning Aim Reference"),
        description="Ofqual number (603/1234/5) or 8-character aim reference (former name: "
        "Aim ref number).",
        example="603/1234/5",
    ),
    Field(
        "Awarding Organisation",
        aliases=("Awarding body", "AO"),
        description="Empty for a non-regulated aim such as ZPROG001 (former name: Awarding body).",
        example="Northfield Awards",
    ),
    Field(
        "QA Verified",
        aliases=("QA",),
        description="Yes or No (empty means No): the learner's ILR status is QA Verified.",
        example="No",
    ),
)
LEARNER_COLUMNS: tuple[str, ...] = tuple(f.name for f in LEARNER_FIELDS)
# Which learner-file columns describe the learner, the programme and the qualification.
PERSON_COLUMNS: tuple[str, ...] = (
    "Title", "First Name", "Last Name", "Address Line 1", "Address Line 2", "Address Town/City",
    "County", "Post Code", "Country", "Date of Birth", "Gender", "Email address", "Ethnicity",
)  # fmt: skip
PROGRAMME_COLUMNS: tuple[str, ...] = (
    "Start Date",
    "Planned Achievement Date",
    "Primary Tutor",
    "Employer",
)
QUALIFICATION_COLUMNS: tuple[str, ...] = ("Qualification Name", "Awarding Organisation")
YES, NO = "Yes", "No"

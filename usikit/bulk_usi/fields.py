"""The client template: its columns in order, with the data dictionary shown to users."""

from __future__ import annotations

from usikit.rules.engine import Field

CLIENT_FIELDS: tuple[Field, ...] = (
    Field(
        "Client ID",
        required=True,
        aliases=("Student ID", "Student Number", "Learner ID", "Client Identifier", "ID"),
        description="Your organisation's identifier for the student; results are matched "
        "back by it. Up to 20 characters (the registry's application id); unique in the file.",
        example="S000123",
    ),
    Field(
        "USI",
        aliases=("Unique Student Identifier", "USI Number"),
        description="The student's USI if they already have one; leave empty to create one. "
        "INTOFF and INDIV (AVETMISS exemption codes) are kept and never submitted.",
        example="BNGH7C75FN",
    ),
    Field(
        "First Name",
        aliases=("Given Name", "Given Names", "Forename", "First Given Name", "Firstname"),
        description="As on the identity document. Up to 40 characters. Leave empty for a "
        "person with one name (use Single Name).",
        example="Mia",
    ),
    Field(
        "Middle Name",
        aliases=("Middle Names", "Other Given Names", "Second Given Name"),
        description="Optional; up to 80 characters.",
        example="Rose",
    ),
    Field(
        "Family Name",
        aliases=("Surname", "Last Name", "Lastname", "Family"),
        description="As on the identity document. Up to 40 characters.",
        example="Nguyen",
    ),
    Field(
        "Single Name",
        aliases=("Mononym", "One Name"),
        description="Only for a person with one name; then First, Middle and Family Name "
        "stay empty. Up to 40 characters.",
        example="Sukarno",
    ),
    Field(
        "Date of Birth",
        required=True,
        sensitive=True,
        aliases=("DOB", "Birth Date", "Birthdate", "Date Born"),
        description="dd/mm/yyyy (yyyy-mm-dd and Excel dates are accepted). Not in the future, "
        "not more than 120 years ago; under 10 years old is a warning.",
        example="23/04/2004",
    ),
    Field(
        "Gender",
        required=True,
        aliases=("Sex",),
        description="M, F or X (Male, Female and Other are turned into M, F and X).",
        example="F",
    ),
    Field(
        "Town/City of Birth",
        required=True,
        aliases=("Town of Birth", "City of Birth", "Place of Birth", "Birth Town", "Birthplace"),
        description="Up to 50 characters.",
        example="Cairns",
    ),
    Field(
        "Country of Birth",
        required=True,
        aliases=("Birth Country", "Country Born", "Country of Birth Code"),
        description="A 4-digit SACC code (Australia 1101) or a country name.",
        example="1101",
    ),
    Field(
        "Country of Residence",
        required=True,
        aliases=("Residence Country", "Country", "Country of Residence Code"),
        description="A 4-digit SACC code or a country name. Australia (1101) means the "
        "address is checked as an Australian address.",
        example="Australia",
    ),
    Field(
        "Email",
        aliases=("Email Address", "E-mail", "E-mail Address"),
        description="Optional; up to 254 characters.",
        example="mia.nguyen@example.com",
    ),
    Field(
        "Home Phone",
        aliases=("Phone", "Telephone", "Home Phone Number", "Phone Home", "Landline"),
        description="Optional; an Australian number (spaces and +61 allowed) or an "
        "international number starting with +. Up to 20 characters.",
        example="07 4051 2345",
    ),
    Field(
        "Mobile Phone",
        aliases=("Mobile", "Mobile Number", "Cell", "Cell Phone", "Mobile Phone Number"),
        description="Optional; as Home Phone.",
        example="0412 345 678",
    ),
    Field(
        "Address Line 1",
        aliases=("Address 1", "Address", "Street Address", "Street"),
        description="Optional; if any address column is filled for an Australian resident, "
        "Address Line 1, Suburb/Town/City, State and Postcode are needed. Up to 50 characters.",
        example="12 Esplanade",
    ),
    Field(
        "Address Line 2",
        aliases=("Address 2",),
        description="Optional; up to 50 characters.",
        example="Unit 4",
    ),
    Field(
        "Suburb/Town/City",
        aliases=("Suburb", "Town", "City", "Locality", "Town/City"),
        description="Up to 50 characters.",
        example="Cairns",
    ),
    Field(
        "State",
        aliases=("State/Territory", "Territory", "State Code"),
        description="NSW, VIC, QLD, SA, WA, TAS, NT or ACT (for an Australian address).",
        example="QLD",
    ),
    Field(
        "Postcode",
        aliases=("Post Code", "Postal Code", "ZIP", "Zip Code"),
        description="4 digits, leading zero kept (NT postcodes start with 0: format the "
        "column as Text in Excel).",
        example="4870",
    ),
    Field(
        "Document Type",
        aliases=("ID Type", "Identity Document", "Document", "ID Document Type"),
        description="The identity document to verify: Driver Licence, Medicare, Australian "
        "Passport, Visa (non-Australian passport), Birth Certificate, Citizenship "
        "Certificate, Descent Certificate or ImmiCard. Empty for no document (non-DVS).",
        example="Medicare",
    ),
    Field(
        "Document Number",
        sensitive=True,
        aliases=("ID Number", "Document No", "Document No."),
        description="Licence number, Medicare card number (10 digits), passport number, "
        "birth registration number, citizenship stock number or ImmiCard number.",
        example="2123456701",
    ),
    Field(
        "Document State",
        aliases=("Issuing State", "Licence State", "Registration State"),
        description="State that issued a driver licence or registered a birth.",
        example="NSW",
    ),
    Field(
        "Document Card Number",
        sensitive=True,
        aliases=("Card Number", "Certificate Number", "Licence Card Number"),
        description="Driver licence card number, or birth certificate number.",
        example="P1234567",
    ),
    Field(
        "Document Date",
        aliases=("Registration Date", "Acquisition Date"),
        description="Birth registration date, or the citizenship acquisition date "
        "(citizenship and descent certificates). dd/mm/yyyy.",
        example="15/06/2004",
        sensitive=True,  # a birth's registration date gives the date of birth away
    ),
    Field(
        "Document Expiry",
        aliases=("Expiry", "Expiry Date", "Card Expiry"),
        description="Medicare card expiry: mm/yyyy for a green card, dd/mm/yyyy for blue "
        "and yellow cards.",
        example="11/2029",
    ),
    Field(
        "Medicare IRN",
        aliases=("IRN", "Individual Reference Number", "Medicare Reference Number"),
        description="The number (1-9) next to the student's name on the Medicare card.",
        example="1",
    ),
    Field(
        "Medicare Card Colour",
        aliases=("Card Colour", "Card Color", "Medicare Card Color"),
        description="Green, Blue or Yellow.",
        example="Green",
    ),
    Field(
        "Name on Document",
        aliases=("Name on Card", "Name as on Card"),
        description="The student's name exactly as printed on the Medicare card (split over "
        "up to four card lines of 27, 25, 23 and 21 characters).",
        example="MIA R NGUYEN",
    ),
    Field(
        "Date Printed",
        aliases=("Printed Date", "Certificate Date Printed"),
        description="Birth certificate print date (needed for ACT and SA certificates).",
        example="02/07/2004",
    ),
    Field(
        "USI Permission",
        aliases=(
            "Permission",
            "Student Permission",
            "USI Consent",
            "Consent",
            "Permission to Apply",
        ),
        description="Yes when the student gave your organisation permission to apply for a "
        "USI, or to find their USI, on their behalf (the registry's terms need it); No or "
        "empty otherwise. Needed to create or find a USI, unless your organisation records "
        "permission in its student system.",
        example="Yes",
    ),
    Field(
        "Privacy Notice Date",
        aliases=("Privacy Notice Given", "Privacy Notice", "Date Privacy Notice Given"),
        description="dd/mm/yyyy: the day the student was given the USI Registrar's privacy "
        "notice. Needed with USI Permission.",
        example="03/02/2026",
    ),
)

CLIENT_COLUMNS: tuple[str, ...] = tuple(f.name for f in CLIENT_FIELDS)
NAME_COLUMN_SETS = (("First Name", "Family Name"), ("Single Name",))
PERMISSION_COLUMNS = ("USI Permission", "Privacy Notice Date")  # what the registry's terms need

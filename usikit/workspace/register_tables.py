"""Registration & Certification tables: learners, programmes, qualifications, registrations."""

"""Identifier checks shared by the Australian (USI) and English (R&C) workflows."""

from usikit.identifiers import medicare, qualification, uln, usi

__all__ = ["medicare", "qualification", "uln", "usi"]

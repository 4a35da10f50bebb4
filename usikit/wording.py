"""Counts as people write them: "1 record", "2 records", "1,250 people"."""

from __future__ import annotations


def counted(number: int, noun: str, plural: str = "") -> str:
    """`number` with `noun`, or its plural (`noun` + "s" unless given), thousands grouped."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"

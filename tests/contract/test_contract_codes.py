"""The seed's code tables against errors.py: every class carrying a seed code says the seed's
text verbatim (markdown backticks aside, placeholders filled), in `errors[]` or, for the
warning table, in `warnings[]`."""

import re
from pathlib import Path

from capillary_emulator import errors

TABLES = Path(__file__).with_name("seed-codes.md")
NEWER_MEANINGS = {errors.PointsTransferNotAllowed818Error}
"""Classes that carry a seed code with the newer docs' meaning, behind an org key (listed in
docs/emulation-coverage.md)."""


def seed_texts() -> dict[tuple[str, int], str]:
    table, found = "error", {}
    for line in TABLES.read_text(encoding="utf-8").splitlines():
        if line.startswith("### Warning"):
            table = "warning"
        row = re.match(r"^(\d+)\s*\|\s*(.*)$", line.replace("\t", " "))
        if row:
            found[(table, int(row.group(1)))] = row.group(2).replace("`", "").strip()
    return found


def _classes() -> list[type[errors.CapillaryError]]:
    return [
        c
        for c in vars(errors).values()
        if isinstance(c, type)
        and issubclass(c, errors.CapillaryError)
        and not issubclass(c, errors.HttpError)
        and "code" in c.__dict__
    ]


def _filled(text: str) -> str:
    return re.sub(r"\{\w+\}", "{x}", text).replace("<X>", "{x}")


class TestSeedTexts:
    def test_every_seed_coded_class_says_the_seed_text(self):
        seed = seed_texts()
        checked = []
        for cls in _classes():
            table = "warning" if issubclass(cls, errors.CapillaryWarning) else "error"
            text = seed.get((table, cls.code))
            if text is None or cls in NEWER_MEANINGS:
                continue
            seed_text = _filled(text.split(", where x is")[0])
            # The seed's 412 lost a space to its markdown: "...TRANSFER`in the".
            seed_text = seed_text.replace("TRANSFERin", "TRANSFER in")
            assert _filled(cls.message) == seed_text, cls.__name__
            checked.append(cls.code)
        assert {807, 818, 889, 414, 415, 3802} <= set(checked)

    def test_807_fills_the_multiple(self):
        assert errors.PointsNotWholeError().text == (
            "Unable to redeem. Make sure that the points you are trying to redeem is a multiple "
            "of 1. Check the points redemption configuration of your organization."
        )

    def test_818_keeps_the_seed_meaning(self):
        assert errors.RedeemInsufficientPointsError().text == (
            "Current points are less than points requested for redemption."
        )
        assert errors.PointsTransferNotAllowedError.code != 818

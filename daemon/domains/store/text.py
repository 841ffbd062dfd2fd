"""The text a store agent is found by, words and meaning alike (the seed's build_searchable_text):
its name, sub-heading, description and categories, joined by single spaces."""

from collections.abc import Sequence


def searchable_text(name: str, sub_heading: str, description: str, categories: Sequence[str]) -> str:
    parts = [name, sub_heading, description, " ".join(categories)]
    return " ".join(part for part in parts if part)

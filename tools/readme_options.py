#!/usr/bin/env python3
"""The README's table of render settings, made from `RenderSettings`' own options (the words the
CLI's --help and the web page use), so the three texts cannot drift apart.

    python tools/readme_options.py          # print the table
    python tools/readme_options.py --write  # put it into README.md, between its two markers

`tests/test_settings_schema.py` checks that README.md holds what this prints.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

try:
    from talkinghead import settings
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    from talkinghead import settings

README = Path(__file__).resolve().parent.parent / "README.md"
BEGIN = "<!-- settings table: python tools/readme_options.py --write -->"
END = "<!-- end of settings table -->"


def settings_table() -> str:
    rows = ["| setting | default | meaning |", "|---|---|---|"]
    for setting in settings.option_fields():
        option = settings.option_of(setting)
        flag = option.flag(setting.name)
        if option.metavar and not option.range:
            flag += f" {option.metavar}"
        default = settings.default_text(setting)
        if settings.preset_sets(setting.name):
            default += ", or the preset's"
        meaning = option.help
        if option.choices and not meaning.startswith(f"{option.choices[0]}:"):
            meaning = ", ".join(f"`{c}`" for c in option.choices) + f": {meaning}"
        elif option.range:
            meaning = f"{option.metavar}: {meaning}"
        cells = (f"`{flag}`", default, meaning)
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows)


def with_table(readme: str) -> str:
    """The README text with the table between the markers replaced by the current one."""
    before, found, rest = readme.partition(BEGIN)
    _, found_end, after = rest.partition(END)
    if not (found and found_end):
        raise SystemExit(f"README.md lacks the markers {BEGIN!r} and {END!r}")
    return f"{before}{BEGIN}\n{settings_table()}\n{END}{after}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="update README.md in place")
    args = parser.parse_args()
    if args.write:
        README.write_text(with_table(README.read_text()))
    else:
        print(settings_table())
    return 0


if __name__ == "__main__":
    sys.exit(main())

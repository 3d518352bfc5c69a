"""Each setting's description, read from the comments of the documented config.yaml (the one place the
settings are explained), so the policy page and the file never disagree."""

from __future__ import annotations

import re
from pathlib import Path

DOCUMENTED_CONFIG = Path(__file__).resolve().parents[2] / "config.yaml"
_LINE = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z_][\w]*):(?P<rest>.*)$")


def read_descriptions(path: Path = DOCUMENTED_CONFIG) -> dict[str, str]:
    """Dotted key -> its comment: the comment on its line, or the comment lines just above a section."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    found: dict[str, str] = {}
    trail: list[tuple[int, str]] = []
    above: list[str] = []
    last_inline: str | None = None  # the key whose line ended with a comment: indented comments continue it
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("#"):
            if last_inline is not None and line.startswith(" "):
                found[last_inline] += " " + stripped.lstrip("# ")
            else:
                above.append(stripped.lstrip("# "))
            continue
        last_inline = None
        match = _LINE.match(line)
        if match is None:
            above = [] if not stripped else above
            continue
        indent = len(match["indent"])
        trail = [(i, k) for i, k in trail if i < indent] + [(indent, match["key"])]
        key = ".".join(k for _, k in trail)
        comment = match["rest"].split("  #", 1)[1].strip() if "  #" in match["rest"] else ""
        found[key] = comment or " ".join(above)
        last_inline = key if comment else None
        above = []
    return {key: text for key, text in found.items() if text}

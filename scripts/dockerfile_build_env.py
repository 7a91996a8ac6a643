"""What the Dockerfile's final stage runs ``collectstatic`` with: its ``ENV`` values plus the
throw-away values on the ``RUN ... collectstatic`` line, read from the Dockerfile itself so the
native check (scripts/docker_build_check.sh) cannot drift from the image.

    python scripts/dockerfile_build_env.py [Dockerfile]   # prints KEY=VALUE lines, then the command
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def _instructions(text: str) -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined."""
    joined = re.sub(r"\\\n", " ", text)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def collectstatic_step(dockerfile: Path) -> tuple[dict[str, str], list[str]]:
    """(environment, command) of the final stage's ``collectstatic`` RUN: the stage's ENV values
    overlaid with the RUN line's own ``KEY=value`` prefixes. Raises ``LookupError`` if the final
    stage has no such step."""
    instructions = _instructions(dockerfile.read_text())
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    env: dict[str, str] = {}
    for keyword, rest in instructions[last_from + 1 :]:
        if keyword == "ENV":
            env.update(token.split("=", 1) for token in shlex.split(rest))
        elif keyword == "RUN" and "collectstatic" in rest:
            tokens = shlex.split(rest)
            while tokens and _ASSIGNMENT.match(tokens[0]):
                key, value = tokens.pop(0).split("=", 1)
                env[key] = value
            return env, tokens
    raise LookupError(f"{dockerfile}: no collectstatic step in the final stage")


if __name__ == "__main__":
    environment, command = collectstatic_step(Path(sys.argv[1] if len(sys.argv) > 1 else "Dockerfile"))
    for key, value in environment.items():
        print(f"{key}={value}")
    print(shlex.join(command))

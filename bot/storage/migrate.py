"""Applying Alembic migrations from code: `quidprono db upgrade` and `run` use this."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config


def _project_root() -> Path:
    """Next to the package in a checkout; the working directory when installed (the Docker image)."""
    checkout = Path(__file__).resolve().parents[2]
    return checkout if (checkout / "migrations").is_dir() else Path.cwd()


def alembic_config(database_url: str) -> Config:
    root = _project_root()
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> list[str]:
    """Bring the schema up to `revision`; the revisions this call applied (none when another process had).

    Synchronous: call it outside a running event loop.
    """
    config = alembic_config(database_url)
    command.upgrade(config, revision)
    return list(config.attributes.get("applied", []))


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)

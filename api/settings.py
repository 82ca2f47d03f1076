"""Settings from the environment (documented in README.md, "Settings")."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.base import ServiceConfig


class Settings(BaseSettings):
    """Every knob of the API.  Environment variables are prefixed ``CUSTOMS_`` except
    ``MONGODB_URI``, the one variable partners know from every MongoDB tool."""

    model_config = SettingsConfigDict(env_prefix="CUSTOMS_", extra="ignore")

    mongodb_uri: str | None = Field(
        default=None,
        validation_alias=AliasChoices("MONGODB_URI", "CUSTOMS_MONGODB_URI"),
        description="MongoDB >= 7 replica set URI; unset = start the embedded SecantusDB.",
    )
    database: str = Field(default="customs", description="Database name.")
    data_dir: Path = Field(
        default=Path(".data/secantus"),
        description="Folder of the embedded database (ignored with MONGODB_URI).",
    )
    host: str = Field(default="127.0.0.1", description="Address the API listens on.")
    port: int = Field(default=8000, description="Port the API listens on.")
    log_level: str = Field(default="INFO", description="Python log level.")
    log_json: bool = Field(default=True, description="Log one JSON object per line.")
    allow_clock_header: bool = Field(
        default=False,
        description="Let the X-Customs-Now header set the moment of a request (test stands only).",
    )
    max_query_depth: int = Field(default=12, description="Deepest selection allowed.")
    max_aliases: int = Field(default=30, description="Most aliases allowed in one document.")
    graphiql: bool = Field(default=True, description="Serve the GraphiQL page at /graphiql/.")
    release_hours: int = Field(
        default=4,
        gt=0,
        description="Release term of a declaration in hours from registration (DESIGN).",
    )
    auto_mode_on_registration: bool = Field(
        default=False,
        description="Run the automatic mode (Order 1907 p.13) on every registered declaration.",
    )
    queue_license_writes: bool = Field(
        default=True,
        validation_alias=AliasChoices(
            "CUSTOMS_QUEUE_LICENCE_WRITES", "CUSTOMS_QUEUE_LICENSE_WRITES"
        ),
        description="Run one declaration operation per licence at a time in this process, the "
        "others waiting in line, rather than all at once conflicting in the database "
        "(bench/README.md); off only to test the database's own guards.",
    )
    db_timeout_ms: int = Field(
        default=10_000, description="Server selection and connect timeout, milliseconds."
    )
    permit_sequence_width: int = Field(
        default=4,
        ge=1,
        le=12,
        description="Minimum width of the sequence part of a permit number, zero-padded; "
        "longer numbers grow past it (Permit rules p.2, DESIGN 'Permit number').",
    )
    permit_max_term_months: int = Field(
        default=36,
        gt=0,
        description="Cap of a permit's processing term with all its extensions, in months "
        "(DESIGN 'Term'; the Customs Code's maximum is 36).",
    )

    def service_config(self) -> ServiceConfig:
        """The settings that shape the rules, as the services take them."""
        return ServiceConfig(
            release_hours=self.release_hours,
            permit_sequence_width=self.permit_sequence_width,
            permit_max_term_months=self.permit_max_term_months,
            queue_license_writes=self.queue_license_writes,
            auto_mode_on_registration=self.auto_mode_on_registration,
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()

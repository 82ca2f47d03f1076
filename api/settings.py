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
    max_query_depth: int = Field(
        default=12,
        ge=1,
        description="Deepest selection allowed, in levels of nested fields ({ __typename } is "
        "1); deeper is refused with QUERY_TOO_DEEP.",
    )
    max_aliases: int = Field(
        default=30, ge=0, description="Most aliases in one document (TOO_MANY_ALIASES)."
    )
    max_query_length: int = Field(
        default=20_000,
        ge=100,
        description="Longest GraphQL document in characters, checked before parsing "
        "(QUERY_TOO_LONG).",
    )
    max_query_tokens: int = Field(
        default=5_000,
        ge=100,
        description="Most tokens in a document, comments included, counted while parsing "
        "(TOO_MANY_TOKENS).",
    )
    max_query_fields: int = Field(
        default=500,
        ge=10,
        description="Most field selections and fragment spreads in a document (TOO_MANY_FIELDS).",
    )
    max_query_directives: int = Field(
        default=50, ge=0, description="Most directives in a document (TOO_MANY_DIRECTIVES)."
    )
    max_query_cost: int = Field(
        default=500_000,
        ge=100,
        description="Highest estimated cost of an operation (README 'Query cost'; "
        "QUERY_TOO_COSTLY).",
    )
    operation_timeout_s: float = Field(
        default=30.0,
        gt=0,
        description="Time budget of one operation's execution in seconds; a longer one is "
        "stopped with OPERATION_TIMEOUT (a mutation's open transaction is aborted).",
    )
    declarant_introspection: bool = Field(
        default=False,
        description="Let DECLARANT keys introspect the schema and see 'Did you mean' "
        "suggestions (the other roles always may); off in production.",
    )
    max_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="Largest POST /graphql body in bytes; larger ones get HTTP 413 "
        "(REQUEST_TOO_LARGE) before they are read.",
    )
    max_json_depth: int = Field(
        default=64,
        ge=4,
        le=256,
        description="Deepest nesting of arrays and objects in a request body's JSON; "
        "deeper gets HTTP 400 (INVALID_JSON).",
    )
    rate_limit_per_minute: int = Field(
        default=600,
        ge=0,
        description="Requests a minute per API key in one API process (token bucket, "
        "bursts up to the same number); more get HTTP 429 (RATE_LIMITED) with "
        "Retry-After; 0 = no limit.",
    )
    graphql_get: bool = Field(
        default=True,
        description="Take queries by GET /graphql with URL parameters (never mutations); "
        "off: GET /graphql gets HTTP 405 (METHOD_NOT_ALLOWED) and POST is the only way.",
    )
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

"""The integrations domain's params and results: the seed's UserIntegrations, as JSON."""

from typing import Annotated, Any, TypedDict

from daemon.domains.executions.types import MAX_JSON_VALUE_BYTES
from daemon.domains.types import JsonObject
from daemon.rpc.schema import Doc, JsonSize

Credential = Annotated[JsonObject, Doc("one of the seed's Credentials (OAuth2, API key, user/password, host-scoped)")]
OAuthState = Annotated[JsonObject, Doc("one of the seed's OAuthState objects")]
ManagedCredentials = Annotated[JsonObject, Doc("the seed's ManagedCredentials: {ayrshare_profile_key?}")]


class IntegrationsUpdate(TypedDict, total=False):
    """update_user_integrations' `data`: a field left out, or null, is not stored (the seed's
    exclude_none), and reads back as its default."""
    managed_credentials: ManagedCredentials | None
    credentials: list[Credential] | None
    oauth_states: list[OAuthState] | None


IntegrationsData = Annotated[IntegrationsUpdate, JsonSize(MAX_JSON_VALUE_BYTES),
                             Doc("the seed's UserIntegrations: {managed_credentials?, credentials?, oauth_states?}")]


class UserIntegrations(TypedDict):
    managed_credentials: ManagedCredentials
    credentials: list[Credential]
    oauth_states: list[OAuthState]


def with_defaults(stored: dict[str, Any]) -> UserIntegrations:
    """What was stored over the seed's defaults (what a user who never saved any has)."""
    return {"managed_credentials": stored.get("managed_credentials", {}), "credentials": stored.get("credentials", []),
            "oauth_states": stored.get("oauth_states", [])}

"""The oauth domain: authorization codes and tokens kept as digests, and their cleanup."""

from daemon.domains.oauth.tables import oauth_access_tokens, oauth_authorization_codes, oauth_refresh_tokens
from daemon.rpc.registry import Domain

DOMAIN = Domain("oauth", "OAuth authorization codes, access and refresh tokens (as SHA-256 digests), and their cleanup",
                methods=(), tables=(oauth_authorization_codes, oauth_access_tokens, oauth_refresh_tokens))

"""What the web page is told about its deployment: the contents of `config.js`.

The page reads everything deployment-specific from `window.RETAKE_CONFIG`, so
the same files run against the local stack (`local_stack/site.py` serves it)
and against AWS (the Pulumi program writes it beside them,
`infra_pulumi/static_site.py`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class SiteConfig:
    """What the page needs to sign in and call the API (`window.RETAKE_CONFIG`)."""

    api_url: str
    region: str
    user_pool_id: str
    client_id: str
    #: Cognito's JSON API: moto's endpoint locally, on AWS https://cognito-idp.<region>.amazonaws.com/
    cognito_endpoint: str
    #: Whether Cognito is moto's: it accepts any confirmation code and sends none (the page
    #: says so at sign-up), and has no RevokeToken (the page only forgets tokens at sign-out).
    #: None: true when Cognito is on loopback.
    local_confirmation: bool | None = None

    @property
    def cognito_is_local(self) -> bool:
        if self.local_confirmation is not None:
            return self.local_confirmation
        return urlsplit(self.cognito_endpoint).hostname in LOOPBACK_HOSTS

    def script(self) -> str:
        """config.js, in the page's own (camelCase) names."""
        page_config = {
            "apiUrl": self.api_url.rstrip("/"),
            "region": self.region,
            "userPoolId": self.user_pool_id,
            "clientId": self.client_id,
            "cognitoEndpoint": self.cognito_endpoint,
            "localConfirmation": self.cognito_is_local,
        }
        return f"window.RETAKE_CONFIG = Object.freeze({json.dumps(page_config, indent=2)});\n"

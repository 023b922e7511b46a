"""API Gateway (REST): the API function behind a Cognito authorizer, CORS for the site."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import pulumi
import pulumi_aws as aws

from infra_pulumi.functions import ALIAS_NAME, Invocable
from infra_pulumi.routes import ROOT, GatewayMethod, parent_path, resource_paths, route_model
from resources.definitions import PUBLIC_ROUTES, Naming, RouteSpec

AUTHORIZER_TYPE = "COGNITO_USER_POOLS"
#: API Gateway's own refusals (a bad token, no such method, throttling) in the API's error
#: shape, so the page reads them like any other error.
GATEWAY_ERRORS = {
    "UNAUTHORIZED": "unauthorized",
    "DEFAULT_4XX": "gateway_refused",
    "DEFAULT_5XX": "bad_gateway",
}


@dataclass(frozen=True)
class ApiArgs:
    naming: Naming
    #: The API function, or its alias where it has provisioned concurrency.
    function: Invocable
    user_pool: aws.cognito.UserPool
    #: The page's origin: API Gateway's own error answers carry it as CORS allows.
    site_origin: str
    stage_name: str = "live"
    public_routes: Sequence[RouteSpec] = PUBLIC_ROUTES


class Api(pulumi.ComponentResource):
    """Proxy integration everywhere; the authorizer on every method but the public ones.

    The function answers CORS preflights itself (Powertools' CORS config, with the
    site's origin from `RETAKE_API_ALLOWED_ORIGIN`).
    """

    rest_api: aws.apigateway.RestApi
    authorizer: aws.apigateway.Authorizer
    methods: dict[GatewayMethod, aws.apigateway.Method]
    stage: aws.apigateway.Stage
    url: pulumi.Output[str]

    def __init__(self, name: str, args: ApiArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("retake:infra:Api", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.rest_api = aws.apigateway.RestApi(
            "api",
            name=f"{args.naming.prefix}-api",
            description="Retake's REST API",
            endpoint_configuration=aws.apigateway.RestApiEndpointConfigurationArgs(
                types="REGIONAL"
            ),
            opts=child,
        )
        self.authorizer = aws.apigateway.Authorizer(
            "users",
            name=f"{args.naming.prefix}-users",
            rest_api=self.rest_api.id,
            type=AUTHORIZER_TYPE,
            provider_arns=[args.user_pool.arn],
            identity_source="method.request.header.Authorization",
            opts=child,
        )
        resource_ids: dict[str, pulumi.Output[str]] = {ROOT: self.rest_api.root_resource_id}
        for path in resource_paths(args.public_routes):
            if path == ROOT:
                continue
            resource = aws.apigateway.Resource(
                slug(path),
                rest_api=self.rest_api.id,
                parent_id=resource_ids[parent_path(path)],
                path_part=path.rsplit("/", 1)[-1],
                opts=child,
            )
            resource_ids[path] = resource.id
        self.methods = {}
        integrations = []
        model = route_model(args.public_routes)
        for route in model:
            method_name = f"{slug(route.path)}-{route.method.lower()}"
            method = aws.apigateway.Method(
                method_name,
                rest_api=self.rest_api.id,
                resource_id=resource_ids[route.path],
                http_method=route.method,
                authorization="NONE" if route.public else AUTHORIZER_TYPE,
                authorizer_id=None if route.public else self.authorizer.id,
                opts=child,
            )
            self.methods[route] = method
            integrations.append(
                aws.apigateway.Integration(
                    method_name,
                    rest_api=self.rest_api.id,
                    resource_id=resource_ids[route.path],
                    http_method=method.http_method,
                    type="AWS_PROXY",
                    integration_http_method="POST",
                    uri=args.function.invoke_arn,
                    opts=child,
                )
            )
        responses = [
            aws.apigateway.Response(
                f"gateway-{response_type.lower().replace('_', '-')}",
                rest_api_id=self.rest_api.id,
                response_type=response_type,
                response_parameters={
                    "gatewayresponse.header.Access-Control-Allow-Origin": f"'{args.site_origin}'",
                    "gatewayresponse.header.Vary": "'Origin'",
                },
                response_templates={"application/json": error_template(code)},
                opts=child,
            )
            for response_type, code in GATEWAY_ERRORS.items()
        ]
        aws.lambda_.Permission(
            "api-invokes-function",
            action="lambda:InvokeFunction",
            function=args.function.name,
            qualifier=args.function.qualifier,
            principal="apigateway.amazonaws.com",
            source_arn=pulumi.Output.concat(self.rest_api.execution_arn, "/*/*"),
            opts=child,
        )
        deployment = aws.apigateway.Deployment(
            "deployment",
            rest_api=self.rest_api.id,
            description="Retake's routes",
            # A new deployment whenever the routes, the gateway's answers or the target change.
            triggers={
                "routes": fingerprint(
                    model, args.site_origin, aliased=args.function.alias is not None
                )
            },
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[*self.methods.values(), *integrations, *responses]
            ),
        )
        self.stage = aws.apigateway.Stage(
            "stage",
            rest_api=self.rest_api.id,
            deployment=deployment.id,
            stage_name=args.stage_name,
            opts=child,
        )
        self.url = self.stage.invoke_url
        self.register_outputs({"url": self.url})


def slug(path: str) -> str:
    """A resource name for a path template: `/shared/{token}` -> `shared-token`."""
    words = [part.strip("{}+").replace(".", "-") for part in path.split("/") if part]
    return "-".join(words) or "root"


def error_template(code: str) -> str:
    """A gateway response body in the API's error shape, with API Gateway's own message."""
    body = json.dumps({"error": {"code": code, "message": "MESSAGE", "details": {}}})
    # `$context.error.messageString` is the message already in quotes.
    return body.replace('"MESSAGE"', "$context.error.messageString")


def fingerprint(model: Sequence[GatewayMethod], site_origin: str, aliased: bool = False) -> str:
    described: dict[str, object] = {
        "methods": [asdict(method) for method in model],
        "origin": site_origin,
        "errors": GATEWAY_ERRORS,
    }
    if aliased:  # the integrations call the function's alias instead of the function
        described["alias"] = ALIAS_NAME
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()

"""Cognito: the user pool, its public app client for the web page, the role groups, the trigger."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra_pulumi.functions import Invocable
from resources.definitions import USER_POOL, Naming, UserPoolSpec


@dataclass(frozen=True)
class AuthArgs:
    naming: Naming
    spec: UserPoolSpec = USER_POOL
    deletion_protection: bool = True
    #: What to invoke by logical name (`Functions.invocables`), for the pool's triggers.
    functions: Mapping[str, Invocable] = field(default_factory=dict)


class Auth(pulumi.ComponentResource):
    """Settings as `resources.provision.provision_user_pool` creates them locally.

    People sign themselves up and confirm by the code mailed to them (unless the
    spec says only administrators create users); administrators add auditors and
    support staff to their groups.

    The pool invokes the spec's trigger functions (`people`): pre token
    generation with the V1 event, before every ID token, for every account,
    administrator-created ones included; post confirmation when a sign-up is
    confirmed. Each has the permission that lets this pool, in this account,
    invoke it.
    """

    user_pool: aws.cognito.UserPool
    client: aws.cognito.UserPoolClient
    groups: dict[str, aws.cognito.UserGroup]
    invoke_permissions: list[aws.lambda_.Permission]

    def __init__(self, name: str, args: AuthArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("retake:infra:Auth", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        spec = args.spec
        policy = spec.password_policy
        self.user_pool = aws.cognito.UserPool(
            spec.name,
            name=args.naming.user_pool(spec),
            password_policy=aws.cognito.UserPoolPasswordPolicyArgs(
                minimum_length=policy.minimum_length,
                require_uppercase=policy.require_uppercase,
                require_lowercase=policy.require_lowercase,
                require_numbers=policy.require_numbers,
                require_symbols=policy.require_symbols,
                temporary_password_validity_days=policy.temporary_password_validity_days,
            ),
            auto_verified_attributes=list(spec.auto_verified_attributes),
            username_configuration=aws.cognito.UserPoolUsernameConfigurationArgs(
                case_sensitive=False
            ),
            admin_create_user_config=aws.cognito.UserPoolAdminCreateUserConfigArgs(
                allow_admin_create_user_only=spec.admin_create_user_only
            ),
            account_recovery_setting=aws.cognito.UserPoolAccountRecoverySettingArgs(
                recovery_mechanisms=[
                    aws.cognito.UserPoolAccountRecoverySettingRecoveryMechanismArgs(
                        name="verified_email", priority=1
                    )
                ]
            ),
            deletion_protection="ACTIVE" if args.deletion_protection else "INACTIVE",
            lambda_config=self._lambda_config(args),
            opts=child,
        )
        self.invoke_permissions = [
            self._invoke_permission(function, args.functions[function])
            for function in sorted(triggers(spec))
        ]
        validity = spec.token_validity
        # Public: the client lives in a browser, so it has no secret.
        self.client = aws.cognito.UserPoolClient(
            spec.client_name,
            name=spec.client_name,
            user_pool_id=self.user_pool.id,
            generate_secret=False,
            explicit_auth_flows=list(spec.auth_flows),
            id_token_validity=validity.id_token_minutes,
            access_token_validity=validity.access_token_minutes,
            refresh_token_validity=validity.refresh_token_days,
            token_validity_units=aws.cognito.UserPoolClientTokenValidityUnitsArgs(
                id_token="minutes", access_token="minutes", refresh_token="days"
            ),
            prevent_user_existence_errors="ENABLED",
            opts=child,
        )
        self.groups = {
            group.name: aws.cognito.UserGroup(
                group.name,
                name=group.name,
                description=group.description,
                precedence=group.precedence,
                user_pool_id=self.user_pool.id,
                opts=child,
            )
            for group in spec.groups
        }
        self.register_outputs({"user_pool_id": self.user_pool.id, "client_id": self.client.id})

    @staticmethod
    def _lambda_config(args: AuthArgs) -> aws.cognito.UserPoolLambdaConfigArgs | None:
        """The pool's triggers; the flat `pre_token_generation` is the V1 event."""
        spec = args.spec
        if not triggers(spec):
            return None

        def arn(function: str | None) -> pulumi.Output[str] | None:
            return args.functions[function].arn if function else None

        return aws.cognito.UserPoolLambdaConfigArgs(
            pre_token_generation=arn(spec.pre_token_generation),
            post_confirmation=arn(spec.post_confirmation),
        )

    def _invoke_permission(self, name: str, function: Invocable) -> aws.lambda_.Permission:
        """Cognito may invoke the function for this pool only (its ARN, in this account)."""
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        return aws.lambda_.Permission(
            f"user-pool-invokes-{name}",
            action="lambda:InvokeFunction",
            function=function.name,
            qualifier=function.qualifier,
            principal="cognito-idp.amazonaws.com",
            source_arn=self.user_pool.arn,
            source_account=account.account_id,
            opts=pulumi.ResourceOptions(parent=self),
        )


def triggers(spec: UserPoolSpec) -> set[str]:
    """The functions a pool invokes as its triggers."""
    return {name for name in (spec.pre_token_generation, spec.post_confirmation) if name}

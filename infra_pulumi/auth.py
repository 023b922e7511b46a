"""Cognito: the user pool, its public app client for the web page, and the role groups."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from resources.definitions import USER_POOL, Naming, UserPoolSpec


@dataclass(frozen=True)
class AuthArgs:
    naming: Naming
    spec: UserPoolSpec = USER_POOL
    deletion_protection: bool = True


class Auth(pulumi.ComponentResource):
    """Settings as `resources.provision.provision_user_pool` creates them locally.

    People sign themselves up and confirm by the code mailed to them (unless the
    spec says only administrators create users); administrators add auditors and
    support staff to their groups.
    """

    user_pool: aws.cognito.UserPool
    client: aws.cognito.UserPoolClient
    groups: dict[str, aws.cognito.UserGroup]

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
            opts=child,
        )
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

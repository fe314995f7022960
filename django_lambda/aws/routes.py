"""How requests reach the alias: a Function URL or an HTTP API, and the resource-policy
statements that let them invoke it."""

from __future__ import annotations

import json
from typing import Any

from django_lambda.aws.ownership import owner_tags
from django_lambda.aws.versions import Versions
from django_lambda.configuration import DeployConfig


class Routes:
    """The route that ``config.http`` names, to ``versions``'s alias."""

    def __init__(self, versions: Versions, config: DeployConfig) -> None:
        self.versions = versions
        self.aws = versions.aws
        self.config = config

    @property
    def function_name(self) -> str:
        return self.versions.function.name

    @property
    def on_alias(self) -> dict[str, str]:
        """The alias's arguments to the Lambda API's qualified operations."""
        return {"FunctionName": self.function_name, "Qualifier": self.versions.alias}

    def expose(self, *, create: bool = True) -> str | None:
        """The URL of the Function URL or HTTP API on the alias, created if missing.

        The invoke permissions are checked on every deploy, so a deploy that
        failed between creating the endpoint and granting them heals on rerun.
        With ``create=False`` (rollback, dry run) nothing is written.
        """
        if self.config.http == "function_url":
            return self.function_url(create=create)
        if self.config.http == "http_api":
            return self.http_api(create=create)
        return None

    def ensure_permission(self, statement_id: str, **statement: Any) -> None:
        """Add a statement to the alias's resource policy unless it is there already."""
        resource = self.versions.resource
        policy = self.aws.missing("lambda", "get_policy", resource, **self.on_alias)
        existing = json.loads(policy["Policy"])["Statement"] if policy else []
        if any(s.get("Sid") == statement_id for s in existing):
            return
        self.aws.call(
            "lambda",
            "add_permission",
            resource,
            **self.on_alias,
            StatementId=statement_id,
            **statement,
        )

    def function_url(self, *, create: bool = True) -> str | None:
        resource = self.versions.resource
        existing = self.aws.missing("lambda", "get_function_url_config", resource, **self.on_alias)
        if not create:
            return None if existing is None else str(existing["FunctionUrl"])
        if existing is None:
            existing = self.aws.call(
                "lambda", "create_function_url_config", resource, **self.on_alias, AuthType="NONE"
            )
            self.aws.say("Created the Function URL.")
        # A public URL needs both statements since October 2025:
        # https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html
        self.ensure_permission(
            "django-lambda-function-url",
            Action="lambda:InvokeFunctionUrl",
            Principal="*",
            FunctionUrlAuthType="NONE",
        )
        self.ensure_permission(
            "django-lambda-function-url-invoke",
            Action="lambda:InvokeFunction",
            Principal="*",
            InvokedViaFunctionUrl=True,
        )
        return str(existing["FunctionUrl"])

    @property
    def http_api_resource(self) -> str:
        return f"HTTP API {self.function_name!r}"

    def find_http_api(self) -> dict[str, Any] | None:
        """The HTTP API named after the function, if there is one."""
        pages = self.aws.pages(
            "apigatewayv2", "get_apis", self.http_api_resource, marker=("NextToken", "NextToken")
        )
        for page in pages:
            for api in page.get("Items", []):
                if api.get("Name") == self.function_name and api.get("ProtocolType") == "HTTP":
                    return dict(api)
        return None

    def http_api(self, *, create: bool = True) -> str | None:
        """The HTTP API named after the function: a $default route to the alias."""
        api = self.find_http_api()
        if not create:
            return None if api is None else str(api["ApiEndpoint"])
        alias_arn = self.versions.alias_arn()
        if api is None:
            api = self.create_http_api(alias_arn)
        _, partition, _, region, account, *_ = alias_arn.split(":")
        api_id = api["ApiId"]
        self.ensure_permission(
            f"django-lambda-http-api-{api_id}",
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=f"arn:{partition}:execute-api:{region}:{account}:{api_id}/*",
        )
        return str(api["ApiEndpoint"])

    def create_http_api(self, alias_arn: str) -> dict[str, Any]:
        # What quick create (create_api with Target) makes, spelled out: moto
        # ignores Target, and this way each part's failure names itself.
        resource = self.http_api_resource
        api: dict[str, Any] = self.aws.call(
            "apigatewayv2",
            "create_api",
            resource,
            Name=self.function_name,
            ProtocolType="HTTP",
            # The ownership tag: lambda_undeploy removes the HTTP API a deploy created.
            Tags=owner_tags(self.function_name, self.config.tags),
        )
        integration = self.aws.call(
            "apigatewayv2",
            "create_integration",
            resource,
            ApiId=api["ApiId"],
            IntegrationType="AWS_PROXY",
            IntegrationUri=alias_arn,
            PayloadFormatVersion="2.0",
        )
        self.aws.call(
            "apigatewayv2",
            "create_route",
            resource,
            ApiId=api["ApiId"],
            RouteKey="$default",
            Target=f"integrations/{integration['IntegrationId']}",
        )
        self.aws.call(
            "apigatewayv2",
            "create_stage",
            resource,
            ApiId=api["ApiId"],
            StageName="$default",
            AutoDeploy=True,
        )
        self.aws.say(f"Created {resource}.")
        return api

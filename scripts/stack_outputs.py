"""Print the zappa_settings.json values a deployed infrastructure stack provides.

    .venv/bin/python scripts/stack_outputs.py nomadcrew-dev [--region us-east-1]

Outputs named like a setting (CognitoUserPoolId) become the environment variable of the same name
(COGNITO_USER_POOL_ID) under ``aws_environment_variables``; Zappa* outputs fill Zappa's own keys.
Paste the result over the REPLACE-... placeholders of the stage (docs/deploy.md).
"""

import argparse
import json
import re

ZAPPA_KEYS = {
    "ZappaDeploymentBucket": "s3_bucket",
    "ZappaRoleArn": "role_arn",
    "ZappaDeadLetterArn": "dead_letter_arn",
}


def environment_name(output_name: str) -> str:
    """CognitoUserPoolId -> COGNITO_USER_POOL_ID, AwsS3RegionName -> AWS_S3_REGION_NAME."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", output_name).upper()


def zappa_values(outputs: dict[str, str]) -> dict:
    values: dict = {"aws_environment_variables": {}}
    for name, value in sorted(outputs.items()):
        if name in ZAPPA_KEYS:
            values[ZAPPA_KEYS[name]] = value
        elif name == "ZappaSubnetIds":
            values.setdefault("vpc_config", {})["SubnetIds"] = value.split(",")
        elif name == "ZappaSecurityGroupIds":
            values.setdefault("vpc_config", {})["SecurityGroupIds"] = value.split(",")
        elif not name.startswith("Zappa"):
            values["aws_environment_variables"][environment_name(name)] = value
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("stack")
    parser.add_argument("--region")
    args = parser.parse_args()

    import boto3

    stack = boto3.client("cloudformation", region_name=args.region).describe_stacks(
        StackName=args.stack
    )["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    print(json.dumps(zappa_values(outputs), indent=4))


if __name__ == "__main__":
    main()

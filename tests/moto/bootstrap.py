# Owns the seeding of a fresh moto server: IAM user `platform` + access key + policy, role `BedrockAccess`,
# then switches moto's SigV4 checking on and prints one JSON line with the credentials the tests use.
"""Usage: .venv/bin/python tests/moto/bootstrap.py http://127.0.0.1:PORT"""

import json
import os
import sys
import urllib.request

import boto3
from botocore.config import Config

USER_NAME = "platform"
ROLE_NAME = "BedrockAccess"
# moto 5.2.5 enforces an sts:ExternalId StringEquals condition in the trust policy (missing or wrong
# ExternalId -> 403 AccessDenied), checked by tests/moto/verify.test.js, so the condition is set.
EXTERNAL_ID = "platform-42"


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: bootstrap.py http://127.0.0.1:PORT")
    url = sys.argv[1].rstrip("/")

    # Never read the host's AWS config/profile or reach IMDS; talk only to moto.
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(var, None)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        os.environ.pop(var, None)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "*"
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

    session = boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    cfg = Config(retries={"max_attempts": 1}, proxies={})
    iam = session.client("iam", endpoint_url=url, config=cfg)

    user = iam.create_user(UserName=USER_NAME)["User"]
    user_arn = user["Arn"]
    key = iam.create_access_key(UserName=USER_NAME)["AccessKey"]

    user_policy = iam.create_policy(
        PolicyName="PlatformAssumeAndBedrock",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
                    {"Effect": "Allow", "Action": "bedrock:*", "Resource": "*"},
                ],
            }
        ),
    )["Policy"]
    iam.attach_user_policy(UserName=USER_NAME, PolicyArn=user_policy["Arn"])

    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": user_arn},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}},
            }
        ],
    }
    role = iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    iam.put_role_policy(
        RoleName=ROLE_NAME,
        PolicyName="BedrockInvoke",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["bedrock:InvokeModel", "bedrock:ListFoundationModels"],
                        "Resource": "*",
                    }
                ],
            }
        ),
    )

    # Turn SigV4 + IAM checking on for every later request (moto's own API is not checked).
    # The body must not be sent as a form (urllib's default content-type): Flask would then parse it
    # into request.form, leave request.data empty, and moto answers 500 (float('')).
    req = urllib.request.Request(
        f"{url}/moto-api/reset-auth",
        data=b"0",
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(req, timeout=10) as resp:
        answer = json.loads(resp.read().decode())
        if resp.status != 200 or answer.get("status") != "ok":
            sys.exit(f"reset-auth failed: {resp.status} {answer}")

    print(
        json.dumps(
            {
                "accessKeyId": key["AccessKeyId"],
                "secretAccessKey": key["SecretAccessKey"],
                "userArn": user_arn,
                "roleArn": role["Arn"],
                "externalId": EXTERNAL_ID,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()

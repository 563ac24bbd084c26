"""The cloud template: cfn-lint clean, the rule the contract names, least privilege."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import boto3
import pytest
from cfnlint.api import lint_file
from cfnlint.decode import decode

from seesay.topics import WINDOWS_TOPIC_FILTER

TEMPLATE = Path(__file__).resolve().parents[2] / "cloud" / "template.yaml"


@pytest.fixture(scope="module")
def resources() -> dict:
    template, matches = decode(str(TEMPLATE))
    assert not matches, matches
    return template["Resources"]


def test_cfn_lint_passes_clean() -> None:
    matches = lint_file(TEMPLATE)

    assert [str(match) for match in matches] == []


def test_cfn_lint_would_catch_a_broken_template(tmp_path: Path) -> None:
    broken = tmp_path / "template.yaml"
    broken.write_text(TEMPLATE.read_text().replace("Runtime: python3.12", "Runtime: python2.7"))

    assert lint_file(broken)


def test_the_rule_forwards_every_device_windows_keyed_by_thing_name(resources) -> None:
    rule = resources["WindowsTopicRule"]
    payload = rule["Properties"]["TopicRulePayload"]

    assert rule["Type"] == "AWS::IoT::TopicRule"
    assert payload["AwsIotSqlVersion"] == "2016-03-23"
    assert payload["Sql"] == f"SELECT * FROM '{WINDOWS_TOPIC_FILTER}'"
    [action] = payload["Actions"]
    assert action["Kinesis"]["PartitionKey"] == "${topic(2)}"
    assert action["Kinesis"]["StreamName"] == {"Ref": "WindowsStream"}
    assert "CloudwatchLogs" in payload["ErrorAction"]


def _statements(role: dict) -> list[dict]:
    return [
        statement
        for policy in role["Properties"]["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
    ]


def _actions(statement: dict) -> set[str]:
    actions = statement["Action"]
    return {actions} if isinstance(actions, str) else set(actions)


def test_the_rule_may_only_put_records_into_the_stream(resources) -> None:
    statements = _statements(resources["WindowsRuleRole"])
    kinesis = [s for s in statements if any(a.startswith("kinesis:") for a in _actions(s))]

    assert [_actions(s) for s in kinesis] == [{"kinesis:PutRecord"}]
    assert kinesis[0]["Resource"] == {"Fn::GetAtt": ["WindowsStream", "Arn"]}
    assert all("*" not in str(s["Resource"]) for s in statements)


def test_the_skill_may_only_read_the_stream(resources) -> None:
    statements = _statements(resources["SkillRole"])
    kinesis = [s for s in statements if any(a.startswith("kinesis:") for a in _actions(s))]

    assert [_actions(s) for s in kinesis] == [{
        "kinesis:ListShards", "kinesis:GetShardIterator",
        "kinesis:GetRecords", "kinesis:DescribeStreamSummary",
    }]
    assert kinesis[0]["Resource"] == {"Fn::GetAtt": ["WindowsStream", "Arn"]}
    assert all("*" not in str(s["Resource"]) for s in statements)


def test_the_skill_function_fits_alexas_limit(resources) -> None:
    function = resources["SkillFunction"]["Properties"]

    assert function["Handler"] == "seesay_skill.lambda_function.lambda_handler"
    assert function["Runtime"] in {"python3.11", "python3.12"}
    assert function["Timeout"] <= 8
    assert function["Environment"]["Variables"]["SKILL_ID"] == {"Ref": "SkillId"}


def test_only_the_skill_may_invoke_the_function(resources) -> None:
    permission = resources["AlexaInvokePermission"]["Properties"]

    assert permission["Principal"] == "alexa-appkit.amazon.com"
    assert permission["EventSourceToken"] == {"Ref": "SkillId"}


def test_every_log_group_has_a_retention(resources) -> None:
    groups = [r for r in resources.values() if r["Type"] == "AWS::Logs::LogGroup"]

    assert len(groups) == 2
    assert all("RetentionInDays" in group["Properties"] for group in groups)


@pytest.mark.filterwarnings("ignore:Tried to parse .* but it.s not supported")
def test_moto_can_deploy_the_template(moto_endpoint: str) -> None:
    """Everything but the topic rule, which moto's CloudFormation does not model."""
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    s3 = session.client("s3", endpoint_url=moto_endpoint)
    cloudformation = session.client("cloudformation", endpoint_url=moto_endpoint)
    kinesis = session.client("kinesis", endpoint_url=moto_endpoint)
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("seesay_skill/__init__.py", "")
    s3.create_bucket(Bucket="seesay-template-test")
    s3.put_object(Bucket="seesay-template-test", Key="skill.zip", Body=package.getvalue())

    cloudformation.create_stack(
        StackName="seesay-template-test",
        TemplateBody=TEMPLATE.read_text(),
        Capabilities=["CAPABILITY_IAM"],
        Parameters=[
            {"ParameterKey": "SkillId", "ParameterValue": "amzn1.ask.skill.test-1"},
            {"ParameterKey": "StreamName", "ParameterValue": "seesay-template-test"},
            {"ParameterKey": "CodeS3Bucket", "ParameterValue": "seesay-template-test"},
            {"ParameterKey": "CodeS3Key", "ParameterValue": "skill.zip"},
        ],
    )
    try:
        stack = cloudformation.describe_stacks(StackName="seesay-template-test")["Stacks"][0]
        summary = kinesis.describe_stream_summary(StreamName="seesay-template-test")
    finally:
        cloudformation.delete_stack(StackName="seesay-template-test")

    assert stack["StackStatus"] == "CREATE_COMPLETE"
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack["Outputs"]}
    assert outputs["StreamName"] == "seesay-template-test"
    assert summary["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE"

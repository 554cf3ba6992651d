"""deploy/aws/kosha.yaml: cfn-lint passes, and the stack deploys on moto's CloudFormation,
after which Kosha uploads into the bucket it created and consumes the queue it created.

What moto's CloudFormation does not deploy, and how these tests deal with it:
- AWS::SQS::QueuePolicy and AWS::S3::BucketPolicy: skipped with a warning (asserted below);
  moto's S3 sends notifications to a queue without checking any policy anyway.
- AWS::S3::Bucket keeps only BucketName, BucketEncryption and Tags: CORS, lifecycle,
  notifications, versioning, replication, public access block and ownership controls are
  dropped. The test puts the template's own CORS, lifecycle and notification documents
  (read from the YAML, references resolved) through the S3 API instead.
- RDS: `Fn::GetAtt [Database, MasterUserSecret.SecretArn]` is refused, so the test of the
  optional parts deploys the template without that one output.
"""

import ast
import json
import subprocess
import sys
import uuid
import warnings
from pathlib import Path
from urllib.parse import unquote

import boto3
import pytest
from cfnlint.decode import cfn_yaml
from django.core.management import call_command

from kosha.testing.fixtures.stores import use_s3_bucket
from storage.models import FileVersion, UploadSession
from storage.tests.protocol import ProtocolClient, assert_usage_consistent

TEMPLATE = Path(__file__).resolve().parents[1] / "aws" / "kosha.yaml"
pytestmark = [
    pytest.mark.django_db,
    # moto warns of each resource type it skips; _deploy records them.
    pytest.mark.filterwarnings("ignore:Tried to parse AWS::"),
]


def test_the_template_passes_cfn_lint():
    cfn_lint = Path(sys.executable).with_name("cfn-lint")

    result = subprocess.run([cfn_lint, str(TEMPLATE)], capture_output=True, text=True, timeout=300)

    assert result.returncode == 0, result.stdout + result.stderr


# --- deploying on moto ---------------------------------------------------------------------


def _client(service, endpoint):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _deploy(endpoint, parameters, *, body=None):
    """Create the stack; returns its outputs, its resources by logical id, and the resource
    types moto skipped."""
    cloudformation = _client("cloudformation", endpoint)
    name = f"kosha-{uuid.uuid4().hex[:8]}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cloudformation.create_stack(
            StackName=name,
            TemplateBody=body or TEMPLATE.read_text(),
            Parameters=[{"ParameterKey": key, "ParameterValue": value} for key, value in parameters.items()],
            Capabilities=["CAPABILITY_IAM"],
        )
    stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    resources = {
        resource["LogicalResourceId"]: resource.get("PhysicalResourceId")
        for resource in cloudformation.describe_stack_resources(StackName=name)["StackResources"]
        if "LogicalResourceId" in resource  # moto lists the skipped ones as empty entries
    }
    skipped = {str(warning.message).split()[3] for warning in caught if "not supported by moto" in str(warning.message)}
    return {output["OutputKey"]: output["OutputValue"] for output in stack["Outputs"]}, resources, skipped


def _resolve(value, *, parameters, arns, conditions):
    """The few intrinsic functions the bucket's properties use."""
    if isinstance(value, list):
        return [_resolve(item, parameters=parameters, arns=arns, conditions=conditions) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return parameters[value["Ref"]]
    if set(value) == {"Fn::GetAtt"}:
        resource, attribute = value["Fn::GetAtt"]
        assert attribute == "Arn"
        return arns[resource]
    if set(value) == {"Fn::If"}:
        condition, when_true, when_false = value["Fn::If"]
        chosen = when_true if conditions[condition] else when_false
        return _resolve(chosen, parameters=parameters, arns=arns, conditions=conditions)
    return {key: _resolve(item, parameters=parameters, arns=arns, conditions=conditions) for key, item in value.items()}


def _apply_bucket_documents(s3, bucket, properties):
    """The template's CORS, lifecycle and notification properties, in the S3 API's shapes."""
    s3.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={
            "CORSRules": [
                {
                    "ID": rule["Id"],
                    "AllowedOrigins": rule["AllowedOrigins"],
                    "AllowedMethods": rule["AllowedMethods"],
                    "AllowedHeaders": rule["AllowedHeaders"],
                    "ExposeHeaders": rule["ExposedHeaders"],
                    "MaxAgeSeconds": rule["MaxAge"],
                }
                for rule in properties["CorsConfiguration"]["CorsRules"]
            ]
        },
    )
    rules = []
    for rule in properties["LifecycleConfiguration"]["Rules"]:
        api_rule = {"ID": rule["Id"], "Status": rule["Status"], "Filter": {"Prefix": rule["Prefix"]}}
        for action in ("AbortIncompleteMultipartUpload", "NoncurrentVersionExpiration"):
            if action in rule:
                api_rule[action] = {key: int(number) for key, number in rule[action].items()}
        rules.append(api_rule)
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": queue["Queue"],
                    "Events": [queue["Event"]],
                    "Filter": {"Key": {"FilterRules": queue["Filter"]["S3Key"]["Rules"]}},
                }
                for queue in properties["NotificationConfiguration"]["QueueConfigurations"]
            ]
        },
    )


@pytest.fixture
def stack(moto_endpoint, settings):
    """The template deployed with its defaults, the bucket documents moto's CloudFormation
    drops applied from the template, and Kosha pointed at the stack's bucket."""
    parameters = {"BucketName": f"kosha-stack-{uuid.uuid4().hex[:8]}", "SiteOrigin": "https://kosha.example.com"}
    outputs, resources, skipped = _deploy(moto_endpoint, parameters)
    template = cfn_yaml.loads(TEMPLATE.read_text())
    defaults = {name: str(spec.get("Default", "")) for name, spec in template["Parameters"].items()}
    sqs = _client("sqs", moto_endpoint)
    arns = {
        name: sqs.get_queue_attributes(QueueUrl=resources[name], AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        for name in ("EventsQueue", "EventsDeadLetterQueue")
    }
    documents = ("CorsConfiguration", "LifecycleConfiguration", "NotificationConfiguration")
    properties = _resolve(
        {name: template["Resources"]["Bucket"]["Properties"][name] for name in documents},
        parameters={**defaults, **parameters},
        arns=arns,
        conditions={"WithReplica": False, "WithDatabase": False},
    )
    s3 = _client("s3", moto_endpoint)
    _apply_bucket_documents(s3, outputs["BucketName"], properties)
    # S3's test event on setting the notification: the consumer would discard it too.
    sqs.purge_queue(QueueUrl=outputs["EventsQueueUrl"])
    use_s3_bucket(settings, endpoint=moto_endpoint, bucket=outputs["BucketName"])
    return {"outputs": outputs, "resources": resources, "skipped": skipped, "arns": arns, "sqs": sqs, "s3": s3}


def test_moto_deploys_everything_but_the_two_resource_policies(stack):
    assert stack["skipped"] == {"AWS::SQS::QueuePolicy", "AWS::S3::BucketPolicy"}
    assert set(stack["resources"]) == {
        "EventsDeadLetterQueue", "EventsQueue", "Bucket", "AppPolicy", "AppRole", "AppInstanceProfile",
    }  # fmt: skip


def test_the_events_queue_dead_letters_after_five_receives_and_hides_messages_for_the_consumer(stack):
    attributes = stack["sqs"].get_queue_attributes(QueueUrl=stack["outputs"]["EventsQueueUrl"], AttributeNames=["All"])[
        "Attributes"
    ]

    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive == {"deadLetterTargetArn": stack["arns"]["EventsDeadLetterQueue"], "maxReceiveCount": 5}
    assert (attributes["VisibilityTimeout"], attributes["ReceiveMessageWaitTimeSeconds"]) == ("300", "20")


def test_the_app_policy_allows_only_kosha_calls_on_its_bucket_and_queue(stack, moto_endpoint):
    iam = _client("iam", moto_endpoint)
    arn = stack["outputs"]["AppPolicyArn"]
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]

    document = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]

    bucket = stack["outputs"]["BucketName"]
    granted = {(statement["Sid"], statement["Resource"]): sorted(statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]) for statement in document["Statement"]}  # fmt: skip
    assert granted == {
        ("ListTheBucket", f"arn:aws:s3:::{bucket}"): ["s3:ListBucket"],
        ("ObjectsInTheBucket", f"arn:aws:s3:::{bucket}/*"): [
            "s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject",
        ],
        ("ConsumeStorageEvents", stack["arns"]["EventsQueue"]): [
            "sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage",
        ],
    }  # fmt: skip
    assert all(statement["Effect"] == "Allow" for statement in document["Statement"])
    role = stack["outputs"]["AppRoleArn"].rsplit("/", 1)[1]
    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    assert [policy["PolicyArn"] for policy in attached] == [arn]


def test_the_template_bucket_documents_are_accepted_by_the_s3_api(stack):
    bucket = stack["outputs"]["BucketName"]

    cors = stack["s3"].get_bucket_cors(Bucket=bucket)["CORSRules"]
    lifecycle = stack["s3"].get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]

    assert [(rule["AllowedOrigins"], sorted(rule["AllowedMethods"]), rule["ExposeHeaders"]) for rule in cors] == [
        (["https://kosha.example.com"], ["GET", "HEAD", "PUT"], ["ETag"])
    ]
    aborts = [rule for rule in lifecycle if "AbortIncompleteMultipartUpload" in rule]
    assert [(rule["Status"], rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]) for rule in aborts] == [
        ("Enabled", 2)
    ]


def test_kosha_uploads_into_the_stack_bucket_and_its_consumer_finishes_an_abandoned_upload(
    stack, owner, owner_client, moto_endpoint
):
    protocol = ProtocolClient(api=owner_client, base_url="")
    completed = protocol.upload("report.pdf", b"%PDF-1.7 stack", content_type="application/pdf")
    started = protocol.start(name="abandoned.txt", size=9, content_type="text/plain").json()
    assert protocol.put(started["url"], b"abandoned", started["headers"]).status_code == 200

    call_command(
        "storage_events_consume",
        "--queue-url", stack["outputs"]["EventsQueueUrl"],
        "--endpoint-url", moto_endpoint,
        "--wait-seconds", "0",
        "--max-batches", "1",
    )  # fmt: skip

    assert completed.status_code == 200, completed.json()
    abandoned = UploadSession.objects.get(pk=started["id"])
    assert abandoned.status == UploadSession.Status.COMPLETED
    assert sorted(FileVersion.objects.filter(file__owner=owner).values_list("file__name", flat=True)) == [
        "abandoned.txt",
        "report.pdf",
    ]
    assert all(key.startswith("users/") for key in _keys(stack["s3"], stack["outputs"]["BucketName"]))
    assert_usage_consistent(owner)
    # Both ObjectCreated events were handled (one a duplicate of a client complete) and deleted.
    assert (
        stack["sqs"].receive_message(QueueUrl=stack["outputs"]["EventsQueueUrl"], WaitTimeSeconds=0).get("Messages")
        is None
    )


def _keys(s3, bucket):
    return [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_the_optional_database_and_replica_bucket_deploy(moto_endpoint):
    ec2 = _client("ec2", moto_endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{index}.0/24", AvailabilityZone=f"us-east-1{zone}")["Subnet"][
            "SubnetId"
        ]
        for index, zone in ((1, "a"), (2, "b"))
    ]
    app_group = ec2.create_security_group(GroupName=f"kosha-app-{uuid.uuid4().hex[:6]}", Description="app", VpcId=vpc)
    # moto refuses the MasterUserSecret attribute: deploy without that one output.
    body = "\n".join(line for line in TEMPLATE.read_text().splitlines() if "MasterUserSecret" not in line)
    bucket = f"kosha-full-{uuid.uuid4().hex[:8]}"

    outputs, resources, _ = _deploy(
        moto_endpoint,
        {
            "BucketName": bucket,
            "CreateReplica": "true",
            "CreateDatabase": "true",
            "DatabaseVpcId": vpc,
            "DatabaseSubnetIds": ",".join(subnets),
            "DatabaseClientSecurityGroupId": app_group["GroupId"],
        },
        body=body,
    )

    assert outputs["ReplicaBucketName"] == f"{bucket}-replica"
    _client("s3", moto_endpoint).head_bucket(Bucket=outputs["ReplicaBucketName"])
    database = _client("rds", moto_endpoint).describe_db_instances(DBInstanceIdentifier=resources["Database"])[
        "DBInstances"
    ][0]
    assert (database["Engine"], database["PubliclyAccessible"], database["StorageEncrypted"]) == (
        "postgres",
        False,
        True,
    )
    assert outputs["DatabaseEndpoint"] == database["Endpoint"]["Address"]
    rules = ec2.describe_security_groups(GroupIds=[resources["DatabaseSecurityGroup"]])["SecurityGroups"][0][
        "IpPermissions"
    ]
    assert [(rule["FromPort"], [pair["GroupId"] for pair in rule["UserIdGroupPairs"]]) for rule in rules] == [
        (5432, [app_group["GroupId"]])
    ]
    replication = _client("iam", moto_endpoint).get_role_policy(
        RoleName=resources["ReplicationRole"], PolicyName="replicate-kosha-bucket"
    )["PolicyDocument"]
    if isinstance(replication, str):
        # moto keeps a CloudFormation inline policy as the repr of the parsed YAML.
        replication = ast.literal_eval(unquote(replication))
    assert {statement["Resource"] for statement in replication["Statement"]} == {
        f"arn:aws:s3:::{bucket}",
        f"arn:aws:s3:::{bucket}/*",
        f"arn:aws:s3:::{bucket}-replica/*",
    }

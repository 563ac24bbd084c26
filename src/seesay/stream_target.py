"""Which Kinesis stream the skill reads when it runs on a laptop.

``seesay ask`` and ``seesay skill invoke`` run the skill's Lambda handler in
this process. The handler reads its stream from the environment, as in Lambda;
this module decides what that environment holds, in this order:

1. ``--aws``: the real stream, from the environment as it is (``STREAM_NAME``,
   ``AWS_REGION``, boto3's usual credentials); a running local stack is ignored.
2. ``KINESIS_ENDPOINT_URL`` is set: that endpoint, as the Lambda would use it.
3. A local stack is running (``seesay localstack``): its endpoints.
4. ``STREAM_NAME`` and AWS credentials are set in the environment: the real stream.

A running local stack comes before credentials found in the environment
because it was started on purpose for these commands, and because the stack's
own variables (``AWS_ACCESS_KEY_ID=local``) look like credentials.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

AWS = "aws"
ENDPOINT = "endpoint"
LOCAL_STACK = "local stack"

# Any of these in the environment means boto3 has been told where credentials are.
CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE")

NO_TARGET = (
    "no stream to read. Start the local stack in another terminal with "
    "`seesay localstack`, or read the real stream with --aws (STREAM_NAME, "
    "AWS_REGION and AWS credentials from the environment)"
)


@dataclass(frozen=True)
class StreamTarget:
    """Where the skill will read: ``kind`` is one of AWS, ENDPOINT or LOCAL_STACK.

    ``environment`` holds the variables to set over the process environment for
    the handler (empty when the environment already says everything).
    """

    kind: str
    stream_name: str
    endpoint: str | None = None
    environment: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        """One line for logs: which stream, where."""
        where = self.endpoint or "AWS"
        return f"{self.kind}: stream {self.stream_name} at {where}"


def choose_target(
    environ: Mapping[str, str], endpoints: Mapping[str, Any] | None, *, aws: bool = False
) -> StreamTarget | None:
    """The stream to read, following the order in this module's description.

    ``endpoints`` is what :func:`seesay.localstack.endpoints.read_endpoints`
    returned. None when nothing says which stream to read.
    """
    stream_name = environ.get("STREAM_NAME", "").strip()
    endpoint = environ.get("KINESIS_ENDPOINT_URL", "").strip()
    if aws:
        return StreamTarget(AWS, stream_name or "seesay-windows", endpoint or None)
    if endpoint:
        return StreamTarget(ENDPOINT, stream_name or "seesay-windows", endpoint)
    if endpoints is not None:
        return StreamTarget(
            LOCAL_STACK,
            str(endpoints["stream_name"]),
            str(endpoints["kinesis_endpoint"]),
            {str(name): str(value) for name, value in endpoints["environment"].items()},
        )
    if stream_name and any(environ.get(name, "").strip() for name in CREDENTIAL_VARIABLES):
        return StreamTarget(AWS, stream_name)
    return None

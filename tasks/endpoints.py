"""Which endpoints and credentials a flow uses, said when it starts; an unreachable one stops it.

1. boto3 picks each service's endpoint from the standard ``AWS_ENDPOINT_URL_<SERVICE>`` (or
   ``AWS_ENDPOINT_URL``) variables, else AWS's regional endpoint. :func:`check_endpoints`
   asks the clients themselves, so what it says is what the tasks will reach.
2. It logs one line per service at the start of a flow (where it points, and why), and where
   the credentials come from (never their values), so a run that goes to real AWS from a new
   shell without the local stack's variables says so in its first lines.
3. An endpoint set by a variable that refuses connections, or no credentials at all, stops the
   flow there with one line saying what to do, before any resource is looked at.
"""

from __future__ import annotations

import os
import socket
from typing import Literal, get_args
from urllib.parse import urlparse

from tasks.aws import AwsSettings, session
from tasks.errors import ExpectedStop
from tasks.reporting import run_logger
from tasks.retries import personalize_task

ServiceName = Literal["personalize", "personalize-runtime", "personalize-events", "s3", "iam"]
SERVICES: tuple[ServiceName, ...] = get_args(ServiceName)
LOCAL_HINT = 'for the local stack: make up, then eval "$(make env)"'


class EndpointsNotReady(ExpectedStop, RuntimeError):
    """An endpoint set by a variable does not answer, or there are no credentials."""


def variable_for(service: str) -> str | None:
    """The endpoint variable that sets ``service``'s endpoint, if one is set."""
    specific = "AWS_ENDPOINT_URL_" + service.upper().replace("-", "_")
    for name in (specific, "AWS_ENDPOINT_URL"):
        if os.environ.get(name):
            return name
    return None


@personalize_task(retries=0)
def check_endpoints(aws: AwsSettings) -> dict[str, str]:
    """Each service's endpoint URL, logged with where it comes from; raises when not ready."""
    boto = session(aws)
    logger = run_logger()
    if boto.region_name is None:
        raise EndpointsNotReady(
            "No AWS region: set aws.region in the configuration, or AWS_DEFAULT_REGION "
            f"({LOCAL_HINT})."
        )
    found: dict[str, str] = {}
    for service in SERVICES:
        url = str(boto.client(service).meta.endpoint_url)
        variable = variable_for(service)
        origin = f"from {variable}" if variable else f"AWS, region {boto.region_name}"
        logger.info("%s endpoint: %s (%s)", service, url, origin)
        if variable and not _answers(url):
            raise EndpointsNotReady(
                f"{service} endpoint {url} (from {variable}) does not answer. Start the service "
                f"it points at ({LOCAL_HINT}), or unset {variable} to use AWS."
            )
        found[service] = url
    credentials = boto.get_credentials()
    if credentials is None:
        raise EndpointsNotReady(
            "No AWS credentials found (environment, profile, role or aws.credentials_block), "
            f"so every call would fail. To use AWS, configure credentials; {LOCAL_HINT}."
        )
    logger.info("AWS credentials from: %s", aws.credentials_block or credentials.method)
    return found


def _answers(url: str, timeout: float = 3.0) -> bool:
    """True when something accepts a TCP connection at the URL's host and port."""
    parts = urlparse(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "localhost", port), timeout=timeout):
            return True
    except OSError:
        return False

"""A local Amazon Personalize: control plane, runtime and events on one loopback port.

It speaks AWS's wire protocol, validated and shaped by botocore's own service models, so an
unmodified boto3 client reaches it through the standard ``AWS_ENDPOINT_URL_*`` variables.
"""

"""Operation handlers, one module per Personalize concern.

A handler takes the service and the call and returns the response document; the dispatcher
validates the request and shapes the response from botocore's model around it. Each module
lists its handlers in ``HANDLERS`` (operation name -> handler); ``personalize_local.registry`` says which
modules the service serves.
"""

from __future__ import annotations

from personalize_local.service import Handler as Handler

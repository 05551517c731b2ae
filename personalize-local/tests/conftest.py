"""The local service's own suite, run from its folder: no client signs with a real account's
credentials. Its fixtures come from the project's pytest plugin (personalize_local.testing)."""

from personalize_local.testing.fixtures import use_test_credentials

use_test_credentials()

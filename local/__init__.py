"""What only runs locally, against the local Personalize service: never part of the pipeline.

1. :mod:`local.sample_data` generates sample data with planted structure and writes it as an
   upstream system's exports.
2. :mod:`local.demo` (``make demo``) runs the real flows on it against the local service and
   Prefect's ephemeral API, and prints a summary.
3. :mod:`local.stack` (``make up`` / ``make down``) starts a Prefect server, the local service,
   a worker and every deployment as background processes (:mod:`local.daemons`), seeding the
   demo's data into the local S3 (:mod:`local.demo_data`).

``flows/``, ``tasks/`` and ``deployments/`` never import this package or the local service.
"""

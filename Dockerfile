# The image flow runs (and Dask workers) start from: the project with its pinned dependencies.
#
#   docker build -t prefect-personalize:$(git rev-parse --short HEAD) .
#
# requirements.lock is a constraints file: the pipeline's dependencies are installed at the
# lock's versions (the dev tools and the local service's dependencies it also pins are not
# installed). The image holds the pipeline and the facts it shares with the local service
# (personalize-facts/) and prefect-dask for the Dask workers, never the local service itself
# nor local/, the demo and stack that start it (.dockerignore leaves both out). The working
# directory holds the checkout, so the deployments' entrypoints (flows/retrain.py:retrain) and
# relative config paths resolve as they do locally; deployments/to_pool.py makes it the runs'
# working directory.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /opt/prefect-personalize

COPY . .
RUN pip install -c requirements.lock ./personalize-facts '.[dask]'

# A worker for the ECS pool can run from the same image (e.g. as an ECS service).
CMD ["prefect", "worker", "start", "--pool", "personalize-ecs", "--type", "ecs"]

"""Entry point for Celery workers: `celery -A cairn.celery_worker worker`.

The worker builds the same app as the web process (so it reads the same `CAIRN_*`
environment and registers every package's tasks) and serves its Celery instance.
The Flask app is *not* named `app`: `celery -A` takes a module's `app` attribute first
and would find Flask instead of Celery.
"""

from cairn.app import create_app
from cairn.gc_tuning import tune_garbage_collector

flask_app = create_app()
celery = flask_app.extensions["celery"]
tune_garbage_collector()

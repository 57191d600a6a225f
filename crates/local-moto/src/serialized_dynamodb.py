"""moto's server (as `moto_server` runs it) with DynamoDB requests taken one at a time.

DynamoDB applies each conditional write atomically; moto's threaded server does not (its
backend holds no lock), so two concurrent `attribute_not_exists` puts can both succeed and a test
of "the agent runs once for concurrent duplicates" fails by chance under load. Serialising the
DynamoDB calls restores DynamoDB's own guarantee. Other services (SQS long polls above all) stay
concurrent. Arguments: host port.
"""

import sys
import threading

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

app = DomainDispatcherApplication(create_backend_app)
app.debug = True
dynamodb = threading.Lock()


def serialized(environ, start_response):
    if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
        with dynamodb:
            # The whole response is produced while the lock is held.
            return list(app(environ, start_response))
    return app(environ, start_response)


run_simple(sys.argv[1], int(sys.argv[2]), serialized, threaded=True,
           request_handler=MotoRequestHandler)

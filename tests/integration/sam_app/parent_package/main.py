"""Built under app/handlers/ (ParentPackageMode explicit), so Lambda imports it as app.handlers.main."""

import six

from app.handlers import greeting


def handler(event, context):
    return {"greeting": greeting.GREETING, "six": six.__version__}

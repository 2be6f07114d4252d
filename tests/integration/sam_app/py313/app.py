"""python3.13 on x86_64: PyYAML and MarkupSafe (C extensions) and six (pure Python)."""

import markupsafe
import six
import yaml


def handler(event, context):
    return {"yaml": yaml.safe_dump(event), "escaped": str(markupsafe.escape("<b>")), "six": six.__version__}

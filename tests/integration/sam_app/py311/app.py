"""python3.11 on x86_64: PyYAML (C extension) and six (pure Python)."""

import six
import yaml


def handler(event, context):
    return {"yaml": yaml.safe_dump(event), "with_libyaml": yaml.__with_libyaml__, "six": six.__version__}

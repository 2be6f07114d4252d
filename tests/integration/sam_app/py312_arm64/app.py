"""python3.12 on arm64: MarkupSafe (C extension) and idna (pure Python), PyYAML from the layer."""

import idna
import markupsafe
import yaml


def handler(event, context):
    return {
        "escaped": str(markupsafe.escape("<b>")),
        "idna": idna.encode("bücher.example").decode(),
        "yaml": yaml.__version__,
    }

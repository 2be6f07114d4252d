"""python3.12 on arm64, built by make and lambda-pip: PyYAML (C extension) and idna (pure Python)."""

import idna
import yaml


def handler(event, context):
    return {"yaml": yaml.safe_dump(event), "idna": idna.encode("bücher.example").decode()}

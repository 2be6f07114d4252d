"""A tiny Lambda handler that uses the example's dependencies."""

import pydantic
import requests


class Greeting(pydantic.BaseModel):
    message: str


def handler(event, context):
    return Greeting(message=f"hello from requests {requests.__version__}").model_dump()

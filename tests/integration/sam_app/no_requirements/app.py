"""A function with no requirements.txt: only this file is built."""


def handler(event, context):
    return {"ok": True}

try:
    from sqlalchemy import cresultproxy  # noqa: F401
    C_EXTENSIONS = True
except ImportError:
    C_EXTENSIONS = False

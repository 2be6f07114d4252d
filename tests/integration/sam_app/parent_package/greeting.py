GREETING = "hello from app.handlers"

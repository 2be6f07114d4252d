"""The architectures of AWS Lambda functions, as Lambda names them."""

X86_64 = "x86_64"
ARM64 = "arm64"

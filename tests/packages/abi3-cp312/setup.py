from setuptools import Extension, setup

setup(
    name="abi3-cp312",
    version="5.0",
    packages=["abi3_cp312"],
    ext_modules=[Extension("abi3_cp312._native", ["abi3_cp312/_native.c"], py_limited_api=True)],
)

#include <Python.h>

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "host_compiled_extension", NULL, -1, NULL};

PyMODINIT_FUNC PyInit_host_compiled_extension(void) { return PyModule_Create(&module); }

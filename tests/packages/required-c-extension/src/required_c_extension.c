#include <Python.h>

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "required_c_extension", NULL, -1, NULL};

PyMODINIT_FUNC PyInit_required_c_extension(void) { return PyModule_Create(&module); }

#include <Python.h>

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "cresultproxy", NULL, -1, NULL};

PyMODINIT_FUNC PyInit_cresultproxy(void) { return PyModule_Create(&module); }

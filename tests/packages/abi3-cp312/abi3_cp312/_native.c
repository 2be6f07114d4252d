#include <Python.h>

#if PY_VERSION_HEX < 0x030C0000
#error "abi3-cp312 needs the C API of Python 3.12 or later"
#endif

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_native", NULL, -1, NULL};

PyMODINIT_FUNC PyInit__native(void) { return PyModule_Create(&module); }

#include <Python.h>

/* The CPU the compiler was told to make code for, as the compiler itself knows it. */
static PyObject *compiled_for(PyObject *self, PyObject *args) {
#if defined(__aarch64__)
    return PyUnicode_FromString("aarch64");
#elif defined(__x86_64__)
    return PyUnicode_FromString("x86_64");
#else
    return PyUnicode_FromString("other");
#endif
}

static PyObject *triple(PyObject *self, PyObject *args) {
    long value;
    if (!PyArg_ParseTuple(args, "l", &value)) {
        return NULL;
    }
    return PyLong_FromLong(3 * value);
}

static PyMethodDef methods[] = {
    {"compiled_for", compiled_for, METH_NOARGS, "The CPU this module was compiled for."},
    {"triple", triple, METH_VARARGS, "Three times an integer."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "compiled_function", NULL, -1, methods};

PyMODINIT_FUNC PyInit_compiled_function(void) { return PyModule_Create(&module); }

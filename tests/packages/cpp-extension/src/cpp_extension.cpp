#include <Python.h>

#include <algorithm>
#include <string>
#include <vector>

// Sorts the characters of a string with the C++ standard library.
static PyObject *sorted_letters(PyObject *self, PyObject *args) {
    const char *text;
    if (!PyArg_ParseTuple(args, "s", &text)) {
        return NULL;
    }
    std::string letters(text);
    std::vector<char> chars(letters.begin(), letters.end());
    std::sort(chars.begin(), chars.end());
    return PyUnicode_FromStringAndSize(chars.data(), static_cast<Py_ssize_t>(chars.size()));
}

static PyMethodDef methods[] = {
    {"sorted_letters", sorted_letters, METH_VARARGS, "The letters of a string, sorted."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "cpp_extension", NULL, -1, methods};

PyMODINIT_FUNC PyInit_cpp_extension(void) { return PyModule_Create(&module); }

/* The draws' kernel: parley.randomness.Draws.uniform in one pass over the worlds.
 *
 * For each world, mix(mix(seed ^ key) + month_offset) >> 11, times 2^-53: the SplitMix64
 * finaliser (Steele, Lea & Flood 2014) twice, exactly as randomness.py does it with numpy
 * (the same wrapping uint64 arithmetic, so the same bits; tests/test_draws_kernel.py checks
 * the two against each other).  numpy makes a dozen passes over the worlds' arrays for one
 * draw and reads the decision's stored stream from memory; this loop reads the seeds once
 * and writes the draws once.
 *
 * Optional: parley runs without it (randomness.py falls back to numpy) where it was not
 * built.  No numpy headers: the arrays come in through the buffer protocol.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#define GOLDEN 0x9E3779B97F4A7C15ULL

static inline uint64_t scramble(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* One build for every x86-64 CPU, the loop vectorised for the widest the CPU has (AVX-512
 * has the 64-bit multiply and the integer-to-double conversion the loop needs); GCC picks
 * the clone when the module loads.  Elsewhere, the plain loop. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
static void draw_worlds(const uint64_t *seeds, uint64_t key, uint64_t month_offset,
                        double *out, Py_ssize_t n) {
    for (Py_ssize_t i = 0; i < n; i++) {
        uint64_t z = scramble((seeds[i] ^ key) + GOLDEN) + month_offset;
        /* below 2^53: exact as a signed integer, and the signed conversion vectorises */
        out[i] = (double)(int64_t)(scramble(z) >> 11) * 0x1.0p-53;
    }
}

static PyObject *draw(PyObject *self, PyObject *args) {
    Py_buffer seeds, out;
    unsigned long long key, month_offset;
    if (!PyArg_ParseTuple(args, "y*KKw*:draw", &seeds, &key, &month_offset, &out)) {
        return NULL;
    }
    if (seeds.len != out.len || seeds.len % 8 != 0) {
        PyBuffer_Release(&seeds);
        PyBuffer_Release(&out);
        PyErr_SetString(PyExc_ValueError,
                        "draw: seeds and out must be of one size, 8 bytes an item");
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    draw_worlds((const uint64_t *)seeds.buf, (uint64_t)key, (uint64_t)month_offset,
                (double *)out.buf, seeds.len / 8);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&seeds);
    PyBuffer_Release(&out);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"draw", draw, METH_VARARGS,
     "draw(seeds, key, month_offset, out): out[i] = uniform of (seeds[i], key, month)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "parley._draws",
    "The draws' kernel (see parley.randomness); optional.", -1, methods,
};

PyMODINIT_FUNC PyInit__draws(void) { return PyModule_Create(&module); }

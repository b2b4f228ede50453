"""The reference set-up of issue 11, shared by the PyTorch benchmark scripts: import it before torch.

Debian's python3-torch does its matrix products in a generic BLAS, here OpenBLAS
(libopenblas0-pthread). OpenBLAS 0.3.21 does not recognise recent Xeons and otherwise falls back to
slow generic kernels, so OPENBLAS_CORETYPE names this CPU's kernels when the environment does not
set it (from /proc/cpuinfo, before torch loads OpenBLAS): SkylakeX with AVX-512, Haswell with AVX2.
OPENBLAS_NUM_THREADS defaults to 1; set_threads() changes PyTorch's and OpenBLAS's thread counts
together (torch.set_num_threads does not reach a generic BLAS).
"""
import ctypes
import os
import re


def _choose_coretype():
    if "OPENBLAS_CORETYPE" in os.environ:
        return
    try:
        flags = open("/proc/cpuinfo").read()
    except OSError:
        return
    if re.search(r"\bavx512f\b", flags):
        os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"
    elif re.search(r"\bavx2\b", flags):
        os.environ["OPENBLAS_CORETYPE"] = "Haswell"


_choose_coretype()
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import torch  # noqa: E402  (OpenBLAS reads the environment when torch loads it)


def _blas_libraries():
    torch.ones(64, 64) @ torch.ones(64, 64)  # make sure the BLAS is loaded
    maps = open("/proc/self/maps").read() if os.path.exists("/proc/self/maps") else ""
    return sorted(set(re.findall(r"(/\S*(?:blas|mkl)\S*\.so\S*)", maps)))


def _openblas():
    """The loaded OpenBLAS library (ctypes handle), or None when torch uses another BLAS."""
    for lib in _blas_libraries():
        try:
            handle = ctypes.CDLL(lib)
            handle.openblas_get_corename  # noqa: B018  (raises AttributeError when not OpenBLAS)
            return handle
        except (OSError, AttributeError):
            continue
    return None


def blas_info():
    """The BLAS libraries mapped into this process, and OpenBLAS's core and config if loaded."""
    info = {"libraries": _blas_libraries(), "coretype_env": os.environ.get("OPENBLAS_CORETYPE"),
            "threads_env": os.environ.get("OPENBLAS_NUM_THREADS")}
    handle = _openblas()
    if handle is None:
        info["note"] = "OpenBLAS is not loaded: torch uses another BLAS (install libopenblas0-pthread)"
        return info
    handle.openblas_get_corename.restype = ctypes.c_char_p
    handle.openblas_get_config.restype = ctypes.c_char_p
    info["openblas_core"] = handle.openblas_get_corename().decode()
    info["openblas_config"] = handle.openblas_get_config().decode()
    info["openblas_threads"] = handle.openblas_get_num_threads()
    return info


def set_threads(n):
    """Sets PyTorch's intra-op threads and, when loaded, OpenBLAS's threads to n."""
    torch.set_num_threads(n)
    handle = _openblas()
    if handle is not None:
        handle.openblas_set_num_threads(n)

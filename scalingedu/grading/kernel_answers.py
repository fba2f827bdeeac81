"""Reading answers out of a learner's kernel as plain data, and calling the learner's functions there.

The class grader (:mod:`scalingedu.grading.submission`) never trusts the learner's kernel with a verdict. It sends
the kernel a small, self-contained probe (:func:`probe_source`) that looks up ONE answer by name and writes it to a
file as plain JSON data:

- a number or an array becomes its dtype, shape and values; text, booleans, complex numbers and other objects
  become a description of what they are (so the checks can say "your answer is a str");
- a dict (a plan), or a record of the course's own types such as a ParallelLayout (a dataclass of ``scalingedu``),
  becomes its items, each shipped the same way, and is rebuilt as a dict;
- a function becomes its signature only. The grader then grades a stand-in, :class:`RemoteFunction`: when a check
  calls it with the grader's inputs, the stand-in asks for that call to be made IN the learner's kernel (the
  probe is sent again with the arguments as data) and hands the check the result, shipped back as data.

Everything the probe ships is data that the grader's own checks then judge, so a kernel that lies can at most
claim an answer; it can never claim a grade. :func:`decode` rebuilds Python values from the shipped data.
"""
from __future__ import annotations

import hashlib
import inspect
import json
import numbers
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

LONGEST_TEXT = 20_000
"""Characters of a text answer shipped (a written answer that a person scores against a rubric: a page or so)."""
LARGEST_ARRAY = 1_000_000
"""Arrays with more values than this are not shipped (no question asks for one); they count as not a number."""

# The probe runs inside the learner's kernel. It is sent as one cell, defines one function, calls it and deletes
# it again, so it leaves nothing in the learner's namespace. It only imports modules of the standard library and
# NumPy (which every problem set uses). Its only output is the reply file.
_PROBE = r'''
def __scalingedu_probe(request_path, reply_path):
    import inspect as _inspect, json as _json, numbers as _numbers
    import numpy as _np

    def encode(x, depth=0):
        if x is None:
            return {"kind": "none"}
        if x is Ellipsis:
            return {"kind": "ellipsis"}
        if isinstance(x, (bool, _np.bool_)):
            return {"kind": "bool", "value": bool(x)}
        if isinstance(x, (str, bytes)):
            return {"kind": "text", "type": type(x).__name__, "value": str(x[:TEXT])}
        if type(x) is dict and depth < 3:      # a plan: names to numbers or text (at most 100 items)
            return {"kind": "dict", "items": [[str(k)[:100], encode(v, depth + 1)] for k, v in list(x.items())[:100]]}
        fields = getattr(type(x), "__dataclass_fields__", None)
        if fields is not None and depth < 3 and type(x).__module__.startswith("scalingedu."):
            # a record of the course's own types (a ParallelLayout): its fields, read like a plan's dict
            return {"kind": "dict", "items": [[str(k)[:100], encode(getattr(x, k, None), depth + 1)]
                                              for k in list(fields)[:100]]}
        if callable(x) and not isinstance(x, _np.ndarray):
            try:
                parameters = [[p.name, int(p.kind), p.default is not p.empty]
                              for p in _inspect.signature(x).parameters.values()]
            except (TypeError, ValueError):
                parameters = None
            return {"kind": "function", "type": type(x).__name__, "parameters": parameters}
        if isinstance(x, _numbers.Complex) and not isinstance(x, _numbers.Real):
            return {"kind": "complex", "type": type(x).__name__, "value": [float(x.real), float(x.imag)]}
        python_scalar = isinstance(x, (int, float)) and not isinstance(x, _np.generic)
        numpy_scalar = isinstance(x, _np.generic)
        try:
            array = _np.asarray(x)
        except Exception:
            return {"kind": "object", "type": type(x).__name__}
        if array.dtype.kind not in "biuf":
            return {"kind": "object", "type": type(x).__name__}
        if array.size > LARGEST:
            return {"kind": "object", "type": "array of %d values (too large to grade)" % array.size}
        if python_scalar:
            scalar = "int" if array.dtype.kind in "iu" else "float"
        else:
            scalar = "numpy" if numpy_scalar else ""
        return {"kind": "array", "dtype": array.dtype.str, "shape": list(array.shape),
                "values": array.ravel().tolist(), "scalar": scalar}

    def decode(item):
        if item["kind"] == "array":
            return _np.array(item["values"], dtype=item["dtype"]).reshape(item["shape"])
        if item["kind"] == "pickle":   # an object of the course's own types (a plan), sent by the grader
            import base64 as _base64, pickle as _pickle
            return _pickle.loads(_base64.b64decode(item["value"]))
        return item["value"]

    import sys as _sys
    package = PACKAGE

    def traced(function, arguments):
        """Call function; note every function of the course library it runs (Python code under PACKAGE)."""
        called = set()

        def tracer(frame, event, argument):
            if event == "call" and frame.f_code.co_filename.startswith(package):
                module = frame.f_globals.get("__name__", "")
                called.add(module + "." + getattr(frame.f_code, "co_qualname", frame.f_code.co_name))
        previous = _sys.getprofile()
        _sys.setprofile(tracer)
        try:
            result = {"returned": encode(function(*arguments))}
        except BaseException as error:   # KeyboardInterrupt too: the grader's time limit interrupted it
            result = {"raised": type(error).__name__, "message": str(error)[:300]}
        finally:
            intact = _sys.getprofile() is tracer
            _sys.setprofile(previous)
        result["library_calls"] = sorted(called)
        result["tracing_intact"] = intact
        return result

    with open(request_path) as stream:
        request = _json.load(stream)
    reply = {"defined": False}
    namespace = globals()
    if request["name"] in namespace:
        answer = namespace[request["name"]]
        reply = {"defined": True, "answer": encode(answer), "calls": []}
        for arguments in request["calls"]:
            reply["calls"].append(traced(answer, [decode(a) for a in arguments]))
    with open(reply_path, "w") as stream:
        _json.dump(reply, stream)

__scalingedu_probe(REQUEST, REPLY)
del __scalingedu_probe
'''


def probe_source(request_path: str, reply_path: str) -> str:
    """The code of the probe cell: it reads the request file and writes the reply file (absolute paths). Calls of
    the learner's function note which functions of the course library they ran (the library's folder is where
    the grader installed it, which is also where the sandbox mounts it)."""
    return (_PROBE.replace("LARGEST", str(LARGEST_ARRAY)).replace("TEXT]", f"{LONGEST_TEXT}]")
            .replace("PACKAGE", repr(str(PACKAGE_FOLDER) + "/"))
            .replace("REQUEST", repr(str(request_path))).replace("REPLY", repr(str(reply_path))))


PACKAGE_FOLDER = Path(__file__).resolve().parent.parent
"""The folder of the ``scalingedu`` package: code under it is the course library."""


def request_text(name: str, calls: Sequence[Sequence]) -> str:
    """The JSON request asking the probe for answer ``name`` and for its value on each argument list of ``calls``."""
    return json.dumps({"name": name, "calls": [[_encode_argument(a) for a in arguments] for arguments in calls]})


def _pickled(value) -> str:
    """``value`` pickled, in base64 text; read-only tables (the library's) pickle as the mappings they wrap."""
    from .sealed import freeze
    return freeze(value)["pickle"]


def _encode_argument(value) -> dict:
    array = np.asarray(value) if isinstance(value, (numbers.Number, np.ndarray, list, tuple)) else None
    if array is None or array.dtype.kind not in "biuf":
        # an object of the course's own types, such as a RunPlan: its class is in the library the kernel imports
        return {"kind": "pickle", "value": _pickled(value)}
    if array.ndim == 0 and not isinstance(value, np.ndarray):
        return {"kind": "value", "value": array.item()}
    return {"kind": "array", "dtype": array.dtype.str, "shape": list(array.shape), "values": array.ravel().tolist()}


def arguments_key(arguments: Sequence) -> str:
    """A key that is equal for two argument lists exactly when they hold the same values (types, shapes, bits)."""
    digest = hashlib.sha256()
    for value in arguments:
        if not isinstance(value, (numbers.Number, np.ndarray, list, tuple)):   # an object: its pickled bytes
            digest.update(f"{type(value).__name__}|pickle|{_pickled(value)}|".encode())
            continue
        array = np.ascontiguousarray(np.asarray(value))
        digest.update(f"{type(value).__name__}|{array.dtype.str}|{array.shape}|".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _opaque(type_name: str):
    """An object that stands for a learner's answer that is not a number: its class has the learner's type name."""
    cls = type(str(type_name)[:60] or "object", (), {"__repr__": lambda self: f"<{type_name}>"})
    return cls()


def decode(item: dict) -> Any:
    """Rebuild the Python value of one shipped answer (see :func:`probe_source` for the format)."""
    kind = item.get("kind")
    if kind == "none":
        return None
    if kind == "ellipsis":
        return Ellipsis
    if kind == "bool":
        return bool(item["value"])
    if kind == "text":
        text = str(item.get("value", ""))
        return text if item.get("type") == "str" else text.encode("utf-8", "replace")
    if kind == "complex":
        real, imaginary = item["value"]
        return complex(real, imaginary)
    if kind == "dict":
        return {str(key): decode(value) for key, value in item.get("items", [])}
    if kind == "array":
        array = np.array(item["values"], dtype=np.dtype(item["dtype"])).reshape(item["shape"])
        scalar = item.get("scalar", "")
        if scalar == "int":
            return int(array.reshape(()))
        if scalar == "float":
            return float(array.reshape(()))
        if scalar == "numpy":
            return array.reshape(())[()]
        return array
    return _opaque(item.get("type", "object"))


class NeedCall(BaseException):
    """Raised by :class:`RemoteFunction` for a call it has no result for yet.

    A BaseException on purpose: the checks turn every ``Exception`` into a failed result, and this one must
    instead reach the grader, which makes the call in the learner's kernel and grades again.
    """

    def __init__(self, arguments: tuple):
        super().__init__("a call of the learner's function is needed")
        self.arguments = arguments


def _signature(parameters) -> inspect.Signature | None:
    if parameters is None:
        return None
    try:
        return inspect.Signature([
            inspect.Parameter(str(name), inspect._ParameterKind(int(kind)),
                              default=None if has_default else inspect.Parameter.empty)
            for name, kind, has_default in parameters])
    except (TypeError, ValueError):
        return None


class RemoteFunction:
    """A stand-in, in the grader, for a function defined in the learner's kernel.

    It has the learner's signature (so ``is_function`` checks the number of arguments) and answers each call from
    ``results`` (arguments key -> shipped result). A call not made yet raises :class:`NeedCall`; a call that raised
    in the kernel raises an exception with the same class name and message here.
    """

    def __init__(self, answer: dict, results: dict[str, dict] | None = None):
        self.__signature__ = _signature(answer.get("parameters"))
        self.type_name = answer.get("type", "function")
        self.results = dict(results or {})

    def library_calls(self, *arguments) -> tuple[set[str], bool]:
        """The course library's functions the call on ``arguments`` ran in the kernel, and whether the tracing of
        calls stayed on throughout (a function can turn it off). Makes the call first if it was not made yet."""
        key = arguments_key(arguments)
        if key not in self.results:
            raise NeedCall(tuple(arguments))
        result = self.results[key]
        return set(result.get("library_calls", [])), bool(result.get("tracing_intact", False))

    def __call__(self, *arguments):
        key = arguments_key(arguments)
        if key not in self.results:
            raise NeedCall(tuple(arguments))
        result = self.results[key]
        if "raised" in result:
            raise type(str(result["raised"])[:60] or "Exception", (Exception,), {})(result.get("message", ""))
        return decode(result["returned"])

    def __repr__(self):
        return f"<the learner's {self.type_name}>"


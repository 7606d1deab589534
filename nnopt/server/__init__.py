"""``nnopt serve``: a cut-list web page and a JSON API in front of warm solver processes.

The command line pays its start-up (Python, NumPy, compiled kernels) on every
call; a service pays it once. The server keeps a few worker processes that
loaded the kernels at start, runs each solve in one of them under its time
limit, and answers over HTTP: a JSON API for programs and a page for people
who cut sheets. It sits on the public face (``nnopt.solve``, the problem
registry) and reads requests from text only: no path from a request ever
reaches the file system.

The ASGI stack (Starlette, uvicorn) is the ``serve`` extra; importing this
package does not import it, :func:`nnopt.server.app.create_app` does.
"""
from nnopt.server.config import ServerConfig

__all__ = ["ServerConfig"]

"""Refusals as JSON: ``{"code": ..., "message": ...}`` with the WebService's fault codes.

The code is the contract (the same as the SOAP ``faultcode``); the HTTP status says the
class. Messages never quote a secret; a refused number is named masked by the log only.
"""

from __future__ import annotations

from starlette.responses import JSONResponse

from hisms.adapters.webservice.faults import Refused

# The API's own codes beside the WebService's: a body that is not JSON, and a caller over
# its rate (HTTP 429 with Retry-After).
MALFORMED_JSON = "Client.MalformedJson"
RATE_LIMITED = "Client.RateLimited"

STATUS = {
    "Client.Authentication": 401,
    "Client.Forbidden": 403,
    "Client.NotFound": 404,
    "Client.ResourceNotFound": 404,
    "Client.RequestNotAllowed": 405,
    "Client.NotCancellable": 409,
    "Client.TooLarge": 413,
    RATE_LIMITED: 429,
    "Server.Busy": 503,
    "Server.Database": 503,
    "Server": 500,
}


def code_of(problem: str) -> str:
    """The code for a body pydantic refused, by its error type: the WebService's for the
    same cause (a required field absent, a value not of its type), else InvalidField."""
    if problem == "json_invalid":
        return MALFORMED_JSON
    if problem == "missing":
        return "Client.MissingField"
    if problem == "dict_type":  # params not an object: the WebService's InvalidField
        return "Client.InvalidField"
    if problem.endswith(("_type", "_parsing")) or problem == "int_from_float":
        return "Client.ValidationError"  # spyne's code: Priority not an integer, ...
    return "Client.InvalidField"  # an unknown field, a value out of its range


def status_of(code: str) -> int:
    """Any other ``Client.*`` code is a 400: the request itself is wrong."""
    return STATUS.get(code, 400)


def answer(refused: Refused, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        {"code": refused.code, "message": refused.text},
        status_code=status_of(refused.code),
        headers=headers,
    )


class Throttled(Refused):
    """Over the caller's rate: retry after ``retry_after`` seconds."""

    def __init__(self, caller: str, retry_after: int) -> None:
        super().__init__(
            RATE_LIMITED, f"caller {caller} is over its rate; retry after {retry_after} s"
        )
        self.retry_after = retry_after

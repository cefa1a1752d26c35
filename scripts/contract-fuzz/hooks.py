# Schemathesis hooks for every service's contract fuzz (run.ts sets SCHEMATHESIS_HOOKS to this file).
#
# A fresh Idempotency-Key for every call that sends a valid one. Schemathesis draws header values
# from a small pool, so two unrelated creating POSTs share a key; the second then gets the first
# one's stored response (as DESIGN.md promises: a repeat returns the stored response), even after
# that resource was deleted, and the stateful phase reports "created resource not found". A real
# client sends one key per logical request. Invalid keys, and every negative case, are left alone:
# the fuzz still checks that bad keys are refused, and a negative case edited here would be
# revalidated as positive, which makes Schemathesis send headers the case meant to leave out.
# Replays themselves are tested in packages/service-kit/test/idempotency*.
import re
import uuid

import schemathesis

VALID_KEY = re.compile(r"[!-~]{1,255}")


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.meta is not None and case.meta.generation.mode.is_negative:
        return
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key" and isinstance(headers[name], str) and VALID_KEY.fullmatch(headers[name]):
            headers[name] = str(uuid.uuid4())

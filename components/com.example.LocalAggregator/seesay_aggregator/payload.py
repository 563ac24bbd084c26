"""Window summaries as IoT Core payloads, always within IoT Core's size limit.

IoT Core refuses a message over 128 KB and drops the connection. Labels come
from a model's label file, so neither their number nor their length is under
this component's control: long names are cut, and if the summary is still too
large the least-seen labels are left out and the payload says how many.
"""

from __future__ import annotations

import json

from seesay.contract import WindowSummary

IOT_CORE_MAX_PAYLOAD = 128 * 1024
MAX_LABEL_LENGTH = 100


def encode_summary(summary: WindowSummary, limit: int = IOT_CORE_MAX_PAYLOAD) -> bytes:
    """The summary's JSON, trimmed to at most ``limit`` bytes."""
    message = summary.to_dict()
    for item in message["objects"]:
        if len(item["objectName"]) > MAX_LABEL_LENGTH:
            item["objectName"] = item["objectName"][:MAX_LABEL_LENGTH]
            message["labelsShortened"] = True
    payload = _dump(message)
    if len(payload) <= limit:
        return payload

    objects = sorted(message["objects"], key=lambda item: -item["objectCount"])
    message["truncated"] = True
    low, high = 0, len(objects)
    while low < high:  # the most objects that still fit
        middle = (low + high + 1) // 2
        message["objects"], message["objectsDropped"] = objects[:middle], len(objects) - middle
        if len(_dump(message)) <= limit:
            low = middle
        else:
            high = middle - 1
    message["objects"], message["objectsDropped"] = objects[:low], len(objects) - low
    return _dump(message)


def _dump(message: dict) -> bytes:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

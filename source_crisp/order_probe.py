"""What `check` says about the conversation sort guess (assumptions.CONVERSATION_SORT_PARAMS): the first page
of each sort, read-only, two requests. One page can contradict the guess but never prove it for the whole
list, so "confirmed" means "on the first page"; reads go on checking every record they read (DescendingScan).
"""

from __future__ import annotations

from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_crisp.assumptions import CONVERSATION_SORT_PARAMS
from source_crisp.incremental import Coverage, DescendingScan, Window
from source_crisp.objects import BY_NAME
from source_crisp.reader import CrispReader


def conversation_order(reader: CrispReader) -> str:
    """e.g. "conversation order: newest first, confirmed on page 1 (order_date_updated, order_date_created)".
    The order is judged by the rule the reads apply (DescendingScan)."""
    confirmed, others = [], []
    for cursor, param in CONVERSATION_SORT_PARAMS.items():
        try:
            page = next(reader.pages(BY_NAME["conversations"], {}, {param: "1"}), None)
        except AirbyteTracedException as error:
            return f"conversation order: not checked ({error.message})"
        scan = DescendingScan(Window(), Coverage())
        items = page.items if page else []
        for item in items:
            scan.admit(item.get(cursor), item.get("session_id"))
        if scan.contradiction is not None:
            others.append(
                f"{param} contradicted ({cursor} {scan.contradiction}): incremental reads on {cursor} "
                "scan the whole list"
            )
        elif sum(isinstance(item.get(cursor), int) for item in items) < 2:
            others.append(f"{param} unverified (fewer than 2 conversations)")
        else:
            confirmed.append(param)
    parts = [f"newest first, confirmed on page 1 ({', '.join(confirmed)})"] if confirmed else []
    return "conversation order: " + "; ".join(parts + others)

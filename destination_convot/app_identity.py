"""Which Convot app a key reaches, so the ledger belongs to the app and not to one key.

The docs tell users to create a new key after a revocation or to add a scope, and they document no endpoint
that names a key's app. They do document that the API is strictly scoped to the key's app: another app's
resource answers 404, never its data. So a key the ledger has not seen is tested on a few objects the ledger
holds for each app it knows: if the key can read one of them, it reaches that app and is bound to it (its
pending records and mapping are resumed); if every probe answers 404, the key is for another app and gets its
own rows. A wrong "another app" verdict (say the probed objects were deleted) cannot duplicate anything: the
new rows start empty, and `rebuild.py` then matches what the app already holds by external id.
"""

from __future__ import annotations

import logging

from destination_convot import assumptions
from destination_convot.client import ConvotClient
from destination_convot.errors import ConvotRejected
from destination_convot.ledger import Ledger
from destination_convot.work import convot_id

logger = logging.getLogger("airbyte")
PROBES_PER_KIND = 3


def resolve_app(ledger: Ledger, client: ConvotClient, key_id: str) -> str:
    """Bind `key_id` to the app it reaches (an app the ledger knows, or a new one named by the key id)."""
    known = ledger.app_of_key(key_id)
    if known is not None:
        ledger.app = known
        return known
    others = [app for app in ledger.apps() if app != key_id]
    probed = {app: _probe(ledger, client, app) for app in others}
    # An app with nothing confirmed in Convot has nothing a wrong verdict could duplicate: its pending records
    # are adopted, but only when no app was proven.
    reached = [app for app, verdict in probed.items() if verdict] or [
        app for app, verdict in probed.items() if verdict is None
    ]
    if reached:
        logger.info(
            f"Convot key {key_id} reaches the app this ledger knows as {reached[0]}: resuming its ledger "
            "(imported objects and pending records) with this key."
        )
        ledger.bind_key(key_id, reached[0])
        return reached[0]
    ledger.bind_key(key_id, key_id)
    return key_id


def _probe(ledger: Ledger, client: ConvotClient, app: str) -> bool | None:
    """True: the key reads an object confirmed for `app`; False: every probe answered 404; None: nothing to
    probe (no object of that app confirmed)."""
    verdict = None
    for kind, path in assumptions.APP_PROBE_PATHS.items():
        for object_id in ledger.samples(app, kind, PROBES_PER_KIND):
            try:
                client.get(path.format(id=convot_id(object_id)), {assumptions.PER_PAGE_PARAM: 1})
            except ConvotRejected as error:
                if error.status != 404:
                    raise
                verdict = False  # another app's object, or one deleted since: try the next
                continue
            return True
    return verdict

"""One short function per API route (paths relative to the /v1 prefix)."""

from __future__ import annotations

from . import contacts, conversations, events
from . import helpdesk as hd
from .router import ApiRequest, Reply, listing, route


@route("GET", "/contacts", "contacts:read")
def list_contacts(request: ApiRequest) -> Reply:
    filters = request.filters(("email", "external_id"))
    return listing(
        request,
        "contacts",
        lambda page, per_page: contacts.list_contacts(
            request.store, request.caller.app_id, filters, page, per_page
        ),
    )


@route("GET", "/contacts/{id}", "contacts:read")
def get_contact(request: ApiRequest) -> Reply:
    return 200, {"contact": contacts.get_contact(request.store, request.caller.app_id, request.id_param())}


@route("POST", "/contacts", "contacts:write")
def upsert_contact(request: ApiRequest) -> Reply:
    contact, created = contacts.upsert_contact(request.store, request.caller, request.body())
    return (201 if created else 200), {"contact": contact}


@route("POST", "/contacts/{id}/events", "contacts:write")
def create_contact_event(request: ApiRequest) -> Reply:
    event = events.create_event(request.store, request.caller, request.id_param(), request.body())
    return 201, {"event": event}


@route("GET", "/contacts/{id}/events", "contacts:read")
def list_contact_events(request: ApiRequest) -> Reply:
    contact_id = request.id_param()
    return listing(
        request,
        "events",
        lambda page, per_page: events.list_events(
            request.store, request.caller.app_id, contact_id, page, per_page
        ),
    )


@route("GET", "/conversations", "conversations:read")
def list_conversations(request: ApiRequest) -> Reply:
    filters = request.filters(("external_id", "contact_id", "status"), integers=("contact_id",))
    return listing(
        request,
        "conversations",
        lambda page, per_page: conversations.list_conversations(
            request.store, request.caller.app_id, filters, page, per_page
        ),
    )


@route("GET", "/conversations/{uuid}", "conversations:read")
def get_conversation(request: ApiRequest) -> Reply:
    found = conversations.get_conversation(request.store, request.caller.app_id, request.params["uuid"])
    return 200, {"conversation": found}


@route("POST", "/conversations", "conversations:write")
def start_conversation(request: ApiRequest) -> Reply:
    return 201, {
        "conversation": conversations.start_conversation(
            request.store, request.caller, request.body(), request.guesses
        )
    }


@route("PATCH", "/conversations/{uuid}", "conversations:write")
def patch_conversation(request: ApiRequest) -> Reply:
    changed = conversations.patch_conversation(
        request.store, request.caller, request.params["uuid"], request.body()
    )
    return 200, {"conversation": changed}


@route("POST", "/conversations/{uuid}/resolve", "conversations:write")
def resolve_conversation(request: ApiRequest) -> Reply:
    changed = conversations.set_status(request.store, request.caller, request.params["uuid"], "resolved")
    return 200, {"conversation": changed}


@route("POST", "/conversations/{uuid}/reopen", "conversations:write")
def reopen_conversation(request: ApiRequest) -> Reply:
    changed = conversations.set_status(request.store, request.caller, request.params["uuid"], "open")
    return 200, {"conversation": changed}


@route("GET", "/conversations/{uuid}/messages", "messages:read")
def list_messages(request: ApiRequest) -> Reply:
    return listing(
        request,
        "messages",
        lambda page, per_page: conversations.list_messages(
            request.store, request.caller.app_id, request.params["uuid"], page, per_page
        ),
    )


@route("POST", "/conversations/{uuid}/messages", "messages:write")
def add_message(request: ApiRequest) -> Reply:
    message = conversations.add_message(
        request.store, request.caller, request.params["uuid"], request.body(), request.guesses
    )
    return 201, {"message": message}


def _register_helpdesk(resource: hd.Resource) -> None:
    """The same four routes for each help-center resource: described once, registered per resource."""
    base = f"/helpdesk/{resource.path}"

    def list_items(request: ApiRequest) -> Reply:
        filters = request.filters(resource.filters)
        return listing(
            request,
            resource.path,
            lambda page, per_page: request.guesses.shown_page(
                hd.list_items(request.store, resource, request.caller.app_id, filters, page, per_page)
            ),
        )

    def create_item(request: ApiRequest) -> Reply:
        slug_sent = request.guesses.article_slug_sent
        created = hd.create_item(request.store, resource, request.caller.app_id, request.body(), slug_sent)
        return 201, {resource.singular: request.guesses.shown_helpdesk(created, created=True)}

    def get_item(request: ApiRequest) -> Reply:
        found = hd.get_item(request.store, resource, request.caller.app_id, request.id_param())
        return 200, {resource.singular: request.guesses.shown_helpdesk(found)}

    def patch_item(request: ApiRequest) -> Reply:
        changed = hd.patch_item(
            request.store, resource, request.caller.app_id, request.id_param(), request.body()
        )
        return 200, {resource.singular: request.guesses.shown_helpdesk(changed)}

    route("GET", base, "helpdesk:read")(list_items)
    route("POST", base, "helpdesk:write")(create_item)
    route("GET", f"{base}/{{id}}", "helpdesk:read")(get_item)
    if resource.patchable:
        route("PATCH", f"{base}/{{id}}", "helpdesk:write")(patch_item)


for _resource in hd.RESOURCES:
    _register_helpdesk(_resource)

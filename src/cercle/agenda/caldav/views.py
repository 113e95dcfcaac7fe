"""The CalDAV server (RFC 4791, with RFC 6578's sync-collection): WebDAV's methods on the
agenda's calendars, written on Django. What each URL is:

    /.well-known/caldav                        → /caldav/ (RFC 6764)
    /caldav/                                      the root: who am I (current-user-principal)
    /caldav/principals/<id>/                      a person: their calendar home and address
    /caldav/calendars/<id>/                       their calendar home: the calendars they see
    /caldav/calendars/<id>/personal/              their own calendar
    /caldav/calendars/<id>/space-<space id>/      the calendar of a space of theirs
    /caldav/calendars/<id>/<calendar>/<name>.ics  one event (its series and its exceptions)

Thin: the protocol's XML here, the calendars' data and writes in `store` (which calls the
agenda's queries and actions). XML bodies are parsed by the standard library's expat with
DTDs refused (no entity expansion); iCalendar by `icalendar`."""

from __future__ import annotations

import datetime as dt
import logging
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

import icalendar
from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from cercle.accounts.models import User
from cercle.agenda import recurrence
from cercle.agenda.caldav import auth, scheduling, store
from cercle.agenda.caldav.models import RawObject
from cercle.agenda.caldav.store import DavError
from cercle.agenda.models import Calendar, Event

logger = logging.getLogger(__name__)
DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
CS = "http://calendarserver.org/ns/"
ICAL = "http://apple.com/ns/ical/"
for prefix, uri in (("d", DAV), ("cal", CALDAV), ("cs", CS), ("ical", ICAL)):
    ET.register_namespace(prefix, uri)

MAX_XML_BODY = 1024 * 1024
MAX_ICS_BODY = 2 * 1024 * 1024
ROOT = "/caldav/"


def d(name: str) -> str:
    return f"{{{DAV}}}{name}"


def c(name: str) -> str:
    return f"{{{CALDAV}}}{name}"


Filler = Callable[[ET.Element], None]


def text(value: str) -> Filler:
    def fill(element: ET.Element) -> None:
        element.text = value

    return fill


def hrefs(*values: str) -> Filler:
    def fill(element: ET.Element) -> None:
        for value in values:
            ET.SubElement(element, d("href")).text = value

    return fill


def children(*names: str) -> Filler:
    def fill(element: ET.Element) -> None:
        for name in names:
            ET.SubElement(element, name)

    return fill


def privileges(*names: str) -> Filler:
    def fill(element: ET.Element) -> None:
        for name in names:
            ET.SubElement(ET.SubElement(element, d("privilege")), name)

    return fill


def reports(*names: str) -> Filler:
    def fill(element: ET.Element) -> None:
        for name in names:
            supported = ET.SubElement(element, d("supported-report"))
            ET.SubElement(ET.SubElement(supported, d("report")), name)

    return fill


def components_set(calendar: Calendar) -> Filler:
    def fill(element: ET.Element) -> None:
        for name in store.components_of(calendar).split(","):
            ET.SubElement(element, c("comp"), {"name": name})

    return fill


# --- Resources ---------------------------------------------------------------------------------


@dataclass
class Resource:
    href: str
    props: dict[str, Filler] = field(default_factory=dict)


def principal_href(user: User) -> str:
    return f"{ROOT}principals/{user.pk}/"


def home_href(user: User) -> str:
    return f"{ROOT}calendars/{user.pk}/"


def calendar_href(user: User, calendar: Calendar) -> str:
    return f"{home_href(user)}{quote(store.collection_name(calendar), safe='@+')}/"


def event_href(user: User, calendar: Calendar, event: Event) -> str:
    return calendar_href(user, calendar) + quote(store.resource_name(event), safe="@+")


def _common(user: User) -> dict[str, Filler]:
    return {
        d("current-user-principal"): hrefs(principal_href(user)),
        d("principal-URL"): hrefs(principal_href(user)),
        d("owner"): hrefs(principal_href(user)),
    }


def root_resource(user: User) -> Resource:
    props = _common(user)
    props[d("resourcetype")] = children(d("collection"))
    props[d("displayname")] = text("Cercle")
    props[c("calendar-home-set")] = hrefs(home_href(user))
    return Resource(ROOT, props)


def principal_resource(user: User) -> Resource:
    props = _common(user)
    props[d("resourcetype")] = children(d("principal"))
    props[d("displayname")] = text(user.display_name)
    props[c("calendar-home-set")] = hrefs(home_href(user))
    addresses = [f"mailto:{user.email}"] if user.email else []
    props[c("calendar-user-address-set")] = hrefs(*addresses, principal_href(user))
    props[c("calendar-user-type")] = text("INDIVIDUAL")
    props[d("principal-collection-set")] = hrefs(f"{ROOT}principals/")
    props[c("schedule-inbox-URL")] = hrefs(inbox_href(user))
    props[c("schedule-outbox-URL")] = hrefs(outbox_href(user))
    return Resource(principal_href(user), props)


# RFC 6638's scheduling collections. Cercle delivers invitations straight into the invitee's
# calendar, so the inbox is always empty; the outbox takes free-busy requests (POST).
INBOX_TOKEN = "http://cercle.invalid/sync/inbox"  # noqa: S105 - a URI, not a secret


def inbox_href(user: User) -> str:
    return f"{principal_href(user)}inbox/"


def outbox_href(user: User) -> str:
    return f"{principal_href(user)}outbox/"


def inbox_resource(user: User) -> Resource:
    props = _common(user)
    props[d("resourcetype")] = children(d("collection"), c("schedule-inbox"))
    props[d("displayname")] = text(_("Invitations"))
    props[c("schedule-default-calendar-URL")] = hrefs(
        calendar_href(user, store.personal_calendar(user))
    )
    props[d("current-user-privilege-set")] = privileges(
        d("read"), d("read-current-user-privilege-set"), c("schedule-deliver")
    )
    props[f"{{{CS}}}getctag"] = text(INBOX_TOKEN)
    props[d("sync-token")] = text(INBOX_TOKEN)
    props[d("supported-report-set")] = reports(c("calendar-query"), d("sync-collection"))
    return Resource(inbox_href(user), props)


def outbox_resource(user: User) -> Resource:
    props = _common(user)
    props[d("resourcetype")] = children(d("collection"), c("schedule-outbox"))
    props[d("displayname")] = text(_("Outbox"))
    props[d("current-user-privilege-set")] = privileges(
        d("read"),
        d("read-current-user-privilege-set"),
        c("schedule-send"),
        c("schedule-send-freebusy"),
    )
    return Resource(outbox_href(user), props)


def home_resource(user: User) -> Resource:
    props = _common(user)
    props[d("resourcetype")] = children(d("collection"))
    props[d("displayname")] = text(_("Calendars"))
    # bind: a person makes further calendars here (MKCALENDAR)
    props[d("current-user-privilege-set")] = privileges(d("read"), d("bind"), d("unbind"))
    return Resource(home_href(user), props)


READ = (d("read"), d("read-current-user-privilege-set"), c("read-free-busy"))
WRITE = (d("write"), d("write-content"), d("write-properties"), d("bind"), d("unbind"))


def calendar_resource(user: User, calendar: Calendar, token: str | None = None) -> Resource:
    props = _common(user)
    writable = store.can_write(user, calendar)
    sync_token = token or store.sync_token(calendar)
    props.update(
        {
            d("resourcetype"): children(d("collection"), c("calendar")),
            d("displayname"): text(store.display_name(calendar)),
            f"{{{ICAL}}}calendar-color": text(store.colour(calendar)),
            c("supported-calendar-component-set"): components_set(calendar),
            c("supported-calendar-data"): _calendar_data_types,
            c("max-resource-size"): text(str(MAX_ICS_BODY)),
            f"{{{CS}}}getctag": text(sync_token),
            d("sync-token"): text(sync_token),
            d("current-user-privilege-set"): privileges(*(READ + WRITE if writable else READ)),
            d("supported-report-set"): reports(
                c("calendar-query"),
                c("calendar-multiget"),
                c("free-busy-query"),
                d("sync-collection"),
            ),
        }
    )
    # RFC 6638, 9.1: whether the calendar's events make its owner busy (a person's calendars:
    # yes; a space's: no, only its events one organises or is invited to, `agenda.freebusy`).
    props[c("schedule-calendar-transp")] = children(
        c("opaque") if calendar.owner_id is not None else c("transparent")
    )
    position = store.order(calendar)
    if position is not None:
        props[f"{{{ICAL}}}calendar-order"] = text(str(position))
    about = store.description(calendar)
    if about:
        props[c("calendar-description")] = text(about)
    return Resource(calendar_href(user, calendar), props)


def raw_resource(user: User, calendar: Calendar, obj: RawObject) -> Resource:
    props: dict[str, Filler] = {
        d("resourcetype"): children(),
        d("getetag"): text(obj.etag),
        d("getcontenttype"): text(
            f"text/calendar; charset=utf-8; component={obj.component.lower()}"
        ),
        d("displayname"): text(obj.name),
        c("calendar-data"): text(obj.data),
        d("getlastmodified"): text(
            obj.updated_at.astimezone(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
        ),
    }
    return Resource(calendar_href(user, calendar) + quote(obj.name, safe="@+"), props)


def _calendar_data_types(element: ET.Element) -> None:
    ET.SubElement(element, c("calendar-data"), {"content-type": "text/calendar", "version": "2.0"})


def event_resource(
    user: User,
    calendar: Calendar,
    event: Event,
    *,
    data: Callable[[], bytes] | None = None,
) -> Resource:
    body = data or (lambda: store.event_ics(event))
    props: dict[str, Filler] = {
        d("resourcetype"): children(),
        d("getetag"): text(store.etag(event)),
        d("getcontenttype"): text("text/calendar; charset=utf-8; component=vevent"),
        d("displayname"): text(store.resource_name(event)),
        c("calendar-data"): lambda element: setattr(element, "text", body().decode()),
    }
    tag = store.schedule_tag(event)
    if tag is not None:
        props[c("schedule-tag")] = text(tag)
    if event.updated_at is not None:
        props[d("getlastmodified")] = text(
            event.updated_at.astimezone(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
        )
    return Resource(event_href(user, calendar, event), props)


# --- Responses -----------------------------------------------------------------------------------


def xml_response(root: ET.Element, status: int = 207) -> HttpResponse:
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8")
    if body.count(b"<?xml") > 1:  # ElementTree adds its own declaration with an encoding
        body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return HttpResponse(body, status=status, content_type='application/xml; charset="utf-8"')


def error_response(error: DavError) -> HttpResponse:
    logger.info("CalDAV refusal %s: %s", error.status, error.message)
    if error.condition is None or error.status == 404:
        return HttpResponse(
            error.message, status=error.status, content_type="text/plain; charset=utf-8"
        )
    namespace = DAV if error.condition in ("need-privileges", "valid-sync-token") else CALDAV
    root = ET.Element(d("error"))
    ET.SubElement(root, f"{{{namespace}}}{error.condition}")
    ET.SubElement(root, f"{{{CS}}}error-description").text = error.message
    return xml_response(root, error.status)


def _status(code: int) -> str:
    reasons = {
        200: "OK",
        403: "Forbidden",
        404: "Not Found",
        424: "Failed Dependency",
        507: "Insufficient Storage",
    }
    return f"HTTP/1.1 {code} {reasons.get(code, '')}".rstrip()


def add_response(
    multistatus: ET.Element, resource: Resource, wanted: list[str] | None, names_only: bool = False
) -> None:
    """One `response` of a multistatus: the props asked for (`None`: all), those unknown as 404."""
    response = ET.SubElement(multistatus, d("response"))
    ET.SubElement(response, d("href")).text = resource.href
    found = ET.Element(d("prop"))
    missing = ET.Element(d("prop"))
    names = list(resource.props) if wanted is None else wanted
    if wanted is None:
        names = [n for n in names if n != c("calendar-data")]
    for name in names:
        filler = resource.props.get(name)
        if filler is None:
            ET.SubElement(missing, name)
            continue
        element = ET.SubElement(found, name)
        if not names_only:
            filler(element)
    for prop, code in ((found, 200), (missing, 404)):
        if len(prop):
            propstat = ET.SubElement(response, d("propstat"))
            propstat.append(prop)
            ET.SubElement(propstat, d("status")).text = _status(code)


def add_gone(multistatus: ET.Element, href: str) -> None:
    response = ET.SubElement(multistatus, d("response"))
    ET.SubElement(response, d("href")).text = href
    ET.SubElement(response, d("status")).text = _status(404)


# --- Requests ----------------------------------------------------------------------------------


def parse_xml(request: HttpRequest) -> ET.Element | None:
    body = _body(request, MAX_XML_BODY)
    if not body.strip():
        return None
    try:
        element: ET.Element = SafeET.fromstring(body, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise DavError(400, _("XML with a DTD is not accepted.")) from exc
    except ET.ParseError as exc:
        raise DavError(400, _("The XML body cannot be read.")) from exc
    return element


def _body(request: HttpRequest, limit: int) -> bytes:
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError as exc:
        raise DavError(400, _("The Content-Length header is not a number.")) from exc
    if length > limit:
        raise DavError(413, _("The request body is too large."))
    body = request.body
    if len(body) > limit:
        raise DavError(413, _("The request body is too large."))
    return body


def wanted_props(root: ET.Element | None) -> tuple[list[str] | None, bool]:
    """The properties a PROPFIND or REPORT asks for: (names, names only); None: all."""
    if root is None or root.find(d("allprop")) is not None:
        return None, False
    if root.find(d("propname")) is not None:
        return None, True
    prop = root.find(d("prop"))
    if prop is None:
        return None, False
    return [child.tag for child in prop], False


def depth(request: HttpRequest, default: str = "0") -> str:
    value = request.headers.get("Depth", default).strip().lower()
    return value if value in ("0", "1", "infinity") else default


def parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = dt.datetime.strptime(value.strip(), "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError as exc:
        raise DavError(400, _("A time must be written as 20260131T090000Z.")) from exc
    return store.within_kept_years(moment)


# --- Dispatch ----------------------------------------------------------------------------------


@csrf_exempt
def well_known(request: HttpRequest) -> HttpResponse:
    """RFC 6764's discovery: a redirect to the server's root. A REPORT is answered here as at the
    root, because clients drop a body when they follow a redirect (the caldav library's
    principal search does)."""
    if request.method == "REPORT":
        return dav(request)
    response = HttpResponse(status=301)
    response["Location"] = ROOT
    return response


@dataclass
class Target:
    kind: str  # root, principals, principal, inbox, outbox, home, calendar, event, new-calendar
    calendar: Calendar | None = None
    event: Event | None = None
    name: str = ""
    raw: RawObject | None = None  # a to-do or journal entry (`kind` "event": an object)


def resolve(user: User, path: str) -> Target:
    parts = [unquote(p) for p in path.split("/") if p]
    if not parts:
        return Target("root")
    if parts[0] == "principals":
        if len(parts) == 1:
            return Target("principals")
        if len(parts) == 2 and parts[1] == str(user.pk):
            return Target("principal")
        if len(parts) == 3 and parts[1] == str(user.pk) and parts[2] in ("inbox", "outbox"):
            return Target(parts[2])
    if parts[0] == "calendars" and len(parts) >= 2 and parts[1] == str(user.pk):
        if len(parts) == 2:
            return Target("home")
        try:
            calendar = store.find_calendar(user, parts[2])
        except DavError:
            if len(parts) == 3:
                return Target("new-calendar", name=parts[2])
            raise
        if len(parts) == 3:
            return Target("calendar", calendar)
        if len(parts) == 4:
            name = parts[3]
            if len(name) > 255:
                raise DavError(404, _("No such event."))
            event = store.find_event(calendar, name)
            raw = store.find_raw(calendar, name) if event is None else None
            return Target("event", calendar, event, name, raw)
    raise DavError(404, _("Not found."))


ALLOW = (
    "OPTIONS, GET, HEAD, POST, PUT, DELETE, PROPFIND, PROPPATCH, REPORT, MKCALENDAR, MKCOL, MOVE"
)


def unauthorised() -> HttpResponse:
    response = HttpResponse(
        _("Sign in with your username or e-mail address and an app token."),
        status=401,
        content_type="text/plain; charset=utf-8",
    )
    response["WWW-Authenticate"] = 'Basic realm="Cercle CalDAV", charset="UTF-8"'
    return response


@csrf_exempt
def dav(request: HttpRequest, path: str = "") -> HttpResponse:
    if request.method == "OPTIONS":
        response = HttpResponse(status=200)
        response["DAV"] = "1, 3, calendar-access, calendar-auto-schedule"
        response["Allow"] = ALLOW
        return response
    user = auth.basic_user(request)
    if user is None:
        return unauthorised()
    try:
        target = resolve(user, path)
        handler = HANDLERS.get(request.method or "")
        if handler is None:
            response = HttpResponse(status=405)
            response["Allow"] = ALLOW
            return response
        if target.kind == "new-calendar" and handler is not mkcalendar:
            raise DavError(404, _("No such calendar."))
        return handler(request, user, target)
    except DavError as error:
        return error_response(error)


def _require_event(target: Target) -> Event:
    if target.event is None:
        raise DavError(404, _("No such event."))
    return target.event


def get(request: HttpRequest, user: User, target: Target) -> HttpResponse:
    if target.kind != "event":
        body = _("This is Cercle's CalDAV server; add it to a calendar application.")
        return HttpResponse(body, content_type="text/plain; charset=utf-8")
    if target.raw is not None:
        response = HttpResponse(
            b"" if request.method == "HEAD" else target.raw.data.encode(),
            content_type="text/calendar; charset=utf-8",
        )
        response["ETag"] = target.raw.etag
        return response
    event = _require_event(target)
    response = HttpResponse(
        b"" if request.method == "HEAD" else store.event_ics(event),
        content_type="text/calendar; charset=utf-8",
    )
    response["ETag"] = store.etag(event)
    tag = store.schedule_tag(event)
    if tag is not None:
        response["Schedule-Tag"] = tag
    return response


def _precondition(request: HttpRequest, event: Event | None, raw: RawObject | None = None) -> None:
    schedule_match = request.headers.get("If-Schedule-Tag-Match")
    if schedule_match is not None:
        # RFC 6638, 8.3: the resource must be a scheduling object with this Schedule-Tag
        tag = store.schedule_tag(event) if event is not None else None
        if tag is None or tag not in [t.strip() for t in schedule_match.split(",")]:
            raise DavError(412, _("The event changed since you read it."))
    if_match = request.headers.get("If-Match")
    if_none_match = request.headers.get("If-None-Match")
    current = store.etag(event) if event is not None else raw.etag if raw is not None else None
    if if_match is not None:
        tags = [t.strip() for t in if_match.split(",")]
        if current is None or ("*" not in tags and current not in tags):
            raise DavError(412, _("The event changed since you read it."))
    if if_none_match is not None and current is not None:
        tags = [t.strip() for t in if_none_match.split(",")]
        if "*" in tags or current in tags:
            raise DavError(412, _("This event exists already."))


def put(request: HttpRequest, user: User, target: Target) -> HttpResponse:
    if target.kind != "event" or target.calendar is None:
        raise DavError(405, _("Only events (.ics) can be written here."))
    body = _body(request, MAX_ICS_BODY)
    _precondition(request, target.event, target.raw)
    answering = target.event is not None and store.is_invited(user, target.event)
    if not answering and not store.can_write(user, target.calendar):
        raise DavError(403, _("You cannot change this calendar."), "need-privileges")
    whole = store.read_calendar(body)
    found = store.kinds(whole)
    if found and found <= set(store.RAW_COMPONENTS):
        if target.event is not None:
            raise DavError(403, _("An event stays an event."), "valid-calendar-object-resource")
        obj, made = store.put_raw(
            actor=user,
            calendar=target.calendar,
            name=target.name,
            existing=target.raw,
            parsed=whole,
            body=body,
        )
        response = HttpResponse(status=201 if made else 204)
        response["ETag"] = obj.etag
        return response
    if target.raw is not None:
        raise DavError(
            403, _("A to-do or journal entry stays one."), "valid-calendar-object-resource"
        )
    if "VEVENT" not in store.components_of(target.calendar).split(","):
        raise DavError(403, _("This calendar holds no events."), "supported-calendar-component")
    parsed = store.parse(body, user.time_zone or settings.TIME_ZONE)
    if store.raw_objects(target.calendar).filter(uid=parsed.uid).exists():
        raise DavError(403, _("Another object of this calendar has this UID."), "no-uid-conflict")
    event, created = store.put_event(
        actor=user,
        calendar=target.calendar,
        name=target.name,
        existing=target.event,
        parsed=parsed,
    )
    stored = store.keep_source(user, event, body)
    response = HttpResponse(status=201 if created else 204)
    fresh = store.calendar_events(event.calendar).get(pk=event.pk)
    if stored == body:  # RFC 4791, 5.3.4: no ETag when what is stored is not what was sent
        response["ETag"] = store.etag(fresh)
    tag = store.schedule_tag(fresh)
    if tag is not None:
        response["Schedule-Tag"] = tag
    return response


def post(request: HttpRequest, user: User, target: Target) -> HttpResponse:
    """RFC 6638, 5: a free-busy request POSTed to one's outbox; its `schedule-response` has
    each recipient's answer (their busy periods, or why not)."""
    if target.kind != "outbox":
        raise DavError(405, _("Only the schedule outbox takes a POST."))
    body = _body(request, MAX_ICS_BODY)
    answers = scheduling.free_busy_request(user, body)
    root = ET.Element(c("schedule-response"))
    for answer in answers:
        response = ET.SubElement(root, c("response"))
        ET.SubElement(ET.SubElement(response, c("recipient")), d("href")).text = answer.recipient
        ET.SubElement(response, c("request-status")).text = answer.status
        if answer.calendar is not None:
            ET.SubElement(response, c("calendar-data")).text = answer.calendar.decode()
    return xml_response(root, 200)


def delete(request: HttpRequest, user: User, target: Target) -> HttpResponse:
    if target.kind == "calendar":
        assert target.calendar is not None
        if not target.calendar.extra or target.calendar.owner_id != user.pk:
            raise DavError(
                403, _("Only calendars you made can be deleted here."), "need-privileges"
            )
        store.delete_calendar(user, target.calendar)
        return HttpResponse(status=204)
    if target.kind != "event":
        raise DavError(403, _("This cannot be deleted."), "need-privileges")
    if target.raw is not None:
        _precondition(request, None, target.raw)
        store.delete_raw(actor=user, obj=target.raw)
        return HttpResponse(status=204)
    event = _require_event(target)
    _precondition(request, event)
    assert target.calendar is not None
    if not store.is_invited(user, event) and not store.can_write(user, target.calendar):
        raise DavError(403, _("You cannot change this calendar."), "need-privileges")
    store.delete_event(actor=user, event=event)
    return HttpResponse(status=204)


def move(request: HttpRequest, user: User, target: Target) -> HttpResponse:
    """MOVE of an event to another calendar of the person's home (RFC 4918, 9.9): 201 when the
    destination was free, 204 when it replaced what was there (Overwrite: T, the default)."""
    if target.kind != "event" or target.calendar is None:
        raise DavError(403, _("Only an event can be moved."), "need-privileges")
    if target.raw is not None:
        raise DavError(403, _("A to-do or journal entry is moved by writing it anew."))
    event = _require_event(target)
    _precondition(request, event)
    destination = _destination(request, user)
    if destination.kind != "event" or destination.calendar is None:
        raise DavError(409, _("An event is moved into a calendar of yours."))
    if destination.calendar.pk == target.calendar.pk:
        raise DavError(403, _("An event is moved to another calendar, not renamed."))
    taken = destination.event is not None or destination.raw is not None
    if taken and request.headers.get("Overwrite", "T").strip().upper() == "F":
        raise DavError(412, _("Something is at the destination already."))
    store.move_event(
        actor=user,
        event=event,
        source=target.calendar,
        target=destination.calendar,
        name=destination.name,
        replaced=destination.event,
        replaced_raw=destination.raw,
    )
    return HttpResponse(status=204 if taken else 201)


def _destination(request: HttpRequest, user: User) -> Target:
    """The `Destination` header's resource: an address of this server, under `ROOT`."""
    header = request.headers.get("Destination", "")
    parts = urlsplit(header)
    if not header or (parts.netloc and parts.netloc != request.get_host()):
        raise DavError(502, _("The destination is not on this server."))
    if not parts.path.startswith(ROOT):
        raise DavError(409, _("An event is moved into a calendar of yours."))
    try:
        return resolve(user, parts.path[len(ROOT) :])
    except DavError as error:
        raise DavError(409, _("An event is moved into a calendar of yours.")) from error


LISTED = frozenset({d("getetag"), d("getcontenttype"), d("resourcetype")})


def propfind(request: HttpRequest, user: User, target: Target) -> HttpResponse:
    root = parse_xml(request)
    if root is not None and root.tag != d("propfind"):
        raise DavError(400, _("A PROPFIND body is a propfind element."))
    wanted, names_only = wanted_props(root)
    level = depth(request)
    multistatus = ET.Element(d("multistatus"))
    resources: list[Resource] = []
    if target.kind == "root":
        resources.append(root_resource(user))
    elif target.kind == "principals":
        resources.append(
            Resource(f"{ROOT}principals/", {d("resourcetype"): children(d("collection"))})
        )
        if level != "0":
            resources.append(principal_resource(user))
    elif target.kind == "principal":
        resources.append(principal_resource(user))
    elif target.kind == "inbox":
        resources.append(inbox_resource(user))  # empty: nothing at depth 1
    elif target.kind == "outbox":
        resources.append(outbox_resource(user))
    elif target.kind == "home":
        resources.append(home_resource(user))
        if level != "0":
            resources.extend(calendar_resource(user, cal) for cal in store.home_calendars(user))
    elif target.kind == "calendar":
        assert target.calendar is not None
        if level != "0" and wanted is not None and not names_only and set(wanted) <= LISTED:
            # What clients list a calendar with (DAVx5, Thunderbird): names, ETags and types,
            # read as plain values (`store.listing`) without loading the events.
            state, components = store.listing(target.calendar)
            token = store.sync_token(target.calendar, state)
            resources.append(calendar_resource(user, target.calendar, token))
            base = calendar_href(user, target.calendar)
            for name, tag in sorted(state.items()):
                kind = components.get(name, "VEVENT").lower()
                resources.append(
                    Resource(
                        base + quote(name, safe="@+"),
                        {
                            d("getetag"): text(tag),
                            d("getcontenttype"): text(
                                f"text/calendar; charset=utf-8; component={kind}"
                            ),
                            d("resourcetype"): children(),
                        },
                    )
                )
            for resource in resources:
                add_response(multistatus, resource, wanted, names_only)
            return xml_response(multistatus)
        resources.append(calendar_resource(user, target.calendar))
        if level != "0":
            resources.extend(
                event_resource(user, target.calendar, e)
                for e in store.calendar_events(target.calendar)
            )
            resources.extend(
                raw_resource(user, target.calendar, o) for o in store.raw_objects(target.calendar)
            )
    else:
        assert target.calendar is not None
        if target.raw is not None:
            resources.append(raw_resource(user, target.calendar, target.raw))
        else:
            resources.append(event_resource(user, target.calendar, _require_event(target)))
    for resource in resources:
        add_response(multistatus, resource, wanted, names_only)
    return xml_response(multistatus)


COLOUR = f"{{{ICAL}}}calendar-color"
ORDER = f"{{{ICAL}}}calendar-order"
SETTABLE = (d("displayname"), COLOUR, ORDER, c("calendar-description"))


def _read_prop(props: store.CalendarProps, element: ET.Element, remove: bool = False) -> bool:
    """Put one property of a MKCALENDAR or PROPPATCH into `props`; False: not one of those."""
    value = "" if remove else (element.text or "").strip()
    if element.tag == d("displayname"):
        props.name = value[:200]
    elif element.tag == COLOUR:
        props.colour = value[:32]
    elif element.tag == ORDER:
        if remove:
            props.clear_order = True
        elif not value.lstrip("-").isdigit() or len(value) > 9:
            raise DavError(400, _("The calendar order is a whole number."))
        else:
            props.order = int(value)
    elif element.tag == c("calendar-description"):
        props.description = value[:2000]
    elif element.tag == c("supported-calendar-component-set") and not remove:
        props.components = [(comp.get("name") or "").upper() for comp in element]
    elif element.tag in (d("resourcetype"), c("calendar-timezone"), c("calendar-timezone-id")):
        pass  # a calendar's (MKCOL says so); zones: each object names its own
    else:
        return False
    return True


def proppatch(request: HttpRequest, user: User, target: Target) -> HttpResponse:
    """On a person's own calendars: their name (the main one's: in the applications only; in
    Cercle it bears the person's name), colour, order and description; anything else, and other
    calendars, are refused with 403 (and the rest of the request, all or nothing, with 424)."""
    root = parse_xml(request)
    if root is None or root.tag != d("propertyupdate"):
        raise DavError(400, _("A PROPPATCH body is a propertyupdate element."))
    calendar = target.calendar if target.kind == "calendar" else None
    own = calendar is not None and calendar.owner_id == user.pk
    props = store.CalendarProps()
    accepted: list[str] = []
    refused: list[str] = []
    for container in root:
        remove = container.tag == d("remove")
        for holder in container.iter(d("prop")):
            for child in holder:
                settable = own and child.tag in SETTABLE
                if settable and _read_prop(props, child, remove):
                    accepted.append(child.tag)
                else:
                    refused.append(child.tag)
    if not refused and accepted and calendar is not None:
        store.change_calendar(user, calendar, props)
    multistatus = ET.Element(d("multistatus"))
    response = ET.SubElement(multistatus, d("response"))
    ET.SubElement(response, d("href")).text = request.path
    groups = ((accepted, 424 if refused else 200), (refused, 403))
    for names, code in groups:
        if not names:
            continue
        propstat = ET.SubElement(response, d("propstat"))
        prop = ET.SubElement(propstat, d("prop"))
        for name in names:
            ET.SubElement(prop, name)
        ET.SubElement(propstat, d("status")).text = _status(code)
    return xml_response(multistatus)


# --- Reports -----------------------------------------------------------------------------------


def report(request: HttpRequest, user: User, target: Target) -> HttpResponse:
    root = parse_xml(request)
    if root is None:
        raise DavError(400, _("A REPORT needs a body."))
    if root.tag == d("principal-property-search") and target.kind in (
        "root",
        "principals",
        "principal",
    ):
        return principal_search(user, root)
    if target.kind != "calendar" or target.calendar is None:
        if target.kind in ("principal", "principals", "home", "root", "inbox") and root.tag in (
            c("calendar-query"),
            d("sync-collection"),
        ):
            multistatus = ET.Element(d("multistatus"))
            if target.kind == "inbox" and root.tag == d("sync-collection"):
                ET.SubElement(multistatus, d("sync-token")).text = INBOX_TOKEN
            return xml_response(multistatus)
        raise DavError(403, _("This report is not supported here."), "supported-report")
    calendar = target.calendar
    if root.tag == c("calendar-multiget"):
        return multiget(user, calendar, root)
    if root.tag == c("calendar-query"):
        return calendar_query(user, calendar, root)
    if root.tag == d("sync-collection"):
        return sync_collection(user, calendar, root)
    if root.tag == c("free-busy-query"):
        return free_busy(calendar, root)
    raise DavError(403, _("This report is not supported."), "supported-report")


def principal_search(user: User, root: ET.Element) -> HttpResponse:
    """Finds only oneself: colleagues' calendars are not shared through CalDAV (the directory
    and the agenda's pages show them)."""
    wanted, names_only = wanted_props(root)
    multistatus = ET.Element(d("multistatus"))
    name = user.display_name.casefold()
    matches = all(
        (search.findtext(d("match")) or "").casefold() in name
        for search in root.findall(d("property-search"))
    )
    if matches:
        add_response(multistatus, principal_resource(user), wanted, names_only)
    return xml_response(multistatus)


def _expand_window(root: ET.Element) -> recurrence.Window | None:
    expand = root.find(f"{d('prop')}/{c('calendar-data')}/{c('expand')}")
    if expand is None:
        return None
    start, end = parse_time(expand.get("start")), parse_time(expand.get("end"))
    if start is None or end is None or end <= start:
        raise DavError(400, _("An expansion needs a start and a later end."))
    if end - start > dt.timedelta(days=3660):
        raise DavError(403, _("Expand at most ten years at once."))
    return recurrence.Window(start, end)


def _event_resource_for(
    user: User, calendar: Calendar, event: Event, window: recurrence.Window | None
) -> Resource:
    if window is None:
        return event_resource(user, calendar, event)
    return event_resource(user, calendar, event, data=lambda: store.expanded_ics(event, window))


def multiget(user: User, calendar: Calendar, root: ET.Element) -> HttpResponse:
    """calendar-multiget (RFC 4791, 7.9): each href asked, in order, as the event (or the
    object) of that name in the calendar, or 404. Without expansion, from the events'
    summaries (`_named_summaries`: one query, and their `.ics` as already written), the
    multistatus written as text (`SummaryWriter`)."""
    wanted, names_only = wanted_props(root)
    window = _expand_window(root)
    base = calendar_href(user, calendar)
    named: list[tuple[str, str | None]] = []
    for href in [h.text or "" for h in root.findall(d("href"))][:5000]:
        path = unquote(urlsplit(href.strip()).path)
        name = path[len(base) :] if path.startswith(base) else None
        named.append((href, name if name is not None and "/" not in name else None))
    names = [n for _, n in named if n is not None]
    with_data = not names_only and wanted is not None and c("calendar-data") in wanted
    resources: dict[str, Resource] = {}
    summaries: dict[str, store.Summary] = {}
    texts: dict[int, bytes] = {}
    if window is not None:
        events = store.events_by_name(calendar, names)
        resources = {n: _event_resource_for(user, calendar, e, window) for n, e in events.items()}
    else:
        summaries, texts = _named_summaries(calendar, names, with_data)
    left = [n for n in names if n not in resources and n not in summaries]
    objects = store.raw_by_name(calendar, left) if left else {}
    write = SummaryWriter(base, wanted, names_only)
    parts: list[str] = []
    for href, name in named:
        summary = summaries.get(name) if name is not None else None
        if summary is not None:
            parts.append(write(summary, texts.get(summary.pk)))
            continue
        resource = resources.get(name) if name is not None else None
        obj = objects.get(name) if name is not None and resource is None else None
        if obj is not None:
            resource = raw_resource(user, calendar, obj)
        if resource is None:
            parts.append(gone_text(href))
        else:
            parts.append(resource_text(resource, wanted, names_only))
    return text_response(parts)


def resource_text(resource: Resource, wanted: list[str] | None, names_only: bool) -> str:
    """`add_response` of one resource, as text."""
    holder = ET.Element(d("multistatus"))
    add_response(holder, resource, wanted, names_only)
    return element_text(holder[0])


def _named_summaries(
    calendar: Calendar, names: list[str], with_data: bool
) -> tuple[dict[str, store.Summary], dict[int, bytes]]:
    """The summaries of the events named in `names`, by name, with their `.ics` by event id when
    asked: their names, ETags and tags read as plain values (one SQL query) and their `.ics` from
    what was already written for their current ETag (`store.known_ics`): only the events never
    written at that ETag are loaded, in a fixed number of queries (a client's multiget after a
    sync asks for those it has not seen, usually already written for another of the person's
    devices)."""
    summaries = store.summaries_by_name(calendar, names)
    texts: dict[int, bytes] = {}
    if with_data:
        texts = _texts(calendar, list(summaries.values()))
        summaries = {n: s for n, s in summaries.items() if s.pk in texts}  # gone since: 404
    return summaries, texts


def _texts(calendar: Calendar, summaries: list[store.Summary]) -> dict[int, bytes]:
    """The `.ics` of those events by id: already written for their ETag, or else written now
    from the events loaded in one go (a fixed number of queries)."""
    texts = store.known_ics(summaries)
    unwritten = [s.pk for s in summaries if s.pk not in texts]
    if unwritten:
        for event in store.calendar_events(calendar).filter(pk__in=unwritten):
            texts[event.pk] = store.event_ics(event)
    return texts


# --- Multistatus written as text ------------------------------------------------------------------
# The answers of many events (a multiget, a month's calendar-query) are written from templates,
# their hrefs quoted (no character XML escapes) and their values escaped, rather than built as an
# element tree and serialised: a hundred responses cost microseconds each.

PREFIXES = {DAV: "d", CALDAV: "cal", CS: "cs", ICAL: "ical"}
MULTISTATUS_OPEN = (
    '<?xml version="1.0" encoding="utf-8"?>\n<d:multistatus'
    + "".join(f' xmlns:{prefix}="{uri}"' for uri, prefix in PREFIXES.items())
    + ">"
)
OK_STATUS = f"<d:status>{_status(200)}</d:status>"
GONE_STATUS = f"<d:status>{_status(404)}</d:status>"
LAST_MODIFIED = "%a, %d %b %Y %H:%M:%S GMT"


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _qualified(tag: str) -> tuple[str, str]:
    """The element's name as written inside the multistatus, and the namespace declaration it
    needs (none for the four declared on the multistatus)."""
    uri, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    prefix = PREFIXES.get(uri)
    if prefix is not None:
        return f"{prefix}:{local}", ""
    if not uri:
        return local, ""  # no default namespace is declared
    quoted = uri.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    return f"x:{local}", f' xmlns:x="{quoted}"'


def _empty(tag: str) -> str:
    name, declaration = _qualified(tag)
    return f"<{name}{declaration}/>"


def _element(tag: str, content: str) -> str:
    name, declaration = _qualified(tag)
    return f"<{name}{declaration}>{content}</{name}>"


def gone_text(href: str) -> str:
    return f"<d:response><d:href>{_escape(href)}</d:href>{GONE_STATUS}</d:response>"


def element_text(element: ET.Element) -> str:
    """A response built as an element tree, as text (its namespaces declared on it)."""
    return ET.tostring(element, encoding="unicode")


def text_response(parts: list[str], status: int = 207) -> HttpResponse:
    body = MULTISTATUS_OPEN + "".join(parts) + "</d:multistatus>"
    return HttpResponse(
        body.encode(), status=status, content_type='application/xml; charset="utf-8"'
    )


SUMMARY_PROPS = (
    d("resourcetype"),
    d("getetag"),
    d("getcontenttype"),
    d("displayname"),
    c("calendar-data"),
    c("schedule-tag"),
    d("getlastmodified"),
)
EVENT_TYPE = "text/calendar; charset=utf-8; component=vevent"


class SummaryWriter:
    """The `response` of each event from its `store.Summary` and its `.ics` (None: not asked),
    as `add_response` would write the event's resource: the properties asked for (`None`:
    all but the calendar data), in their order, those it has not as 404."""

    def __init__(self, base: str, wanted: list[str] | None, names_only: bool) -> None:
        self.base = _escape(base)
        self.names_only = names_only
        names = [n for n in SUMMARY_PROPS if n != c("calendar-data")] if wanted is None else wanted
        self.names = names
        self.unknown = "".join(_empty(n) for n in names if n not in SUMMARY_PROPS)

    def __call__(self, summary: store.Summary, data: bytes | None) -> str:
        found: list[str] = []
        missing = self.unknown
        names_only = self.names_only
        for name in self.names:
            if name == "{DAV:}getetag":
                found.append(
                    "<d:getetag/>" if names_only else f"<d:getetag>{summary.etag}</d:getetag>"
                )
            elif name == "{urn:ietf:params:xml:ns:caldav}calendar-data":
                if names_only:
                    found.append("<cal:calendar-data/>")
                else:
                    value = _escape(data.decode()) if data is not None else ""
                    found.append(f"<cal:calendar-data>{value}</cal:calendar-data>")
            elif name == "{urn:ietf:params:xml:ns:caldav}schedule-tag":
                if summary.schedule_tag is None:
                    missing += "<cal:schedule-tag/>"
                elif names_only:
                    found.append("<cal:schedule-tag/>")
                else:
                    found.append(f"<cal:schedule-tag>{summary.schedule_tag}</cal:schedule-tag>")
            elif name == "{DAV:}getlastmodified":
                if summary.updated_at is None:
                    missing += "<d:getlastmodified/>"
                elif names_only:
                    found.append("<d:getlastmodified/>")
                else:
                    when = summary.updated_at.astimezone(dt.UTC).strftime(LAST_MODIFIED)
                    found.append(f"<d:getlastmodified>{when}</d:getlastmodified>")
            elif name == "{DAV:}resourcetype":
                found.append("<d:resourcetype/>")
            elif name == "{DAV:}getcontenttype":
                found.append(
                    "<d:getcontenttype/>"
                    if names_only
                    else f"<d:getcontenttype>{EVENT_TYPE}</d:getcontenttype>"
                )
            elif name == "{DAV:}displayname":
                found.append(
                    "<d:displayname/>"
                    if names_only
                    else f"<d:displayname>{_escape(summary.name)}</d:displayname>"
                )
        text = f"<d:response><d:href>{self.base}{quote(summary.name, safe='@+')}</d:href>"
        if found:
            text += f"<d:propstat><d:prop>{''.join(found)}</d:prop>{OK_STATUS}</d:propstat>"
        if missing:
            text += f"<d:propstat><d:prop>{missing}</d:prop>{GONE_STATUS}</d:propstat>"
        return text + "</d:response>"


def _text_matches(event: Event, prop_filter: ET.Element) -> bool:
    name = (prop_filter.get("name") or "").upper()
    values = {
        "SUMMARY": event.title,
        "DESCRIPTION": event.description,
        "LOCATION": event.place,
        "UID": event.uid,
        "URL": event.meeting_url,
        "CLASS": "PRIVATE",
    }
    if event.visibility != "private":
        values["CLASS"] = ""  # written only for private events
    for always in ("DTSTART", "DTEND", "DTSTAMP", "SEQUENCE"):
        values[always] = "x"
    if prop_filter.find(c("is-not-defined")) is not None:
        return not values.get(name)
    value = values.get(name)
    if value is None or value == "":
        return False
    match = prop_filter.find(c("text-match"))
    if match is None:
        return True
    needle = (match.text or "").casefold()
    negate = (match.get("negate-condition") or "no").lower() == "yes"
    if (match.get("collation") or "i;ascii-casemap") == "i;octet":
        found = (match.text or "") in value
    else:
        found = needle in value.casefold()
    return found != negate


def _property_matches(component: icalendar.cal.Component, prop_filter: ET.Element) -> bool:
    """RFC 4791's prop-filter on a component as written (an object Cercle keeps as text)."""
    name = (prop_filter.get("name") or "").upper()
    found = component.get(name)
    values = found if isinstance(found, list) else [found] if found is not None else []
    if prop_filter.find(c("is-not-defined")) is not None:
        return not values
    if not values:
        return False
    match = prop_filter.find(c("text-match"))
    if match is None:
        return True
    texts: list[str] = []
    for value in values:
        if hasattr(value, "cats"):
            texts.extend(str(v) for v in value.cats)
        elif hasattr(value, "to_ical") and not isinstance(value, str):
            raw = value.to_ical()
            texts.append(raw.decode() if isinstance(raw, bytes) else str(raw))
        else:
            texts.append(str(value))
    negate = (match.get("negate-condition") or "no").lower() == "yes"
    needle = match.text or ""
    if (match.get("collation") or "i;ascii-casemap") == "i;octet":
        hit = any(needle in t for t in texts)
    else:
        hit = any(needle.casefold() in t.casefold() for t in texts)
    return hit != negate


def _component_matches(
    calendar_data: icalendar.Calendar, comp_filter: ET.Element, kind: str
) -> bool:
    """A comp-filter on VTODO/VJOURNAL/VEVENT, against the object as written: any of its
    components of that kind (the master or an override) matching."""
    if comp_filter.find(c("is-not-defined")) is not None:
        return not calendar_data.walk(kind)
    components = [x for x in calendar_data.subcomponents if x.name == kind]
    if not components:
        return False
    time_range = comp_filter.find(c("time-range"))
    if time_range is not None:
        start, end = parse_time(time_range.get("start")), parse_time(time_range.get("end"))
        if not store.in_time_range(calendar_data, kind, start, end):
            return False
    prop_filters = comp_filter.findall(c("prop-filter"))
    inner = comp_filter.findall(c("comp-filter"))
    for component in components:
        if not all(_property_matches(component, f) for f in prop_filters):
            continue
        if all(_sub_matches(component, f) for f in inner):
            return True
    return False


def _sub_matches(component: icalendar.cal.Component, comp_filter: ET.Element) -> bool:
    """A nested comp-filter (VALARM): whether the component has one matching, its time range
    read on the component's own times (a series: its first occurrence, and each changed one)."""
    name = (comp_filter.get("name") or "").upper()
    present = [x for x in component.subcomponents if x.name == name]
    if comp_filter.find(c("is-not-defined")) is not None:
        return not present
    time_range = comp_filter.find(c("time-range"))
    window = None
    if time_range is not None:
        window = (parse_time(time_range.get("start")), parse_time(time_range.get("end")))
    return any(
        all(_property_matches(x, f) for f in comp_filter.findall(c("prop-filter")))
        and (window is None or store.alarm_in_range(component, x, *window))
        for x in present
    )


def calendar_query(user: User, calendar: Calendar, root: ET.Element) -> HttpResponse:
    wanted, names_only = wanted_props(root)
    window = _expand_window(root)
    multistatus = ET.Element(d("multistatus"))
    outer = root.find(f"{c('filter')}/{c('comp-filter')}")
    if outer is None or (outer.get("name") or "").upper() != "VCALENDAR":
        raise DavError(403, _("A calendar query filters a VCALENDAR."), "valid-filter")
    inner = outer.find(c("comp-filter"))
    kind = (inner.get("name") or "").upper() if inner is not None else ""
    if kind in store.RAW_COMPONENTS or kind == "":
        for obj in store.raw_objects(calendar):
            if kind and obj.component != kind:
                continue
            parsed = store.parsed_raw(obj)
            if parsed is None:
                continue
            if inner is not None and not _component_matches(parsed, inner, kind):
                continue
            add_response(multistatus, raw_resource(user, calendar, obj), wanted, names_only)
        if kind:
            return xml_response(multistatus)
    elif kind != "VEVENT":
        return xml_response(multistatus)
    start = end = None
    prop_filters: list[ET.Element] = []
    nested: list[ET.Element] = []
    if inner is not None:
        if inner.find(c("is-not-defined")) is not None:
            return xml_response(multistatus)
        time_range = inner.find(c("time-range"))
        if time_range is not None:
            start, end = parse_time(time_range.get("start")), parse_time(time_range.get("end"))
            if start is None and end is None:
                raise DavError(400, _("A time range needs a start or an end."))
            if start is not None and end is not None and end <= start:
                raise DavError(400, _("The end must be after the start."))
        prop_filters = inner.findall(c("prop-filter"))
        nested = inner.findall(c("comp-filter"))
    if not prop_filters and not nested and window is None:
        # What clients ask (a time range, ETags and texts): the events found from their own
        # rows, their names, ETags and `.ics` read as `multiget` reads them.
        with_data = not names_only and wanted is not None and c("calendar-data") in wanted
        pks = store.event_ids_in_range(calendar, start, end)
        by_pk = store.summaries_by_pk(pks)
        texts = _texts(calendar, list(by_pk.values())) if with_data else {}
        write = SummaryWriter(calendar_href(user, calendar), wanted, names_only)
        parts = [element_text(found) for found in multistatus]  # to-dos and journal entries
        for pk in pks:
            summary = by_pk.get(pk)
            if summary is not None and (not with_data or pk in texts):
                parts.append(write(summary, texts.get(pk)))
        return text_response(parts)
    events = store.events_in_range(calendar, start, end)
    for event in events:
        written = store.current_source(event) if (prop_filters or nested) else None
        if written is not None:
            masters = [x for x in written.subcomponents if x.name == "VEVENT"]
            ok = any(
                all(_property_matches(x, f) for f in prop_filters)
                and all(_sub_matches(x, f) for f in nested)
                for x in masters
            )
        else:
            ok = not nested and all(_text_matches(event, f) for f in prop_filters)
        if ok:
            add_response(
                multistatus, _event_resource_for(user, calendar, event, window), wanted, names_only
            )
    return xml_response(multistatus)


def sync_collection(user: User, calendar: Calendar, root: ET.Element) -> HttpResponse:
    wanted, names_only = wanted_props(root)
    level = (root.findtext(d("sync-level")) or "1").strip()
    if level not in ("1",):
        raise DavError(403, _("Only sync-level 1 is supported."), "supported-report")
    token = (root.findtext(d("sync-token")) or "").strip()
    limit_text = (root.findtext(f"{d('limit')}/{d('nresults')}") or "").strip()
    limit = None
    if limit_text:
        if not limit_text.isdigit() or not 0 < int(limit_text) < 100000:
            raise DavError(400, _("The limit must be a positive number."))
        limit = int(limit_text)
    changes = store.changes_since(calendar, token, limit)
    multistatus = ET.Element(d("multistatus"))
    base = calendar_href(user, calendar)
    if wanted is not None and not names_only and set(wanted) <= {d("getetag")}:
        # What clients ask (DAVx5, Thunderbird): the names and ETags, known without the events.
        for name in changes.changed:
            add_response(
                multistatus,
                Resource(base + quote(name, safe="@+"), {d("getetag"): text(changes.etags[name])}),
                wanted,
            )
        changes.changed = []
    events = store.events_by_name(calendar, changes.changed)
    objects = store.raw_by_name(calendar, [n for n in changes.changed if n not in events])
    for name in changes.changed:
        event = events.get(name)
        if event is None:
            obj = objects.get(name)
            if obj is None:
                add_gone(multistatus, base + quote(name, safe="@+"))
            else:
                add_response(multistatus, raw_resource(user, calendar, obj), wanted, names_only)
            continue
        add_response(multistatus, event_resource(user, calendar, event), wanted, names_only)
    if token:
        for name in changes.removed:
            add_gone(multistatus, base + quote(name, safe="@+"))
    if changes.truncated:  # RFC 6578, 3.6: more to come, ask again with the new token
        response = ET.SubElement(multistatus, d("response"))
        ET.SubElement(response, d("href")).text = base
        ET.SubElement(response, d("status")).text = _status(507)
    ET.SubElement(multistatus, d("sync-token")).text = changes.token
    return xml_response(multistatus)


def free_busy(calendar: Calendar, root: ET.Element) -> HttpResponse:
    time_range = root.find(c("time-range"))
    if time_range is None:
        raise DavError(400, _("A free-busy query needs a time range."))
    start, end = parse_time(time_range.get("start")), parse_time(time_range.get("end"))
    if start is None or end is None or end <= start:
        raise DavError(400, _("A free-busy query needs a start and a later end."))
    if end - start > dt.timedelta(days=400):
        raise DavError(403, _("Ask for at most 400 days at once."))
    window = recurrence.Window(start, end)
    periods: list[tuple[dt.datetime, dt.datetime]] = []
    for event in store.events_in_range(calendar, start, end):
        from_queries = store.occurrences(event, window)
        for timing in from_queries:
            if timing.all_day:
                assert timing.start_date is not None and timing.end_date is not None
                begin = dt.datetime.combine(timing.start_date, dt.time(), tzinfo=dt.UTC)
                finish = dt.datetime.combine(timing.end_date, dt.time(), tzinfo=dt.UTC)
            else:
                assert timing.start is not None and timing.end is not None
                begin, finish = timing.start, timing.end
            periods.append((max(begin, start), min(finish, end)))
    result = icalendar.Calendar()
    result.add("prodid", "-//Cercle//Agenda//EN")
    result.add("version", "2.0")
    busy = icalendar.FreeBusy()
    busy.add("dtstamp", dt.datetime.now(dt.UTC))
    busy.add("dtstart", start)
    busy.add("dtend", end)
    for begin, finish in sorted(periods):
        if finish > begin:
            busy.add("freebusy", (begin.astimezone(dt.UTC), finish.astimezone(dt.UTC)))
    result.add_component(busy)
    return HttpResponse(result.to_ical(), content_type="text/calendar; charset=utf-8")


def mkcalendar(request: HttpRequest, user: User, target: Target) -> HttpResponse:
    """MKCALENDAR (RFC 4791, 5.3.1), or an extended MKCOL (RFC 5689) of a calendar, in the
    person's calendar home: a further personal calendar of theirs, in their agenda too."""
    if target.kind != "new-calendar":
        if target.kind == "calendar":
            raise DavError(405, _("A calendar has this name already."))
        raise DavError(403, _("Calendars are made in your calendar home."), "need-privileges")
    root = parse_xml(request)
    props = store.CalendarProps()
    expected = d("mkcol") if request.method == "MKCOL" else c("mkcalendar")
    if root is not None and root.tag != expected:
        raise DavError(400, _("This body does not make a calendar."))
    if request.method == "MKCOL":
        kinds = (
            root.find(f"{d('set')}/{d('prop')}/{d('resourcetype')}") if root is not None else None
        )
        if kinds is None or kinds.find(c("calendar")) is None:
            raise DavError(403, _("Only calendars are made here."), "need-privileges")
    if root is not None:
        for holder in root.iter(d("prop")):
            for child in holder:
                _read_prop(props, child)  # others (a client's own) are left out, not refused
    store.make_calendar(user, target.name, props)
    response = HttpResponse(status=201)
    response["Location"] = f"{home_href(user)}{quote(target.name, safe='@+')}/"
    return response


Handler = Callable[[HttpRequest, User, Target], HttpResponse]

HANDLERS: dict[str, Handler] = {
    "GET": get,
    "HEAD": get,
    "POST": post,
    "PUT": put,
    "DELETE": delete,
    "PROPFIND": propfind,
    "PROPPATCH": proppatch,
    "REPORT": report,
    "MKCALENDAR": mkcalendar,
    "MKCOL": mkcalendar,
    "MOVE": move,
}

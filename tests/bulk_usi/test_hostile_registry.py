"""Hostile requests to the local endpoint and hostile answers to the client: no shape of
either ends in a crashed thread, a traceback, unbounded memory or time, or exit 70; and a
refusal on a first sending is taken as proof that nothing was created only when it is one."""

from __future__ import annotations

import datetime as dt
import json
import socket
import time

import pytest
from sqlalchemy import func, select

from tests.batch_helpers import IN_ERROR, demo_workspace
from usikit.bulk_usi import batches
from usikit.bulk_usi.batch_states import RequestState
from usikit.bulk_usi.registry import messages, safexml
from usikit.bulk_usi.registry.endpoint import PATH, LocalEndpoint
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.bulk_usi.registry.simulator_tables import simulator_requests
from usikit.bulk_usi.registry.soap import SoapRegistry
from usikit.bulk_usi.tables import batch_records, clients, submissions
from usikit.errors import RegistryFault, SubmissionRefused
from usikit.workspace import open_workspace


@pytest.fixture
def endpoint(tmp_path):
    simulator = OfflineRegistry(open_workspace(str(tmp_path / "sim.db")), delay=dt.timedelta(0))
    endpoint = LocalEndpoint(simulator, slow_seconds=0.3, connection_seconds=0.5,
                             max_connections=4, max_request_bytes=100_000)  # fmt: skip
    with endpoint.serving():
        yield endpoint


def raw(endpoint, request: bytes, *, wait: float = 5.0) -> bytes:
    """What the endpoint answers to `request` sent as it is on a socket."""
    port = endpoint.server.server_address[1]
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
            if b"\r\n\r\n" in answer and _complete(answer):
                break
        return answer


def _complete(answer: bytes) -> bool:
    head, _, body = answer.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return True


def post(body: bytes, length: str | None = None) -> bytes:
    size = str(len(body)) if length is None else length
    return (f"POST {PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/soap+xml\r\n"
            f"Content-Length: {size}\r\nConnection: close\r\n\r\n").encode() + body  # fmt: skip


def soap(body: str) -> bytes:
    action = "http://usi.gov.au/2022/ws/BulkUpload"
    return (
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header>'
        f"<a:Action>{action}</a:Action><a:MessageID>urn:uuid:1</a:MessageID></s:Header>"
        f'<s:Body><BulkUpload xmlns="http://usi.gov.au/2022/ws">{body}</BulkUpload></s:Body>'
        "</s:Envelope>"
    ).encode()


APPLICATION = (
    "<Application><ApplicationId>A1</ApplicationId><UserReference>u</UserReference>{inner}"
    "</Application>"
)
BAD_REQUESTS = {
    "missing element": soap("<OrgCode>D1</OrgCode><RequestId>R1</RequestId><Applications>"
                            + APPLICATION.format(inner="") + "</Applications>"),
    "non-integer field": soap(
        "<OrgCode>D1</OrgCode><RequestId>R1</RequestId><Applications>"
        + APPLICATION.format(inner="<ContactDetails/><PersonalDetails/>"
                             "<NonDvsDocumentTypeId>three</NonDvsDocumentTypeId>")
        + "</Applications>"),
    "not XML": b"<s:Envelope><unclosed>",
    "a DTD": b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
    "not SOAP": b"<hello/>",
    "empty": b"",
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(BAD_REQUESTS))
def test_a_bad_request_gets_a_soap_fault(endpoint, kind):
    answer = raw(endpoint, post(BAD_REQUESTS[kind]))
    assert answer.startswith(b"HTTP/1.1 500"), answer[:200]
    with pytest.raises(RegistryFault) as caught:
        messages.read_envelope(answer.partition(b"\r\n\r\n")[2])
    assert caught.value.code == 1002 and "Traceback" not in caught.value.message
    assert raw(endpoint, post(soap("<OrgCode>D1</OrgCode>"))).startswith(b"HTTP/1.1 500")


@pytest.mark.parametrize(
    ("length", "status"),
    [("abc", b"400"), ("-5", b"400"), ("99999999999999999999", b"413"), ("1000000", b"413"),
     (None, b"411")],
)  # fmt: skip
def test_a_bad_content_length_gets_an_http_answer_and_the_body_is_not_read(
    endpoint, length, status
):
    if length is None:
        request = f"POST {PATH} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    else:
        request = post(b"<x/>", length)
    assert raw(endpoint, request).startswith(b"HTTP/1.1 " + status)
    assert endpoint.requests == []  # nothing reached the SOAP layer


def test_idle_connections_are_closed_and_their_number_bounded(endpoint):
    port = endpoint.server.server_address[1]
    idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(10)]
    try:
        time.sleep(0.2)
        # over the limit of 4: the rest were closed at once; the first ones after 0.5 s idle
        closed = 0
        for connection in idle:
            connection.settimeout(3)
            if connection.recv(100) == b"":
                closed += 1
        assert closed == 10
    finally:
        for connection in idle:
            connection.close()
    assert raw(endpoint, post(soap("<OrgCode>D1</OrgCode>"))).startswith(b"HTTP/1.1 500")


def test_a_half_sent_body_is_refused_without_a_thread_left_waiting(endpoint):
    answer = raw(endpoint, post(b"<s:Envel", length="500"))
    assert answer == b"" or answer.startswith(b"HTTP/1.1 400")
    assert endpoint.requests == []


def client(endpoint, **options) -> SoapRegistry:
    return SoapRegistry(endpoint.url, backoff=0.01, attempts=2, **{"timeout": 2.0, **options})


def test_an_answer_over_the_size_limit_is_refused_before_it_is_read(endpoint):
    endpoint.fail_next("huge", times=2)
    started = time.monotonic()
    with pytest.raises(RegistryFault) as caught:
        client(endpoint).get_countries("DEMO1")
    assert "over the limit" in caught.value.message and caught.value.transient
    assert time.monotonic() - started < 2  # refused at its Content-Length


def test_a_trickling_answer_is_cut_off_at_the_deadline(endpoint):
    endpoint.fail_next("trickle", times=2)
    started = time.monotonic()
    with pytest.raises(RegistryFault, match=r"did not answer within 0\.5 seconds"):
        client(endpoint, timeout=0.5).get_countries("DEMO1")
    assert time.monotonic() - started < 3


def test_a_cut_off_answer_is_a_transient_fault(endpoint):
    endpoint.fail_next("truncated", times=1)
    assert client(endpoint).get_countries("DEMO1")  # retried, then answered


def test_answer_parsers_refuse_dtds_and_bound_elements():
    with pytest.raises(RegistryFault, match="DTD") as caught:
        messages.read_envelope(b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')
    assert caught.value.transient
    bomb = b"<a>" + b"<b/>" * 300_000 + b"</a>"
    with pytest.raises(safexml.UnsafeXml, match="250,000 elements"):
        safexml.parse(bomb)
    with pytest.raises(safexml.UnsafeXml, match="over the limit"):
        safexml.parse(b"<a>" + b" " * 100 + b"</a>", safexml.Limits(max_bytes=50))
    with pytest.raises(safexml.UnsafeXml, match="took over"):
        safexml.parse(b"<a>" + b"<b/>" * 100_000 + b"</a>", safexml.Limits(seconds=0))


def ready_batch(tmp_path):
    workspace = demo_workspace(f"sqlite:///{tmp_path / 'w.db'}")
    batches.add_to_batch(workspace, all_without_usi=True)
    batches.remove_from_batch(workspace, IN_ERROR)
    return workspace


def received(endpoint) -> int:
    with endpoint.registry.workspace.begin() as connection:
        return connection.execute(select(func.count()).select_from(simulator_requests)).scalar()


@pytest.mark.parametrize("kind", ["http400", "redirect", "unknown-fault"])
def test_a_first_sending_refused_without_proof_keeps_its_request(tmp_path, endpoint, kind):
    """HTTP 400, a redirect or an unknown fault code does not prove the registry created
    nothing: the request id is kept, and sent again once the cause is fixed."""
    workspace = ready_batch(tmp_path)
    endpoint.fail_next(kind)
    with pytest.raises(SubmissionRefused) as refused:
        batches.submit_batch(workspace, client(endpoint), org_code="DEMO1", user_reference="t")
    assert refused.value.outcome == "kept submitting"
    assert "may already have reached the registry" in str(refused.value)
    with workspace.begin() as connection:
        kept = connection.execute(select(submissions.c.request_id, submissions.c.state)).all()
    assert [state for _, state in kept] == [RequestState.PENDING]
    sent = batches.submit_batch(workspace, client(endpoint), org_code="DEMO1",
                                user_reference="t")  # fmt: skip
    assert [request_id for request_id, _ in sent.receipts] == [kept[0].request_id]
    assert received(endpoint) == 1


def test_a_first_sending_refused_for_authorisation_reopens_the_batch(tmp_path, endpoint):
    workspace = ready_batch(tmp_path)
    endpoint.fail_next("unauthorised")
    with pytest.raises(SubmissionRefused) as refused:
        batches.submit_batch(workspace, client(endpoint), org_code="DEMO1", user_reference="t")
    assert refused.value.outcome == "reopened" and received(endpoint) == 0


def test_a_batch_stuck_with_a_character_xml_cannot_carry_is_recovered(tmp_path, endpoint):
    """A batch an older usikit left 'submitting' with a record XML cannot carry (its request
    could never be sent) is opened again by the next submit, and the record is named."""
    workspace = ready_batch(tmp_path)
    with pytest.raises(RegistryFault):  # the batch is recorded, then the registry is down
        endpoint.fail_next("unavailable", times=10)
        batches.submit_batch(workspace, client(endpoint), org_code="DEMO1", user_reference="t")
    endpoint.failures.clear()
    with workspace.begin() as connection:  # what an older usikit let through
        row = connection.execute(select(submissions.c.id, submissions.c.payload)).one()
        payload = json.loads(row.payload)
        victim = payload[0]["application_id"]
        payload[0]["personal"] = [[n, v + "\uffff" if n == "FirstName" else v]
                                  for n, v in payload[0]["personal"]]  # fmt: skip
        connection.execute(submissions.update().values(payload=json.dumps(payload)))
        connection.execute(
            clients.update().where(clients.c.client_id == victim)
            .values(first_name=clients.c.first_name + "\uffff")
        )  # fmt: skip
    with pytest.raises(SubmissionRefused) as refused:
        batches.submit_batch(workspace, client(endpoint), org_code="DEMO1", user_reference="t")
    assert refused.value.outcome == "reopened"
    assert f"application {victim!r}, FirstName: U+FFFF" in str(refused.value)
    assert received(endpoint) == 0
    view = batches.batch_view(workspace)
    assert victim in view.in_error()
    errors = view.report.errors
    assert "xml_character" in set(errors["check"])
    batches.edit_client(workspace, victim, {"First Name": "Mia"})
    assert batches.batch_view(workspace).in_error() == []
    sent = batches.submit_batch(workspace, client(endpoint), org_code="DEMO1", user_reference="t")
    assert sent.applications == 30 and received(endpoint) == 1
    with workspace.begin() as connection:
        assert connection.execute(select(func.count()).select_from(batch_records)).scalar() == 30

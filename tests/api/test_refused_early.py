"""A body over the limit is refused on its Content-Length alone, before a
byte of it is read (daemon.c): a client announcing more than
`body_limit_bytes` gets 413 at once, so it cannot make the server wait for,
or read, what it will refuse anyway."""

import http.client
import socket

import common
from common import ApiTest


class RefusedOnContentLength(ApiTest):

    def announce(self, length):
        """Sends the head of a POST announcing `length` bytes and no body;
        returns the response, which must come without the body."""
        tok = common.ctx.tokens["applicant_a"]
        head = ("POST /v1/applications HTTP/1.1\r\nHost: %s:%d\r\n"
                "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                "Content-Length: %s\r\n\r\n" % (common.ctx.host, common.ctx.port, tok, length))
        s = socket.create_connection((common.ctx.host, common.ctx.port), timeout=10)
        try:
            s.sendall(head.encode("latin-1"))
            r = http.client.HTTPResponse(s, method="POST")
            try:
                r.begin()
            except socket.timeout:
                self.fail("no answer to Content-Length %s without its body: the server waits "
                          "for a body it must refuse" % length)
            resp = common.parse_response(r, "POST", "/v1/applications")
            common.check_common_headers(resp)
            return resp
        finally:
            s.close()

    def test_one_byte_over(self):
        self.assertProblem(self.announce(common.ctx.body_limit + 1), 413)

    def test_far_over(self):
        self.assertProblem(self.announce(common.ctx.body_limit * 1000), 413)

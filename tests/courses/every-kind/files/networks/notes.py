"""A notes service: POST /notes adds the request's body as a note, GET /notes lists
them one a line, HEAD /notes answers without a body."""

from http.server import BaseHTTPRequestHandler, HTTPServer

NOTES = []


class Notes(BaseHTTPRequestHandler):
    def answer(self, status, text, body=True):
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def do_GET(self):
        if self.path == "/notes":
            self.answer(200, "".join(n + "\n" for n in NOTES))
        else:
            self.answer(404, "no such page\n")

    def do_HEAD(self):
        self.answer(200 if self.path == "/notes" else 404, "", body=False)

    def do_POST(self):
        if self.path != "/notes":
            self.answer(404, "no such page\n")
            return
        length = int(self.headers.get("Content-Length", "0"))
        NOTES.append(self.rfile.read(length).decode())
        self.answer(201, "added\n")


HTTPServer(("", 8000), Notes).serve_forever()

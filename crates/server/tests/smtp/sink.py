"""A real SMTP server for the email tests (aiosmtpd): every accepted message is written,
as received, to DIR/<n>.eml, with DIR/<n>.json saying whether it came over TLS and who
authenticated. Prints "ready" once listening.

Usage: sink.py DIR PORT [--starttls CERT KEY | --tls CERT KEY] [--auth USER:PASSWORD]
  --starttls  offer STARTTLS and refuse mail before it
  --tls       implicit TLS from the first byte (as on port 465)
  --auth      require AUTH (PLAIN or LOGIN, only over TLS) with these credentials
"""

import argparse
import json
import os
import ssl
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        name = os.path.join(self.directory, f"{os.getpid()}-{self.count}")
        meta = {
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "user": session.auth_data.login.decode()
            if isinstance(session.auth_data, LoginPassword)
            else None,
        }
        with open(name + ".json", "w") as f:
            json.dump(meta, f)
        with open(name + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.replace(name + ".eml.tmp", name + ".eml")
        return "250 Message accepted"


def authenticator(expected_user, expected_password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == expected_user
            and auth_data.password.decode() == expected_password
        )
        if ok:
            return AuthResult(success=True, auth_data=auth_data)
        # Not handled here: the server answers 535 itself.
        return AuthResult(success=False, handled=False)

    return check


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("port", type=int)
    parser.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--auth", metavar="USER:PASSWORD")
    args = parser.parse_args()

    options = {}
    pair = args.starttls or args.tls
    if pair:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*pair)
        if args.starttls:
            options.update(tls_context=context, require_starttls=True)
        else:
            options.update(ssl_context=context)
    if args.auth:
        user, password = args.auth.split(":", 1)
        options.update(
            authenticator=authenticator(user, password),
            auth_required=True,
            auth_require_tls=True,
        )
    controller = Controller(
        Sink(args.directory), hostname="127.0.0.1", port=args.port, **options
    )
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()

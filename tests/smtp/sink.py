"""A real SMTP server for the email tests (aiosmtpd), run by scripts/smtp-sink.

    sink.py PORT

Listens on 127.0.0.1:PORT, prints `listening 127.0.0.1:PORT` once ready, then one JSON line per
message received: {"mail_from", "rcpt_tos", "data"} with the message exactly as it arrived.
Runs until killed or its standard input closes.
"""

import json
import sys

from aiosmtpd.controller import Controller


class Print:
    async def handle_DATA(self, server, session, envelope):
        line = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.original_content.decode("utf-8", "replace"),
        }
        print(json.dumps(line), flush=True)
        return "250 Message accepted for delivery"


def main():
    port = int(sys.argv[1])
    controller = Controller(Print(), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"listening 127.0.0.1:{port}", flush=True)
    try:
        # The test holds our standard input: when it goes away, so do we.
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Drives `dosql` on a pseudo-terminal, as a user at the keyboard would.

    pty_session.py DOSQL HISTORY_FILE

Types a few lines (a statement, one split over two lines, Ctrl-C on a continuation line, an
error, a query typed with Tab completion, .quit), waiting for each prompt, and prints the transcript with CR LF turned into LF.
Exits 2 if a prompt does not come within 10 seconds.
"""
import os
import pty
import select
import sys
import time

binary, history = sys.argv[1], sys.argv[2]
env = dict(os.environ, DOSQL_HISTORY=history, TERM="dumb")
pid, fd = pty.fork()
if pid == 0:
    os.execve(binary, [binary], env)

transcript = b""


def wait_for(text, timeout=10.0):
    global transcript
    end = time.time() + timeout
    while not transcript.endswith(text):
        left = end - time.time()
        if left <= 0:
            sys.stdout.write(transcript.decode(errors="replace"))
            sys.stdout.write("\n[timed out waiting for %r]\n" % text)
            sys.exit(2)
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            transcript += data


PROMPT, CONT = b"dosql> ", b"   ...> "
wait_for(PROMPT)
for keys, prompt in [
    (b"SELECT 1 + 1;\r", PROMPT),
    (b"SELECT 'a;b',\r", CONT),
    (b"  2;\r", PROMPT),
    (b"SELECT 'dropped'\r", CONT),
    (b"\x03", PROMPT),
    (b"SELECT * FRM t;\r", PROMPT),
    (b"CREATE TABLE cities(population, cityname);\r", PROMPT),
    (b"INSERT INTO cities VALUES(5, 'Oslo');\r", PROMPT),
    # Tab completes a keyword (in the case typed), a column and a table name.
    (b"sel\tcityn\tfr\tciti\t;\r", PROMPT),
    (b"SELECT cities.popu\tFROM cities;\r", PROMPT),
    (b".quit\r", None),
]:
    time.sleep(0.1)  # let libedit switch the terminal to raw mode before typing
    os.write(fd, keys)
    if prompt:
        wait_for(prompt)
while True:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    transcript += data
_, status = os.waitpid(pid, 0)
sys.stdout.write(transcript.decode(errors="replace").replace("\r\n", "\n"))
sys.stdout.write("[exit %d]\n" % os.waitstatus_to_exitcode(status))

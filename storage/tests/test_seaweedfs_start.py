"""The suite's SeaweedFS starts again on new ports when one it chose was taken before weed
bound it (CI once lost every SeaweedFS test to "bind: address already in use")."""

import socket

from storage.tests.stores import SeaweedFS, s3_client


def test_a_port_taken_before_weed_binds_it_means_a_start_on_new_ports(tmp_path):
    server = SeaweedFS(tmp_path)
    taken = server.ports["filer.port"]
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", taken))
        squatter.listen()
        try:
            server.start()
            assert server.ports["filer.port"] != taken
            s3_client(server.endpoint).create_bucket(Bucket="after-retry")
            assert b"address already in use" not in server.log_path.read_bytes()  # the last attempt's log
        finally:
            server.stop()

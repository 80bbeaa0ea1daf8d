"""One notion of the client's address for every limit and audit row."""

from tisheng.core.clientip import client_ip, client_network


def test_the_forwarded_address_counts_only_behind_a_trusted_proxy(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.9"


def test_limits_count_an_ipv6_host_by_its_64_and_a_mapped_ipv4_as_itself():
    assert client_network("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert client_network("::ffff:203.0.113.9") == "203.0.113.9"
    assert client_network("203.0.113.9") == "203.0.113.9"
    assert client_network(None) is None


def test_audit_rows_and_the_verify_limit_see_the_same_client_behind_a_proxy(rf, settings):
    from tisheng.certificates.throttle import client_network as verify_network

    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert verify_network(request) == "203.0.113.9"

"""The default SMS backend only logs: what it keeps for tests and the demo is bounded."""

from tisheng.notifications.sms import KEEP_LAST, LoggingSmsBackend


def test_the_logging_sms_backend_keeps_only_the_last_messages_however_many_are_sent():
    LoggingSmsBackend.sent.clear()
    backend = LoggingSmsBackend()
    for n in range(KEEP_LAST + 250):
        assert backend.send("13800000000", f"message {n}")
    assert len(LoggingSmsBackend.sent) == KEEP_LAST
    assert LoggingSmsBackend.sent[-1] == ("13800000000", f"message {KEEP_LAST + 249}")
    assert LoggingSmsBackend.sent[0] == ("13800000000", "message 250")

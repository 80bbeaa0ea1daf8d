def test_healthz_answers_ok_without_touching_the_database(client):
    # No django_db mark: any query would raise "Database access not allowed".
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"ok": True}


def test_healthz_with_a_signed_in_browser_s_cookie_reads_no_session(client, world, django_assert_num_queries):
    """A signed-in browser's cookie comes along: the session and the user are not loaded for it."""
    client.force_login(world.teacher.user)
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True}
